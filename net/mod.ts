/**
 * vmlab's userspace network fabric (PRD §9): codecs, the per-segment switch, the
 * gateway with DHCP and DNS, and the stream-socket driver that joins QEMU NICs.
 *
 * Layering: codecs (`ethernet`, `arp`, `ipv4`, `icmp`, `udp`, `tcp`, `dhcp_message`,
 * `dns_message`) are pure byte views; protocol cores (`switch`, `gateway`,
 * `dhcp_server`, `dns_server`) take an injected `Clock` and do no I/O; drivers
 * (`stream_port`, `dns_upstream`) own sockets. `Segment` composes a switch, gateway,
 * DHCP and DNS; `Nat` (userspace TCP in `tcp_conn`) plugs into it as the gateway IP
 * stack, and `startForward` adds host→guest TCP/UDP forwards. DNS over TCP runs on
 * the gateway itself (`tcp_service` + `dns_tcp`). L3 rules (`l3_rules`, `dnat`,
 * `reject`) filter at the switch; `rule_book` gives DNS and L3 rules ids; `route`
 * forwards between linked segments as the gateways' IP stack in front of the NAT.
 * `capture` taps a switch and writes pcapng (`pcapng`), narrowed by `capture_filter`.
 * Nothing here imports `core/` except the shared leaves `core/clock` (time as a
 * dependency) and `core/errors`; the lint in `scripts/lint.ts` keeps it so.
 */
export * from "./addr.ts";
export * from "../core/clock/mod.ts";
export * from "./log.ts";
export * from "./checksum.ts";
export * from "./ethernet.ts";
export * from "./arp.ts";
export * from "./ipv4.ts";
export * from "./icmp.ts";
export * from "./udp.ts";
export * from "./tcp.ts";
export * from "./framing.ts";
export * from "./switch.ts";
export * from "./stream_port.ts";
export * from "./gateway.ts";
export * from "./dhcp_message.ts";
export * from "./dhcp_server.ts";
export * from "./subnet_pool.ts";
export * from "./dns_message.ts";
export * from "./dns_server.ts";
export * from "./dns_upstream.ts";
export * from "./tcp_service.ts";
export * from "./dns_tcp.ts";
export * from "./segment.ts";
export * from "./byte_queue.ts";
export * from "./tcp_conn/mod.ts";
export * from "./ping_socket.ts";
export * from "./nat/mod.ts";
export * from "./forward.ts";
export * from "./reject.ts";
export * from "./dnat.ts";
export * from "./l3_rules.ts";
export * from "./rule_book.ts";
export * from "./route.ts";
export * from "./pcapng.ts";
export * from "./capture_filter.ts";
export * from "./capture.ts";
export * from "./trunk.ts";
export * from "./trunk_link.ts";
export * from "./vxlan.ts";
export * from "./vxlan_link.ts";
