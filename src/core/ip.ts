/**
 * IP address helpers for the pure core: parse and format IPv4/IPv6 text, compare in
 * network byte order. No I/O; node:net is used only for its pure isIPv4/isIPv6 checks.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export function familyOf(addr: string): Family | undefined {
  if (isIPv4(addr)) return 4;
  if (isIPv6(addr)) return 6;
  return undefined;
}

/** Parse a textual address into its 4 or 16 network-order bytes. Throws on bad input. */
export function ipToBytes(addr: string): Buffer {
  if (isIPv4(addr)) {
    return Buffer.from(addr.split('.').map((p) => Number(p)));
  }
  if (isIPv6(addr)) {
    let text = addr;
    const pct = text.indexOf('%');
    if (pct >= 0) text = text.slice(0, pct);
    // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex words.
    const lastColon = text.lastIndexOf(':');
    const last = text.slice(lastColon + 1);
    if (last.includes('.')) {
      const b = last.split('.').map((p) => Number(p));
      text = `${text.slice(0, lastColon + 1)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
    }
    const [head, rest] = text.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const r = rest ? rest.split(':') : [];
    const words: number[] = h.map((w) => parseInt(w, 16));
    if (rest !== undefined) {
      for (let i = h.length + r.length; i < 8; i++) words.push(0);
    }
    for (const w of r) words.push(parseInt(w, 16));
    const out = Buffer.alloc(16);
    for (let i = 0; i < 8; i++) out.writeUInt16BE(words[i] ?? 0, i * 2);
    return out;
  }
  throw new Error(`not an IP address: ${addr}`);
}

/** Format 4 or 16 network-order bytes as canonical text (RFC 5952 for IPv6). */
export function bytesToIp(buf: Uint8Array, offset = 0, len: 4 | 16 = buf.length - offset === 16 ? 16 : 4): string {
  if (len === 4) {
    return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
  }
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((buf[offset + i * 2]! << 8) | buf[offset + i * 2 + 1]!);
  // Longest run of zero words (length >= 2) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

/** Canonical text for an address (IPv6 compressed, lowercase). */
export function canonicalIp(addr: string): string {
  return bytesToIp(ipToBytes(addr));
}

/** Compare two addresses of one family as unsigned numbers in network order: <0, 0, >0. */
export function compareIp(a: string, b: string): number {
  return Buffer.compare(ipToBytes(a), ipToBytes(b));
}
