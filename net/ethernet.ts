/**
 * Ethernet II frames (IEEE 802.3 §3.2, DIX framing).
 *
 * Theory of operation: a frame is a 14-byte header (destination MAC, source MAC,
 * EtherType) followed by the payload. `parseEthernet` returns a view over the caller's
 * bytes (no copy) or `undefined` when the buffer is too short; it never throws. The FCS
 * is not present on QEMU stream sockets, and 802.1Q tags are passed through as opaque
 * EtherType 0x8100 (the switch forwards them, the gateway ignores them).
 */

/** Byte offset of the destination MAC. */
export const ETH_DST = 0;
/** Byte offset of the source MAC. */
export const ETH_SRC = 6;
/** Byte offset of the EtherType. */
export const ETH_TYPE = 12;
/** Header length; the payload starts here. */
export const ETH_HEADER_LEN = 14;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;

/** A bounds-checked view of an Ethernet frame. */
export class EthernetFrame {
  readonly #view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get dst(): Uint8Array {
    return this.bytes.subarray(ETH_DST, ETH_DST + 6);
  }
  get src(): Uint8Array {
    return this.bytes.subarray(ETH_SRC, ETH_SRC + 6);
  }
  get type(): number {
    return this.#view.getUint16(ETH_TYPE);
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(ETH_HEADER_LEN);
  }
}

/** Views `bytes` as an Ethernet frame; `undefined` if shorter than the header. */
export function parseEthernet(bytes: Uint8Array): EthernetFrame | undefined {
  return bytes.byteLength < ETH_HEADER_LEN ? undefined : new EthernetFrame(bytes);
}

/** Writes the 14-byte header into `out` at offset 0. */
export function writeEthernetHeader(out: Uint8Array, dst: Uint8Array, src: Uint8Array, type: number): void {
  // Byte loops: cheaper than set(subarray()) for 6 bytes on the per-frame path.
  for (let i = 0; i < 6; i++) {
    out[ETH_DST + i] = dst[i] as number;
    out[ETH_SRC + i] = src[i] as number;
  }
  out[ETH_TYPE] = type >>> 8;
  out[ETH_TYPE + 1] = type & 0xff;
}

/** Builds a complete frame. */
export function encodeEthernet(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(ETH_HEADER_LEN + payload.byteLength);
  writeEthernetHeader(out, dst, src, type);
  out.set(payload, ETH_HEADER_LEN);
  return out;
}
