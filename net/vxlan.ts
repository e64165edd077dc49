/**
 * VXLAN encapsulation (RFC 7348 §5): an Ethernet frame behind an 8-byte header in a
 * UDP datagram (IANA port 4789).
 *
 *   flags u8 (0x08: the I bit, "VNI valid") | reserved u24 | VNI u24 | reserved u8
 *
 * `encodeVxlan` writes the header with the I bit and zero reserved fields; `parseVxlan`
 * follows the receiver rules of §5: the I bit must be set, the other flag bits and the
 * reserved fields are ignored, and the inner frame must at least hold an Ethernet
 * header. Untrusted input never throws: a bad datagram is `undefined`. VXLAN has no
 * security of its own — validate warns when the remote is not loopback or private.
 */
import { ETH_HEADER_LEN } from "./ethernet.ts";

/** IANA-assigned VXLAN UDP port. */
export const VXLAN_PORT = 4789;
/** Header length. */
export const VXLAN_HEADER_LEN = 8;
/** Largest VNI (24 bits). */
export const MAX_VNI = 0xff_ffff;
const FLAG_I = 0x08;

/** Header + `frame`, for VNI `vni`. */
export function encodeVxlan(vni: number, frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(VXLAN_HEADER_LEN + frame.byteLength);
  out[0] = FLAG_I;
  out[4] = (vni >>> 16) & 0xff;
  out[5] = (vni >>> 8) & 0xff;
  out[6] = vni & 0xff;
  out.set(frame, VXLAN_HEADER_LEN);
  return out;
}

/** The VNI and inner frame (a view into `b`), or undefined when `b` is not a VXLAN datagram. */
export function parseVxlan(b: Uint8Array): { vni: number; frame: Uint8Array } | undefined {
  if (b.byteLength < VXLAN_HEADER_LEN + ETH_HEADER_LEN || ((b[0] as number) & FLAG_I) === 0) return undefined;
  const vni = ((b[4] as number) << 16) | ((b[5] as number) << 8) | (b[6] as number);
  return { vni, frame: b.subarray(VXLAN_HEADER_LEN) };
}
