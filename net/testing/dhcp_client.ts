/**
 * Builds client-side DHCP messages (BOOTREQUEST) for tests, through the same option
 * layout a real client uses.
 */
import { parseMac } from "../addr.ts";
import {
  BOOTREQUEST,
  DHCP_CHADDR,
  DHCP_CIADDR,
  DHCP_COOKIE,
  DHCP_FLAGS,
  DHCP_HLEN,
  DHCP_HTYPE,
  DHCP_OP,
  DHCP_OPTIONS,
  DHCP_XID,
  MAGIC_COOKIE,
  OPT,
  ipsValue,
} from "../dhcp_message.ts";

/** What the fake client sends. */
export interface ClientMessage {
  type: number;
  mac: string;
  xid?: number;
  ciaddr?: number;
  requested?: number;
  serverId?: number;
  broadcast?: boolean;
  paramRequest?: number[];
  hostname?: string;
}

/** Encodes a BOOTREQUEST payload. */
export function clientMessage(m: ClientMessage): Uint8Array {
  const opts: [number, Uint8Array][] = [[OPT.messageType, Uint8Array.of(m.type)]];
  if (m.requested !== undefined) opts.push([OPT.requestedIp, ipsValue(m.requested)]);
  if (m.serverId !== undefined) opts.push([OPT.serverId, ipsValue(m.serverId)]);
  if (m.paramRequest) opts.push([OPT.paramRequest, Uint8Array.from(m.paramRequest)]);
  if (m.hostname) opts.push([OPT.hostname, new TextEncoder().encode(m.hostname)]);
  const out = new Uint8Array(300);
  const v = new DataView(out.buffer);
  v.setUint8(DHCP_OP, BOOTREQUEST);
  v.setUint8(DHCP_HTYPE, 1);
  v.setUint8(DHCP_HLEN, 6);
  v.setUint32(DHCP_XID, m.xid ?? 0x1234);
  v.setUint16(DHCP_FLAGS, m.broadcast ? 0x8000 : 0);
  v.setUint32(DHCP_CIADDR, m.ciaddr ?? 0);
  out.set(parseMac(m.mac)!, DHCP_CHADDR);
  v.setUint32(DHCP_COOKIE, MAGIC_COOKIE);
  let i = DHCP_OPTIONS;
  for (const [code, val] of opts) {
    out[i] = code;
    out[i + 1] = val.byteLength;
    out.set(val, i + 2);
    i += 2 + val.byteLength;
  }
  out[i] = OPT.end;
  return out;
}
