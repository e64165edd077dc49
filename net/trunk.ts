/**
 * Trunk codec: an authenticated, encrypted L2 link between two vmlab hosts (issue 14,
 * DESIGN §7 "Cross-host"). Pure: bytes in, events out; the driver (trunk_link.ts) owns
 * the TCP socket, the length framing and the timers.
 *
 * Theory of operation. Every message travels as a 4-byte big-endian length and a body
 * whose first byte is its type:
 *
 *   HELLO  1 | "VMLT" | version u8 | node id (16) | nonce (32) | segment length u8 | segment
 *   AUTH   2 | proof (32)
 *   REFUSE 3 | reason u8                          (then the sender closes)
 *   DATA   4 | sequence u64 | AES-256-GCM ciphertext of one Ethernet frame | tag (16)
 *
 * Handshake (mutual challenge-response on the pre-shared key): the dialer sends HELLO
 * with a fresh nonce and the segment it wants; the listener checks the version and the
 * segment and answers HELLO with its own nonce. Both now hold the transcript T =
 * label | version | both node ids | both nonces | segment. The dialer proves the key
 * with AUTH(HMAC-SHA256(psk, "dialer" | T)); the listener checks it (constant time) and
 * proves itself with AUTH(HMAC-SHA256(psk, "listener" | T)). Neither proof can be
 * replayed into another session (both nonces are in T) nor reflected (the role label);
 * the PSK itself never crosses the wire. A wrong proof is answered with
 * REFUSE(wrong_key) and the connection ends; so do a version mismatch and an unknown
 * segment, each with its own reason, so both sides can say what went wrong.
 *
 * Session keys: HKDF-SHA256(psk, salt = nonce_d | nonce_l, info = label | T) gives 64
 * bytes: the dialer→listener key, then the listener→dialer key. DATA frames are sealed
 * with AES-256-GCM (Bun's node:crypto has no ChaCha20-Poly1305; the issue allows either)
 * under the sender's key; the 96-bit nonce is 4 zero bytes and the 64-bit sequence
 * number, which also is the additional authenticated data with the type byte. Separate
 * keys per direction mean a nonce is never reused. The receiver authenticates first,
 * then applies a sliding replay window (RFC 4303 §3.4.3 style, `REPLAY_WINDOW` frames):
 * a replayed, a too-old (reordered beyond the window) or a tampered frame is dropped
 * and counted in `stats`, never delivered.
 *
 * Untrusted bytes never throw out of `receive`: malformed messages become a `fail`
 * event (the driver closes) or a counted drop. Left out: rekeying (a 64-bit counter
 * does not wrap in practice; the session ends at 2^63 frames), compression.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/** Protocol version; a peer with another one is refused with `version_mismatch`. */
export const TRUNK_VERSION = 1;
/** Message types. */
export const MSG_HELLO = 1;
export const MSG_AUTH = 2;
export const MSG_REFUSE = 3;
export const MSG_DATA = 4;
/** Magic after the HELLO type byte. */
const MAGIC = [0x56, 0x4d, 0x4c, 0x54]; // "VMLT"
export const NONCE_LEN = 32;
export const NODE_ID_LEN = 16;
const PROOF_LEN = 32;
const TAG_LEN = 16;
const SEQ_LEN = 8;
/** DATA header: type + sequence. */
const DATA_HEADER = 1 + SEQ_LEN;
/** Frames accepted out of order behind the newest one. */
export const REPLAY_WINDOW = 64;
/** Longest segment name on the wire. */
const MAX_SEGMENT_LEN = 255;
/** Largest Ethernet frame a trunk carries (MTU 65520 + header + VLAN tag, with room). */
export const MAX_TRUNK_FRAME = 65_600;
/** Largest message body: a DATA of the largest frame. */
export const MAX_TRUNK_MESSAGE = DATA_HEADER + MAX_TRUNK_FRAME + TAG_LEN;
const LABEL = "vmlab-trunk";

/** Why a handshake failed (also the REFUSE reason on the wire). */
export type TrunkFailReason = "wrong_key" | "version_mismatch" | "unknown_segment" | "protocol";
const REASONS: readonly TrunkFailReason[] = ["protocol", "wrong_key", "version_mismatch", "unknown_segment"];

