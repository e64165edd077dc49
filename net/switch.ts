/**
 * The per-segment L2 switch (PRD §9.1).
 *
 * Theory of operation: every NIC (and every fabric service such as the gateway) is a
 * `SwitchPort`. `port.receive(frame)` is ingress: the switch drops runts and frames
 * whose payload exceeds the segment MTU, learns the source MAC (unicast sources only)
 * with a timestamp, then forwards: group destinations (broadcast/multicast, I/G bit)
 * flood to every other eligible port; a learned unicast destination goes to its port;
 * an unknown or aged-out destination floods. Eligibility implements port isolation
 * (private-VLAN model): a frame between two *guest* ports is dropped if either is
 * isolated; service ports (gateway, NAT) reach and are reached by everyone.
 *
 * The MAC table is bounded (`MAX_MAC_ENTRIES`, oldest evicted) and entries age after
 * `MAC_AGE_MS` (IEEE 802.1D default 300 s), checked lazily on lookup. Egress is the
 * port's `send` callback; drivers bound their own queues. Out of scope: VLAN tags
 * (forwarded opaquely), STP (a star of one switch cannot loop).
 *
 * L3 rules hook in with `setFilter` (PRD §9.9 "L3 rules at the switch"): every untagged
 * IPv4 frame, after learning and before forwarding, goes through the filter, which
 * passes it (possibly rewritten — DNAT) or drops it with an optional answer delivered
 * straight back to the ingress port.
 *
 * Capture (vmlab capture) hooks in with `addTap`: a tap sees every frame at ingress
 * (before any check, so dropped frames too) and at egress, with its port. With no tap
 * the hot path pays one null check per frame. `stats` counts frames in and drops
 * (runts, oversized, L3 filter) for the whole segment.
 */
import { isGroupMac, macToString } from "./addr.ts";
import type { Clock } from "../core/clock/mod.ts";
import { ETH_HEADER_LEN, ETH_TYPE, ETHERTYPE_VLAN } from "./ethernet.ts";

/** MAC ageing time, IEEE 802.1D §7.9.2 default. */
export const MAC_AGE_MS = 300_000;
/** Upper bound of the MAC table per segment. */
export const MAX_MAC_ENTRIES = 4096;
/** Default L3 MTU of a segment. */
export const DEFAULT_MTU = 1500;
/** 802.1Q tag length, allowed on top of the MTU. */
const VLAN_TAG_LEN = 4;

/** Port kinds: guests are subject to isolation, services are not. */
export type PortKind = "guest" | "service";

/** How a port is attached. */
export interface PortOptions {
  /** Egress: the switch calls this with frames for the port, and the port they came in on. */
  send(frame: Uint8Array, from?: SwitchPort): void;
  kind?: PortKind;
  /** A trunk carries many hosts (another switch behind it): DHCP allows many leases on it. */
  trunk?: boolean;
  /** Private-VLAN isolation (guest ports only). */
  isolated?: boolean;
  /** Name for logs and status. */
  name?: string;
}

/** Counters per port. */
export interface PortStats {
  rxFrames: number;
  txFrames: number;
  rxDropped: number;
}

/** One attachment to the switch. */
export interface SwitchPort {
  readonly id: number;
  readonly name: string;
  readonly kind: PortKind;
  readonly isolated: boolean;
  /** Carries many hosts (see `PortOptions.trunk`). */
  readonly trunk: boolean;
  readonly stats: PortStats;
  /** Ingress: a frame arriving from the attached NIC/service. */
  receive(frame: Uint8Array): void;
  /** Removes the port and forgets the MACs learned on it. */
  detach(): void;
}

interface PortState extends SwitchPort {
  send(frame: Uint8Array, from?: SwitchPort): void;
  attached: boolean;
}

interface MacEntry {
  port: PortState;
  seen: number;
  /** Text form, for status. */
  text: string;
}

/** A MAC as a 48-bit number: a cheap, allocation-free map key for the hot path. */
function macKey(b: Uint8Array, at: number): number {
  return (
    (((b[at] as number) << 8) | (b[at + 1] as number)) * 0x1_0000_0000 +
    ((((b[at + 2] as number) << 24) | ((b[at + 3] as number) << 16) | ((b[at + 4] as number) << 8) | (b[at + 5] as number)) >>> 0)
  );
}

/** What a frame filter decides: the frame to forward (maybe rewritten), or a drop. */
export type FilterVerdict = Uint8Array | { drop: true; reply?: Uint8Array };

/** Sees every untagged IPv4 frame entering the switch (see `Switch.setFilter`). Must not throw. */
export type FrameFilter = (frame: Uint8Array, from: SwitchPort) => FilterVerdict;

/** Where a tapped frame was seen: entering the switch from `port`, or leaving it to `port`. */
export type TapPoint = "ingress" | "egress";

/** Sees frames as they pass (see `Switch.addTap`). Must not throw, must not keep `frame` past the call without copying. */
export type FrameTap = (frame: Uint8Array, port: SwitchPort, point: TapPoint) => void;

/** Segment-wide counters. */
export interface SwitchStats {
  /** Frames received from all ports. */
  frames: number;
  /** Frames dropped at ingress (runt, over MTU, L3 filter). */
  dropped: number;
}

/** Switch tunables. */
export interface SwitchOptions {
  clock: Clock;
  mtu?: number;
  macAgeMs?: number;
  maxMacEntries?: number;
}

