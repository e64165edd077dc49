/**
 * pcapng block encoders (draft-ietf-opsawg-pcapng, "PCAP Next Generation Dump File Format").
 *
 * Theory of operation: a capture is one Section Header Block (§4.1), then an Interface
 * Description Block (§4.2) per switch port — emitted lazily, the first time a port
 * shows up, which the format allows anywhere in a section before the port's first
 * packet — and one Enhanced Packet Block (§4.3) per frame. Every block is written
 * little-endian (the SHB's byte-order magic tells readers so). Interfaces declare
 * `if_tsresol = 9` (§4.2, option 9: 10^-9 s), so EPB timestamps are nanoseconds since
 * the epoch, split into two 32-bit halves. EPBs carry `epb_flags` (§4.3.1) with the
 * direction as the interface sees it: inbound 01, outbound 10.
 *
 * Pure encoders: each function returns a fresh buffer; the capture session (capture.ts)
 * owns ordering and I/O. Left out: Simple Packet Blocks, Name Resolution and Statistics
 * blocks, and any compression.
 */

/** Block types (§4). */
export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_EPB = 0x00000006;
/** SHB byte-order magic (§4.1). */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** LINKTYPE_ETHERNET (tcpdump.org link-layer header types). */
export const LINKTYPE_ETHERNET = 1;
/** Largest frame recorded whole (jumbo segments go up to MTU 65520 + headers). */
export const DEFAULT_SNAPLEN = 262_144;
/** Option codes used here. */
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const EPB_FLAGS = 2;

/** Frame direction relative to the interface (epb_flags bits 0–1). */
export type Direction = "inbound" | "outbound";

const enc = new TextEncoder();
const pad4 = (n: number): number => (n + 3) & ~3;

interface Opt {
  code: number;
  value: Uint8Array;
}

const optsLen = (opts: readonly Opt[]): number => (opts.length ? opts.reduce((n, o) => n + 4 + pad4(o.value.byteLength), 0) + 4 : 0);

function writeOpts(v: DataView, b: Uint8Array, at: number, opts: readonly Opt[]): number {
  if (!opts.length) return at;
  for (const o of opts) {
    v.setUint16(at, o.code, true);
    v.setUint16(at + 2, o.value.byteLength, true);
    b.set(o.value, at + 4);
    at += 4 + pad4(o.value.byteLength);
  }
  v.setUint32(at, OPT_ENDOFOPT, true); // code 0, length 0
  return at + 4;
}

/** A block of `type` with `bodyLen` fixed body bytes, written by `fill`, then options. */
function block(type: number, bodyLen: number, opts: readonly Opt[], fill: (v: DataView, b: Uint8Array, at: number) => void): Uint8Array {
  const total = 12 + pad4(bodyLen) + optsLen(opts);
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  fill(v, b, 8);
  writeOpts(v, b, 8 + pad4(bodyLen), opts);
  v.setUint32(total - 4, total, true);
  return b;
}

/** Section Header Block, version 1.0, section length unknown (-1). */
export function sectionHeader(app = "vmlab"): Uint8Array {
  return block(BT_SHB, 16, [{ code: SHB_USERAPPL, value: enc.encode(app) }], (v, _b, at) => {
    v.setUint32(at, BYTE_ORDER_MAGIC, true);
    v.setUint16(at + 4, 1, true);
    v.setUint16(at + 6, 0, true);
    v.setBigInt64(at + 8, -1n, true);
  });
}

/** Interface Description Block of an Ethernet port with nanosecond timestamps. */
export function interfaceDescription(name: string, description?: string, snaplen = DEFAULT_SNAPLEN): Uint8Array {
  const opts: Opt[] = [{ code: IF_NAME, value: enc.encode(name) }];
  if (description) opts.push({ code: IF_DESCRIPTION, value: enc.encode(description) });
  opts.push({ code: IF_TSRESOL, value: Uint8Array.of(9) });
  return block(BT_IDB, 8, opts, (v, _b, at) => {
    v.setUint16(at, LINKTYPE_ETHERNET, true);
    v.setUint16(at + 2, 0, true);
    v.setUint32(at + 4, snaplen, true);
  });
}

/**
 * Enhanced Packet Block: `frame` seen on interface `ifId` at `tsNs` (nanoseconds since
 * the epoch). Frames longer than `snaplen` are cut, keeping the original length.
 */
export function enhancedPacket(ifId: number, tsNs: bigint, frame: Uint8Array, direction: Direction, snaplen = DEFAULT_SNAPLEN, comment?: string): Uint8Array {
  const cap = Math.min(frame.byteLength, snaplen);
  const opts: Opt[] = [{ code: EPB_FLAGS, value: Uint8Array.of(direction === "inbound" ? 1 : 2, 0, 0, 0) }];
  if (comment) opts.push({ code: OPT_COMMENT, value: enc.encode(comment) });
  return block(BT_EPB, 20 + cap, opts, (v, b, at) => {
    v.setUint32(at, ifId, true);
    v.setUint32(at + 4, Number(tsNs >> 32n) >>> 0, true);
    v.setUint32(at + 8, Number(tsNs & 0xffff_ffffn) >>> 0, true);
    v.setUint32(at + 12, cap, true);
    v.setUint32(at + 16, frame.byteLength, true);
    b.set(cap === frame.byteLength ? frame : frame.subarray(0, cap), at + 20);
  });
}

/** One block as read back by `readBlocks` (tests and tools). */
export interface PcapngBlock {
  type: number;
  body: Uint8Array;
}

/**
 * Splits a little-endian pcapng byte stream into blocks; `undefined` when the framing
 * is broken (lengths not matching, truncated). For tests and diagnostics.
 */
export function readBlocks(bytes: Uint8Array): PcapngBlock[] | undefined {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: PcapngBlock[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    if (at + 12 > bytes.byteLength) return undefined;
    const type = v.getUint32(at, true);
    const len = v.getUint32(at + 4, true);
    if (len < 12 || len % 4 !== 0 || at + len > bytes.byteLength || v.getUint32(at + len - 4, true) !== len) return undefined;
    out.push({ type, body: bytes.subarray(at + 8, at + len - 4) });
    at += len;
  }
  return out;
}
