/**
 * The Internet checksum (RFC 1071) and the checksum forms VRRP uses:
 *
 * - 'v2': over the VRRP message only. RFC 3768 §5.3.8 ("Checksum"); also keepalived's
 *   `v3_checksum_as_v2` for v3 over IPv4 (the form some other vendors use).
 * - 'pseudo': RFC 9568 §5.2.8 ("Checksum"): the IPv4 pseudo-header of RFC 768 (source,
 *   destination, zero, protocol 112, VRRP length) or the IPv6 pseudo-header of
 *   RFC 8200 §8.1 (source, destination, 32-bit upper-layer length, zero, next header 112)
 *   followed by the VRRP message.
 * - 'old-unicast': the IPv4 pseudo-header with 224.0.0.18 as destination whatever the
 *   real destination (keepalived < 1.3.6 for unicast peers; keepalived 2.2.7 sends it with
 *   `old_unicast_checksum` and accepts it when it sees it).
 *
 * Sums are plain numbers: a 16-bit word sum over anything a VRRP packet can hold stays far
 * below 2^53, and is folded once at the end.
 */
import type { Family } from '../ip.js';
import { writeIp } from './addr.js';
import type { ChecksumForm } from './types.js';

/** IP protocol number of VRRP (RFC 9568 §5.1.1.4 "Protocol", §5.1.2.4 "Next Header"). */
export const IPPROTO_VRRP = 112;
/** The IPv4 VRRP multicast group (RFC 9568 §5.1.1.2), the 'old-unicast' pseudo destination. */
export const VRRP_GROUP_V4 = '224.0.0.18';
/** The IPv6 VRRP multicast group (RFC 9568 §5.1.2.2). */
export const VRRP_GROUP_V6 = 'ff02::12';

/** Add buf[start, end) as big-endian 16-bit words to `acc`; an odd last byte is padded with zero. */
export function sum16(buf: Uint8Array, start: number, end: number, acc = 0): number {
  let s = acc;
  let i = start;
  const last = end - 1;
  for (; i < last; i += 2) s += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) s += buf[i]! << 8;
  return s;
}

/** Fold a running sum to 16 bits with end-around carry (RFC 1071 §2). */
export function fold16(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}

/** The Internet checksum of buf[start, end) plus an optional pre-summed prefix. */
export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length, acc = 0): number {
  return ~fold16(sum16(buf, start, end, acc)) & 0xffff;
}

// One scratch area for parsing pseudo-header addresses: src at 0, dst at 16.
const scratch = new Uint8Array(32);

/**
 * Sum of the pseudo-header words for an upper-layer message of `length` bytes and protocol
 * `proto`, or -1 when `src` or `dst` is not an address of `family`. Never throws.
 * IPv4: RFC 768 / RFC 9568 §5.2.8. IPv6: RFC 8200 §8.1.
 */
export function pseudoHeaderSum(family: Family, src: string, dst: string, length: number, proto = IPPROTO_VRRP): number {
  const n = family === 4 ? 4 : 16;
  if (!writeIp(src, family, scratch, 0) || !writeIp(dst, family, scratch, 16)) return -1;
  let s = sum16(scratch, 0, n);
  s = sum16(scratch, 16, 16 + n, s);
  if (family === 4) return s + proto + (length & 0xffff);
  return s + Math.floor(length / 65536) + (length & 0xffff) + proto;
}

/**
 * The pre-sum for one checksum form over a VRRP message of `length` bytes: 0 for 'v2',
 * the pseudo-header sum otherwise, -1 when the form does not apply (an IPv4-only form on
 * IPv6) or an address does not parse.
 */
export function formPrefixSum(form: ChecksumForm, family: Family, src: string, dst: string, length: number): number {
  if (form === 'v2') return family === 4 ? 0 : -1;
  if (form === 'pseudo') return pseudoHeaderSum(family, src, dst, length);
  return family === 4 ? pseudoHeaderSum(4, src, VRRP_GROUP_V4, length) : -1;
}

/**
 * Checksum of a VRRP message whose checksum field (bytes 6..7) is zero, in `form`.
 * Returns -1 when the form cannot be computed (see formPrefixSum).
 */
export function vrrpChecksum(msg: Uint8Array, form: ChecksumForm, family: Family, src = '', dst = ''): number {
  const prefix = formPrefixSum(form, family, src, dst, msg.length);
  if (prefix < 0) return -1;
  return internetChecksum(msg, 0, msg.length, prefix);
}

/** Whether a received message (checksum field as carried) verifies in `form`. */
export function verifyVrrpChecksum(msg: Uint8Array, form: ChecksumForm, family: Family, src = '', dst = ''): boolean {
  const prefix = formPrefixSum(form, family, src, dst, msg.length);
  if (prefix < 0) return false;
  return fold16(sum16(msg, 0, msg.length, prefix)) === 0xffff;
}