/** A learning switch. */
export class Switch {
  readonly mtu: number;
  readonly #clock: Clock;
  readonly #ageMs: number;
  readonly #maxEntries: number;
  readonly #ports = new Map<number, PortState>();
  readonly #macs = new Map<number, MacEntry>();
  #nextId = 1;
  #filter: FrameFilter | undefined;
  readonly #taps = new Set<FrameTap>();
  /** The one tap the hot path calls: undefined (nobody listens), the only tap, or a fan-out. */
  #tap: FrameTap | undefined;
  readonly stats: SwitchStats = { frames: 0, dropped: 0 };

  constructor(opts: SwitchOptions) {
    this.#clock = opts.clock;
    this.mtu = opts.mtu ?? DEFAULT_MTU;
    this.#ageMs = opts.macAgeMs ?? MAC_AGE_MS;
    this.#maxEntries = opts.maxMacEntries ?? MAX_MAC_ENTRIES;
  }

  /** Attaches a port; frames for it are delivered through `opts.send`. */
  attach(opts: PortOptions): SwitchPort {
    const id = this.#nextId++;
    const kind = opts.kind ?? "guest";
    const port: PortState = {
      id,
      name: opts.name ?? `port${id}`,
      kind,
      isolated: kind === "guest" && (opts.isolated ?? false),
      trunk: opts.trunk ?? false,
      stats: { rxFrames: 0, txFrames: 0, rxDropped: 0 },
      attached: true,
      send: opts.send,
      receive: (frame) => this.#ingress(port, frame),
      detach: () => this.#detach(port),
    };
    this.#ports.set(id, port);
    return port;
  }

  /** Installs (or with `undefined` removes) the L3 frame filter. */
  setFilter(filter: FrameFilter | undefined): void {
    this.#filter = filter;
  }

  /** Adds a frame tap; returns its removal. */
  addTap(tap: FrameTap): () => void {
    this.#taps.add(tap);
    this.#retap();
    return () => {
      this.#taps.delete(tap);
      this.#retap();
    };
  }

  #retap(): void {
    const taps = [...this.#taps];
    this.#tap =
      taps.length === 0
        ? undefined
        : taps.length === 1
          ? taps[0]
          : (f, p, w) => {
              for (const t of taps) t(f, p, w);
            };
  }

  /** Attached ports. */
  get ports(): SwitchPort[] {
    return [...this.#ports.values()];
  }

  /** Learned MAC → port name, excluding aged entries (for status and tests). */
  macTable(): Map<string, string> {
    const now = this.#clock.now();
    const out = new Map<string, string>();
    for (const e of this.#macs.values()) if (now - e.seen <= this.#ageMs) out.set(e.text, e.port.name);
    return out;
  }

  #detach(port: PortState): void {
    if (!port.attached) return;
    port.attached = false;
    this.#ports.delete(port.id);
    for (const [mac, e] of this.#macs) if (e.port === port) this.#macs.delete(mac);
  }

  #ingress(from: PortState, frame: Uint8Array): void {
    if (!from.attached) return;
    if (this.#tap) this.#tap(frame, from, "ingress");
    from.stats.rxFrames++;
    this.stats.frames++;
    const tagged = frame.byteLength >= ETH_HEADER_LEN && frame[ETH_TYPE] === ETHERTYPE_VLAN >> 8 && frame[ETH_TYPE + 1] === (ETHERTYPE_VLAN & 0xff);
    const limit = ETH_HEADER_LEN + this.mtu + (tagged ? VLAN_TAG_LEN : 0);
    if (frame.byteLength < ETH_HEADER_LEN || frame.byteLength > limit) {
      from.stats.rxDropped++;
      this.stats.dropped++;
      return;
    }
    const now = this.#clock.now();
    if (!isGroupMac(frame, 6)) this.#learn(frame, from, now);
    if (this.#filter && frame[ETH_TYPE] === 0x08 && frame[ETH_TYPE + 1] === 0x00) {
      const v = this.#filter(frame, from);
      if (!(v instanceof Uint8Array)) {
        from.stats.rxDropped++;
        this.stats.dropped++;
        if (v.reply) this.#egress(from, v.reply);
        return;
      }
      frame = v;
    }
    if (!isGroupMac(frame, 0)) {
      const entry = this.#macs.get(macKey(frame, 0));
      if (entry && now - entry.seen <= this.#ageMs) {
        if (entry.port !== from && this.#allowed(from, entry.port)) this.#egress(entry.port, frame, from);
        return;
      }
    }
    for (const p of this.#ports.values()) if (p !== from && this.#allowed(from, p)) this.#egress(p, frame, from);
  }

  #learn(frame: Uint8Array, port: PortState, now: number): void {
    const mac = macKey(frame, 6);
    const e = this.#macs.get(mac);
    if (e) {
      e.port = port;
      e.seen = now;
      return;
    }
    if (this.#macs.size >= this.#maxEntries) {
      // Maps iterate in insertion order; re-learned entries keep their slot, so drop the
      // stalest one we can find cheaply: the first aged entry, else the oldest inserted.
      let victim: number | undefined;
      for (const [m, x] of this.#macs) {
        victim ??= m;
        if (now - x.seen > this.#ageMs) {
          victim = m;
          break;
        }
      }
      if (victim !== undefined) this.#macs.delete(victim);
    }
    this.#macs.set(mac, { port, seen: now, text: macToString(frame, 6) });
  }

  #allowed(a: PortState, b: PortState): boolean {
    if (a.kind === "service" || b.kind === "service") return true;
    return !a.isolated && !b.isolated;
  }

  #egress(p: PortState, frame: Uint8Array, from?: PortState): void {
    p.stats.txFrames++;
    if (this.#tap) this.#tap(frame, p, "egress");
    p.send(frame, from);
  }
}
