/**
 * DNS message codec (RFC 1035 §4) for the gateway resolver.
 *
 * Theory of operation: `parseDnsQuery` reads the 12-byte header and the question
 * section only (answers in queries are ignored). `readName` follows compression
 * pointers (RFC 1035 §4.1.4) safely: every pointer must point strictly before the
 * label that contains it, so a chain can only move backwards and loops are impossible;
 * labels over 63 bytes, names over 255 bytes (§2.3.4) and reads past the buffer yield
 * `undefined`. Names are lower-cased for matching (§2.3.3, case-insensitive).
 * `encodeDnsResponse` writes header, the echoed question and answers whose owner name
 * is a pointer to the question (0xC00C). `truncateResponse` turns an over-long reply
 * into a TC=1 reply with the question only, so clients retry over TCP (§4.2.1).
 * Out of scope: EDNS(0) options beyond reading the advertised UDP size, DNSSEC.
 */

export const DNS_ID = 0;
export const DNS_FLAGS = 2;
export const DNS_QDCOUNT = 4;
export const DNS_ANCOUNT = 6;
export const DNS_NSCOUNT = 8;
export const DNS_ARCOUNT = 10;
export const DNS_HEADER_LEN = 12;
/** Classic UDP payload limit without EDNS (§4.2.1). */
export const DNS_UDP_LIMIT = 512;
/** Upper bound of a name in wire form (§2.3.4). */
export const MAX_NAME_LEN = 255;
const MAX_LABEL_LEN = 63;

export const QR = 0x8000;
export const AA = 0x0400;
export const TC = 0x0200;
export const RD = 0x0100;
export const RA = 0x0080;
export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;

export const TYPE_A = 1;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const TYPE_OPT = 41;
export const TYPE_ANY = 255;
export const CLASS_IN = 1;

/** A parsed question. */
export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

/** A parsed query (question section only). */
export interface DnsQuery {
  id: number;
  flags: number;
  opcode: number;
  questions: DnsQuestion[];
  /** Byte length of header + questions (for echoing). */
  questionEnd: number;
  /** Largest UDP reply the client accepts (EDNS0 OPT, RFC 6891 §6.2.3) or 512. */
  udpLimit: number;
}

/** Reads a possibly compressed name at `off`; returns it and the offset after it. */
export function readName(b: Uint8Array, off: number): { name: string; next: number } | undefined {
  const labels: string[] = [];
  let wire = 1;
  let at = off;
  let next: number | undefined;
  let floor = off; // pointers must go strictly below the start of the current label run
  for (;;) {
    const len = b[at];
    if (len === undefined) return undefined;
    if ((len & 0xc0) === 0xc0) {
      const lo = b[at + 1];
      if (lo === undefined) return undefined;
      const target = ((len & 0x3f) << 8) | lo;
      if (target >= floor) return undefined;
      next ??= at + 2;
      at = target;
      floor = target;
      continue;
    }
    if (len & 0xc0) return undefined; // 0x40/0x80 label types are obsolete (RFC 6891 §5)
    if (len === 0) break;
    if (len > MAX_LABEL_LEN || at + 1 + len > b.byteLength) return undefined;
    wire += len + 1;
    if (wire > MAX_NAME_LEN) return undefined;
    let s = "";
    for (let i = at + 1; i <= at + len; i++) s += String.fromCharCode(b[i] as number);
    labels.push(s.toLowerCase());
    at += 1 + len;
  }
  return { name: labels.join("."), next: next ?? at + 1 };
}

/** Encodes a name without compression; `undefined` if a label or the name is too long. */
export function encodeName(name: string): Uint8Array | undefined {
  const labels = name
    .replace(/\.$/, "")
    .split(".")
    .filter((l) => l.length);
  const bytes: number[] = [];
  for (const l of labels) {
    if (l.length > MAX_LABEL_LEN) return undefined;
    bytes.push(l.length);
    for (let i = 0; i < l.length; i++) bytes.push(l.charCodeAt(i) & 0xff);
  }
  bytes.push(0);
  return bytes.length > MAX_NAME_LEN ? undefined : Uint8Array.from(bytes);
}

/** Bounds on questions accepted per query. */
const MAX_QUESTIONS = 4;