/** What `receive` produces. */
export type TrunkEvent =
  | { kind: "send"; message: Uint8Array }
  | { kind: "established"; segment: string; peerNode: string }
  | { kind: "frame"; frame: Uint8Array }
  /** The session is over; `refusedByPeer` when the peer said so with REFUSE. */
  | { kind: "fail"; reason: TrunkFailReason; message: string; refusedByPeer: boolean };

/** Drop counters of the data phase. */
export interface TrunkStats {
  sent: number;
  received: number;
  replayed: number;
  tooOld: number;
  tampered: number;
  malformed: number;
}

/** Session options. */
export interface TrunkSessionOptions {
  role: "dialer" | "listener";
  psk: Uint8Array;
  /** This host's node id (random per daemon), 16 bytes. */
  nodeId: Uint8Array;
  /** Dialer: the segment to join. */
  segment?: string;
  /** Listener: may a peer join this segment? */
  acceptSegment?: (name: string) => boolean;
  /** Randomness (tests inject a seeded one). */
  random?: (n: number) => Uint8Array;
  /** Version to speak (tests of the mismatch path). */
  version?: number;
}

type Phase = "start" | "await_hello" | "await_auth" | "established" | "closed";

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A parsed HELLO, or undefined when malformed. */
function parseHello(m: Uint8Array): { version: number; node: Uint8Array; nonce: Uint8Array; segment: string } | undefined {
  if (m.byteLength < 6 || MAGIC.some((b, i) => m[1 + i] !== b)) return undefined;
  const version = m[5] as number;
  const at = 6;
  if (m.byteLength < at + NODE_ID_LEN + NONCE_LEN + 1) return { version, node: new Uint8Array(0), nonce: new Uint8Array(0), segment: "" };
  const node = m.slice(at, at + NODE_ID_LEN);
  const nonce = m.slice(at + NODE_ID_LEN, at + NODE_ID_LEN + NONCE_LEN);
  const len = m[at + NODE_ID_LEN + NONCE_LEN] as number;
  const s = at + NODE_ID_LEN + NONCE_LEN + 1;
  if (m.byteLength !== s + len) return undefined;
  try {
    return { version, node, nonce, segment: dec.decode(m.subarray(s, s + len)) };
  } catch {
    return undefined;
  }
}

/** One end of a trunk. */
export class TrunkSession {
  readonly role: "dialer" | "listener";
  readonly stats: TrunkStats = { sent: 0, received: 0, replayed: 0, tooOld: 0, tampered: 0, malformed: 0 };
  #phase: Phase = "start";
  readonly #psk: Uint8Array;
  readonly #node: Uint8Array;
  readonly #version: number;
  readonly #random: (n: number) => Uint8Array;
  readonly #accept: (name: string) => boolean;
  #segment: string;
  #myNonce: Uint8Array = new Uint8Array(0);
  #transcript: Uint8Array = new Uint8Array(0);
  #sendKey: Uint8Array = new Uint8Array(0);
  #recvKey: Uint8Array = new Uint8Array(0);
  #sendSeq = 0n;
  /** Highest sequence accepted, and a bitmap of the `REPLAY_WINDOW` below it (bit 0 = top). */
  #top = 0n;
  #window = 0n;
  #peerNode = "";

  constructor(o: TrunkSessionOptions) {
    this.role = o.role;
    this.#psk = o.psk;
    this.#node = o.nodeId;
    this.#version = o.version ?? TRUNK_VERSION;
    this.#random = o.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.#accept = o.acceptSegment ?? (() => false);
    this.#segment = o.segment ?? "";
  }

  /** The segment this session carries (the listener learns it from HELLO). */
  get segment(): string {
    return this.#segment;
  }

  get established(): boolean {
    return this.#phase === "established";
  }

  /** The peer's node id (hex) once established. */
  get peerNode(): string {
    return this.#peerNode;
  }

