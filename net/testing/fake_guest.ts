/**
 * A fake guest NIC for tests: a switch port that speaks only through the codecs.
 *
 * It records every frame delivered to it and offers helpers to send ARP, ICMP echo
 * and UDP the way a real guest kernel would, so services are exercised end to end
 * through the switch rather than by calling their cores directly.
 */
import { BROADCAST_MAC, parseMac } from "../addr.ts";
import { ARP_REQUEST, encodeArp, parseArp, type ArpPacket } from "../arp.ts";
import { encodeEthernet, ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet, type EthernetFrame } from "../ethernet.ts";
import { encodeIcmpFrame, ICMP_ECHO_REQUEST, parseIcmp, type IcmpMessage } from "../icmp.ts";
import { parseIpv4, PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Ipv4Packet } from "../ipv4.ts";
import type { Switch, SwitchPort } from "../switch.ts";
import { parseTcp, type TcpSegment } from "../tcp.ts";
import { encodeUdpFrame, parseUdp, type UdpDatagram } from "../udp.ts";

/** A received frame, decoded as far as it goes. */
export interface Received {
  eth: EthernetFrame;
  arp?: ArpPacket;
  ip?: Ipv4Packet;
  icmp?: IcmpMessage;
  udp?: UdpDatagram;
  tcp?: TcpSegment;
}

/** A fake guest attached to a switch. */
export class FakeGuest {
  readonly port: SwitchPort;
  readonly mac: Uint8Array;
  readonly inbox: Received[] = [];
  /** Optional hook run on every received frame (after recording). */
  onFrame: ((r: Received) => void) | undefined;

  constructor(
    sw: Switch,
    mac: string,
    public ip = 0,
    opts: { isolated?: boolean; name?: string } = {},
  ) {
    this.mac = parseMac(mac)!;
    this.port = sw.attach({ name: opts.name ?? mac, isolated: opts.isolated, send: (f) => this.#deliver(f) });
  }

  #deliver(frame: Uint8Array): void {
    const eth = parseEthernet(frame);
    if (!eth) return;
    const r: Received = { eth };
    if (eth.type === ETHERTYPE_ARP) r.arp = parseArp(eth.payload);
    if (eth.type === ETHERTYPE_IPV4) {
      r.ip = parseIpv4(eth.payload);
      if (r.ip?.proto === PROTO_ICMP) r.icmp = parseIcmp(r.ip.payload);
      if (r.ip?.proto === PROTO_UDP) r.udp = parseUdp(r.ip);
      if (r.ip?.proto === PROTO_TCP) r.tcp = parseTcp(r.ip);
    }
    this.inbox.push(r);
    this.onFrame?.(r);
  }

  /** Removes and returns everything received so far. */
  take(): Received[] {
    return this.inbox.splice(0);
  }

  arpRequest(target: number): void {
    const a = encodeArp({ op: ARP_REQUEST, senderMac: this.mac, senderIp: this.ip, targetMac: new Uint8Array(6), targetIp: target });
    this.port.receive(encodeEthernet(BROADCAST_MAC, this.mac, ETHERTYPE_ARP, a));
  }

  ping(dstMac: Uint8Array, dst: number, id: number, seq: number, data = new Uint8Array(8)): void {
    this.port.receive(encodeIcmpFrame({ srcMac: this.mac, dstMac, src: this.ip, dst }, ICMP_ECHO_REQUEST, 0, (id << 16) | seq, data));
  }

  sendUdp(dstMac: Uint8Array, dst: number, srcPort: number, dstPort: number, payload: Uint8Array, src = this.ip): void {
    this.port.receive(encodeUdpFrame({ srcMac: this.mac, dstMac, src, dst }, srcPort, dstPort, payload));
  }

  /** Sends a raw frame. */
  send(frame: Uint8Array): void {
    this.port.receive(frame);
  }
}