/** Parses a query; `undefined` when the header or a question is malformed. */
export function parseDnsQuery(b: Uint8Array): DnsQuery | undefined {
  if (b.byteLength < DNS_HEADER_LEN) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const flags = v.getUint16(DNS_FLAGS);
  if (flags & QR) return undefined;
  const qd = v.getUint16(DNS_QDCOUNT);
  if (qd > MAX_QUESTIONS) return undefined;
  const questions: DnsQuestion[] = [];
  let at = DNS_HEADER_LEN;
  for (let i = 0; i < qd; i++) {
    const n = readName(b, at);
    if (!n || n.next + 4 > b.byteLength) return undefined;
    questions.push({ name: n.name, type: v.getUint16(n.next), class: v.getUint16(n.next + 2) });
    at = n.next + 4;
  }
  const questionEnd = at;
  let udpLimit = DNS_UDP_LIMIT;
  // Look for an EDNS0 OPT record in the additional section when it is the only record.
  if (v.getUint16(DNS_ANCOUNT) === 0 && v.getUint16(DNS_NSCOUNT) === 0 && v.getUint16(DNS_ARCOUNT) === 1 && b[at] === 0 && at + 11 <= b.byteLength) {
    if (v.getUint16(at + 1) === TYPE_OPT) udpLimit = Math.max(DNS_UDP_LIMIT, Math.min(v.getUint16(at + 3), 4096));
  }
  return { id: v.getUint16(DNS_ID), flags, opcode: (flags >> 11) & 0xf, questions, questionEnd, udpLimit };
}

/** An answer record; owner is the (first) question name. */
export interface DnsAnswer {
  type: number;
  ttl: number;
  /** RDATA bytes (4 for A, 16 for AAAA, an encoded name for PTR). */
  data: Uint8Array;
}

/** Builds a response to `q` (raw query bytes `raw` supply the question section). */
export function encodeDnsResponse(raw: Uint8Array, q: DnsQuery, rcode: number, answers: DnsAnswer[], authoritative: boolean): Uint8Array {
  const qlen = q.questionEnd - DNS_HEADER_LEN;
  let size = DNS_HEADER_LEN + qlen;
  for (const a of answers) size += 12 + a.data.byteLength;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint16(DNS_ID, q.id);
  v.setUint16(DNS_FLAGS, QR | (q.opcode << 11) | (authoritative ? AA : 0) | (q.flags & RD) | RA | (rcode & 0xf));
  v.setUint16(DNS_QDCOUNT, q.questions.length);
  v.setUint16(DNS_ANCOUNT, answers.length);
  out.set(raw.subarray(DNS_HEADER_LEN, q.questionEnd), DNS_HEADER_LEN);
  let at = DNS_HEADER_LEN + qlen;
  for (const a of answers) {
    v.setUint16(at, 0xc000 | DNS_HEADER_LEN);
    v.setUint16(at + 2, a.type);
    v.setUint16(at + 4, CLASS_IN);
    v.setUint32(at + 6, a.ttl);
    v.setUint16(at + 10, a.data.byteLength);
    out.set(a.data, at + 12);
    at += 12 + a.data.byteLength;
  }
  return out;
}

/** Returns `reply` if it fits `limit`, else a TC=1 copy with only header + question. */
export function truncateResponse(reply: Uint8Array, limit: number): Uint8Array {
  if (reply.byteLength <= limit) return reply;
  if (reply.byteLength < DNS_HEADER_LEN) return reply;
  const v = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  let end = DNS_HEADER_LEN;
  const qd = v.getUint16(DNS_QDCOUNT);
  for (let i = 0; i < qd; i++) {
    const n = readName(reply, end);
    if (!n) {
      end = DNS_HEADER_LEN;
      break;
    }
    end = Math.min(n.next + 4, reply.byteLength);
  }
  const out = reply.slice(0, Math.min(end, limit));
  const o = new DataView(out.buffer);
  o.setUint16(DNS_FLAGS, o.getUint16(DNS_FLAGS) | TC);
  if (end === DNS_HEADER_LEN) o.setUint16(DNS_QDCOUNT, 0);
  o.setUint16(DNS_ANCOUNT, 0);
  o.setUint16(DNS_NSCOUNT, 0);
  o.setUint16(DNS_ARCOUNT, 0);
  return out;
}

/** Minimal error reply (FORMERR/SERVFAIL/NOTIMP) echoing only the ID. */
export function encodeDnsError(id: number, rcode: number): Uint8Array {
  const out = new Uint8Array(DNS_HEADER_LEN);
  const v = new DataView(out.buffer);
  v.setUint16(DNS_ID, id);
  v.setUint16(DNS_FLAGS, QR | RA | rcode);
  return out;
}