  /** Opening messages: the dialer's HELLO (the listener waits). */
  start(): Uint8Array[] {
    if (this.#phase !== "start") return [];
    this.#phase = "await_hello";
    if (this.role === "listener") return [];
    return [this.#hello()];
  }

  /** Handles one message body from the peer. Never throws. */
  receive(m: Uint8Array): TrunkEvent[] {
    try {
      return this.#receive(m);
    } catch (e) {
      return this.#fail("protocol", `cannot handle a message: ${(e as Error).message}`);
    }
  }

  /** Seals one Ethernet frame into a DATA message; undefined before the session is established. */
  seal(frame: Uint8Array): Uint8Array | undefined {
    if (this.#phase !== "established" || frame.byteLength > MAX_TRUNK_FRAME) return undefined;
    const seq = ++this.#sendSeq;
    const header = new Uint8Array(DATA_HEADER);
    header[0] = MSG_DATA;
    new DataView(header.buffer).setBigUint64(1, seq);
    const c = createCipheriv("aes-256-gcm", this.#sendKey, this.#nonce(seq), { authTagLength: TAG_LEN });
    c.setAAD(header);
    const body = c.update(frame);
    c.final();
    this.stats.sent++;
    return concat(header, body, c.getAuthTag());
  }

  #nonce(seq: bigint): Uint8Array {
    const n = new Uint8Array(12);
    new DataView(n.buffer).setBigUint64(4, seq);
    return n;
  }

  #hello(): Uint8Array {
    this.#myNonce = this.#random(NONCE_LEN);
    const seg = enc.encode(this.#segment);
    return concat(Uint8Array.of(MSG_HELLO, ...MAGIC, this.#version), this.#node, this.#myNonce, Uint8Array.of(seg.byteLength), seg);
  }

  #receive(m: Uint8Array): TrunkEvent[] {
    if (this.#phase === "closed" || m.byteLength === 0) return this.#phase === "closed" ? [] : this.#fail("protocol", "empty message");
    const type = m[0] as number;
    if (type === MSG_REFUSE) {
      const reason = REASONS[m[1] ?? 0] ?? "protocol";
      this.#phase = "closed";
      return [{ kind: "fail", reason, message: refusedText(reason), refusedByPeer: true }];
    }
    switch (this.#phase) {
      case "start":
      case "await_hello":
        return type === MSG_HELLO ? this.#onHello(m) : this.#fail("protocol", `expected HELLO, got message type ${type}`);
      case "await_auth":
        return type === MSG_AUTH ? this.#onAuth(m) : this.#fail("protocol", `expected AUTH, got message type ${type}`);
      case "established":
        if (type === MSG_DATA) return this.#onData(m);
        this.stats.malformed++;
        return [];
    }
  }

  #onHello(m: Uint8Array): TrunkEvent[] {
    const h = parseHello(m);
    if (!h) return this.#fail("protocol", "malformed HELLO (not a vmlab trunk?)");
    if (h.version !== this.#version) {
      return this.#refuse("version_mismatch", `the peer speaks trunk protocol version ${h.version}, this vmlab speaks ${this.#version}`);
    }
    if (h.node.byteLength !== NODE_ID_LEN || h.nonce.byteLength !== NONCE_LEN) return this.#fail("protocol", "malformed HELLO");
    const out: TrunkEvent[] = [];
    let dialerNode: Uint8Array, listenerNode: Uint8Array, dialerNonce: Uint8Array, listenerNonce: Uint8Array;
    if (this.role === "listener") {
      if (h.segment.length === 0 || h.segment.length > MAX_SEGMENT_LEN || !this.#accept(h.segment)) {
        return this.#refuse("unknown_segment", `the peer asked for segment "${h.segment}", which is not open for trunks here`);
      }
      this.#segment = h.segment;
      out.push({ kind: "send", message: this.#hello() });
      [dialerNode, listenerNode, dialerNonce, listenerNonce] = [h.node, this.#node, h.nonce, this.#myNonce];
    } else {
      if (h.segment !== this.#segment) return this.#fail("protocol", `the peer answered for segment "${h.segment}", not "${this.#segment}"`);
      [dialerNode, listenerNode, dialerNonce, listenerNonce] = [this.#node, h.node, this.#myNonce, h.nonce];
    }
    this.#peerNode = hex(h.node);
    this.#transcript = concat(enc.encode(LABEL), Uint8Array.of(this.#version), dialerNode, listenerNode, dialerNonce, listenerNonce, enc.encode(this.#segment));
    const keys = new Uint8Array(hkdfSync("sha256", this.#psk, concat(dialerNonce, listenerNonce), concat(enc.encode(`${LABEL} keys`), this.#transcript), 64));
    const d2l = keys.slice(0, 32);
    const l2d = keys.slice(32, 64);
    [this.#sendKey, this.#recvKey] = this.role === "dialer" ? [d2l, l2d] : [l2d, d2l];
    this.#phase = "await_auth";
    if (this.role === "dialer") out.push({ kind: "send", message: concat(Uint8Array.of(MSG_AUTH), this.#proof("dialer")) });
    return out;
  }

  #onAuth(m: Uint8Array): TrunkEvent[] {
    const peer = this.role === "dialer" ? "listener" : "dialer";
    const want = this.#proof(peer);
    const got = m.subarray(1);
    if (got.byteLength !== PROOF_LEN || !timingSafeEqual(got, want)) {
      return this.role === "listener"
        ? this.#refuse("wrong_key", "the peer did not prove the pre-shared key (wrong psk)")
        : this.#fail("wrong_key", "the peer did not prove the pre-shared key (wrong psk, or not the peer it claims to be)");
    }
    const out: TrunkEvent[] = [];
    if (this.role === "listener") out.push({ kind: "send", message: concat(Uint8Array.of(MSG_AUTH), this.#proof("listener")) });
    this.#phase = "established";
    out.push({ kind: "established", segment: this.#segment, peerNode: this.#peerNode });
    return out;
  }

  #proof(role: "dialer" | "listener"): Uint8Array {
    return new Uint8Array(createHmac("sha256", this.#psk).update(role).update(this.#transcript).digest());
  }

  #onData(m: Uint8Array): TrunkEvent[] {
    if (m.byteLength < DATA_HEADER + TAG_LEN) {
      this.stats.malformed++;
      return [];
    }
    const seq = new DataView(m.buffer, m.byteOffset, m.byteLength).getBigUint64(1);
    if (seq === 0n || (this.#top >= BigInt(REPLAY_WINDOW) && seq <= this.#top - BigInt(REPLAY_WINDOW))) {
      this.stats.tooOld++;
      return [];
    }
    if (seq <= this.#top && (this.#window >> (this.#top - seq)) & 1n) {
      this.stats.replayed++;
      return [];
    }
    let frame: Uint8Array;
    try {
      const d = createDecipheriv("aes-256-gcm", this.#recvKey, this.#nonce(seq), { authTagLength: TAG_LEN });
      d.setAAD(m.subarray(0, DATA_HEADER));
      d.setAuthTag(m.subarray(m.byteLength - TAG_LEN));
      const body = d.update(m.subarray(DATA_HEADER, m.byteLength - TAG_LEN));
      d.final();
      frame = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    } catch {
      this.stats.tampered++;
      return [];
    }
    // Authenticated: only now move the window (RFC 4303 §3.4.3).
    const mask = (1n << BigInt(REPLAY_WINDOW)) - 1n;
    if (seq > this.#top) {
      this.#window = ((this.#window << (seq - this.#top)) | 1n) & mask;
      this.#top = seq;
    } else {
      this.#window |= 1n << (this.#top - seq);
    }
    this.stats.received++;
    return [{ kind: "frame", frame }];
  }

  #refuse(reason: TrunkFailReason, message: string): TrunkEvent[] {
    this.#phase = "closed";
    return [
      { kind: "send", message: Uint8Array.of(MSG_REFUSE, REASONS.indexOf(reason)) },
      { kind: "fail", reason, message, refusedByPeer: false },
    ];
  }

  #fail(reason: TrunkFailReason, message: string): TrunkEvent[] {
    this.#phase = "closed";
    return [{ kind: "fail", reason, message, refusedByPeer: false }];
  }
}

function refusedText(reason: TrunkFailReason): string {
  switch (reason) {
    case "wrong_key":
      return "the peer refused the pre-shared key (the psk differs between the two hosts)";
    case "version_mismatch":
      return "the peer refused the connection: it speaks another trunk protocol version";
    case "unknown_segment":
      return "the peer has no such segment open for trunks";
    case "protocol":
      return "the peer refused the connection";
  }
}
