/**
 * Allocation-free address conversions for the codec's hot path: text to network-order
 * bytes written into a caller's buffer, and network-order bytes to canonical text.
 * The results match src/core/ip.ts (ipToBytes / bytesToIp), which the tests check; the
 * difference is that nothing here builds intermediate arrays or uses regular expressions.
 */
import type { Family } from '../ip.js';

const CH_0 = 48;
const CH_9 = 57;
const CH_A = 65;
const CH_F = 70;
const CH_a = 97;
const CH_f = 102;
const CH_DOT = 46;
const CH_COLON = 58;

function hexVal(c: number): number {
  if (c >= CH_0 && c <= CH_9) return c - CH_0;
  if (c >= CH_a && c <= CH_f) return c - CH_a + 10;
  if (c >= CH_A && c <= CH_F) return c - CH_A + 10;
  return -1;
}

/**
 * Parse dotted-quad text in text[start, end) into out[off..off+4]. Decimal octets 0..255,
 * no leading zeros (as node:net isIPv4). Returns false (out partly written) on bad input.
 */
function parseV4(text: string, start: number, end: number, out: Uint8Array, off: number): boolean {
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : CH_DOT;
    if (c === CH_DOT) {
      if (digits === 0 || parts === 4) return false;
      out[off + parts] = octet;
      parts++;
      octet = 0;
      digits = 0;
      continue;
    }
    if (c < CH_0 || c > CH_9) return false;
    if (digits > 0 && octet === 0) return false; // leading zero
    octet = octet * 10 + (c - CH_0);
    digits++;
    if (octet > 255) return false;
  }
  return parts === 4;
}

/**
 * Parse IPv6 text (RFC 4291 §2.2: hex groups, one "::", optional dotted IPv4 tail,
 * optional %zone which is ignored) into out[off..off+16].
 */
function parseV6(text: string, out: Uint8Array, off: number): boolean {
  let end = text.indexOf('%');
  if (end < 0) end = text.length;
  if (end < 2) return false;
  let word = 0; // index of the next 16-bit word to write
  let gapAt = -1; // word index where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === CH_COLON) {
    if (text.charCodeAt(1) !== CH_COLON) return false;
    gapAt = 0;
    i = 2;
    if (i === end) {
      out.fill(0, off, off + 16);
      return true;
    }
  }
  while (i < end) {
    // One group: hex digits up to ':' or end, or a dotted IPv4 tail.
    let j = i;
    let v = 0;
    let n = 0;
    let dotted = false;
    while (j < end) {
      const c = text.charCodeAt(j);
      if (c === CH_COLON) break;
      if (c === CH_DOT) {
        dotted = true;
        break;
      }
      const h = hexVal(c);
      if (h < 0) return false;
      v = (v << 4) | h;
      n++;
      j++;
    }
    if (dotted) {
      if (word > 6) return false;
      if (!parseV4(text, i, end, out, off + word * 2)) return false;
      word += 2;
      i = end;
      break;
    }
    if (n === 0 || n > 4 || word > 7) return false;
    out[off + word * 2] = v >> 8;
    out[off + word * 2 + 1] = v & 0xff;
    word++;
    if (j === end) {
      i = end;
      break;
    }
    // text[j] is ':'
    if (j + 1 < end && text.charCodeAt(j + 1) === CH_COLON) {
      if (gapAt >= 0) return false;
      gapAt = word;
      i = j + 2;
      continue;
    }
    if (j + 1 === end) return false; // trailing single ':'
    i = j + 1;
  }
  if (gapAt < 0) return word === 8;
  if (word > 7) return false;
  // Move the words after the gap to the end and zero the gap.
  const tail = word - gapAt;
  const from = off + gapAt * 2;
  const to = off + 16 - tail * 2;
  out.copyWithin(to, from, from + tail * 2);
  out.fill(0, from, to);
  return true;
}

/**
 * Write the network-order bytes of `text` (an address of `family`) at out[off]. Returns
 * false when the text is not an address of that family. Never throws, never allocates.
 */
export function writeIp(text: string, family: Family, out: Uint8Array, off: number): boolean {
  if (typeof text !== 'string') return false;
  if (family === 4) return parseV4(text, 0, text.length, out, off);
  return parseV6(text, out, off);
}

function hex4(w: number): string {
  return w.toString(16);
}

/** Canonical text for 4 or 16 network-order bytes at buf[off] (RFC 5952 for IPv6). */
export function formatIp(buf: Uint8Array, off: number, family: Family): string {
  if (family === 4) return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
  // Longest run (>= 2) of zero words, first one on a tie (RFC 5952 §4.2.3).
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let w = 0; w <= 8; w++) {
    const zero = w < 8 && buf[off + w * 2] === 0 && buf[off + w * 2 + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = w;
    } else if (runStart >= 0) {
      if (w - runStart > bestLen) {
        bestStart = runStart;
        bestLen = w - runStart;
      }
      runStart = -1;
    }
  }
  let s = '';
  for (let w = 0; w < 8; w++) {
    if (w === bestStart) {
      s += w === 0 ? '::' : ':';
      w += bestLen - 1;
      continue;
    }
    s += hex4((buf[off + w * 2]! << 8) | buf[off + w * 2 + 1]!);
    if (w < 7) s += ':';
  }
  return s;
}

/** Byte length of one address of a family. */
export function addrLen(family: Family): 4 | 16 {
  return family === 4 ? 4 : 16;
}
