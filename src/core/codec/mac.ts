/** Ethernet MAC address text <-> bytes ("aa:bb:cc:dd:ee:ff", also '-' separated). */
import { EncodeError } from './encode-error.js';

export const MAC_LEN = 6;
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Write a MAC's six bytes at out[off]; throws EncodeError('ERR_CODEC_MAC') on bad text. */
export function writeMac(text: string, out: Uint8Array, off: number): void {
  if (typeof text !== 'string' || text.length !== 17) throw new EncodeError('ERR_CODEC_MAC', `not a MAC address: ${String(text)}`);
  for (let i = 0; i < MAC_LEN; i++) {
    const hi = hexVal(text.charCodeAt(i * 3));
    const lo = hexVal(text.charCodeAt(i * 3 + 1));
    const sep = i < 5 ? text.charCodeAt(i * 3 + 2) : 58;
    if (hi < 0 || lo < 0 || (sep !== 58 && sep !== 45)) throw new EncodeError('ERR_CODEC_MAC', `not a MAC address: ${text}`);
    out[off + i] = (hi << 4) | lo;
  }
}

/** Lowercase colon-separated text of the six bytes at buf[off]. */
export function formatMac(buf: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < MAC_LEN; i++) {
    const b = buf[off + i]!;
    s += (b < 16 ? '0' : '') + b.toString(16);
    if (i < 5) s += ':';
  }
  return s;
}
