import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fold16,
  formPrefixSum,
  internetChecksum,
  pseudoHeaderSum,
  sum16,
  verifyVrrpChecksum,
  vrrpChecksum,
} from '../../src/core/codec/checksum.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** A deliberately naive reference: build the pseudo-header bytes, then RFC 1071 word by word. */
function reference(bytes: Buffer): number {
  const b = bytes.length % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes;
  let s = 0;
  for (let i = 0; i < b.length; i += 2) {
    s += b.readUInt16BE(i);
    s = (s & 0xffff) + (s >>> 16);
  }
  return ~s & 0xffff;
}

describe('Internet checksum (RFC 1071)', () => {
  it('RFC 1071 §3 numerical example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2', () => {
    const b = hex('0001 f203 f4f5 f6f7');
    expect(fold16(sum16(b, 0, b.length))).toBe(0xddf2);
    expect(internetChecksum(b)).toBe(0x220d);
  });

  it('an IPv4 header (RFC 791 §3.1): its checksum makes the header verify', () => {
    // 45 00 0073 0000 4000 40 11 [b861] c0a8 0001 c0a8 00c7: a widely published example header.
    const h = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
    expect(internetChecksum(h)).toBe(0xb861);
    h.writeUInt16BE(0xb861, 10);
    expect(internetChecksum(h)).toBe(0);
  });

  it('pads an odd final byte with zero', () => {
    expect(internetChecksum(hex('ff'))).toBe(0x00ff);
    expect(internetChecksum(hex('01 02 03'))).toBe(~(0x0102 + 0x0300) & 0xffff);
  });

  it('matches a naive reference on random data, at any offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(), (arr, cut) => {
        const b = Buffer.from(arr);
        const start = b.length ? cut % b.length : 0;
        expect(internetChecksum(b, start, b.length)).toBe(reference(b.subarray(start)));
      }),
    );
  });

  it('pseudo-header sums equal the sum of the pseudo-header bytes (IPv4, RFC 768 layout)', () => {
    const ph = hex('c0000201 e0000012 00 70 000c'); // 192.0.2.1 -> 224.0.0.18, zero, 112, length 12
    expect(fold16(pseudoHeaderSum(4, '192.0.2.1', '224.0.0.18', 12))).toBe(fold16(sum16(ph, 0, ph.length)));
  });

  it('pseudo-header sums equal the sum of the pseudo-header bytes (IPv6, RFC 8200 §8.1 layout)', () => {
    const ph = hex('fe800000000000000000000000000001 ff020000000000000000000000000012 00000028 000000 70');
    expect(fold16(pseudoHeaderSum(6, 'fe80::1', 'ff02::12', 40))).toBe(fold16(sum16(ph, 0, ph.length)));
    const big = hex('20010db8000000000000000000000001 20010db8000000000000000000000002 00012345 000000 3a');
    expect(fold16(pseudoHeaderSum(6, '2001:db8::1', '2001:db8::2', 0x12345, 58))).toBe(fold16(sum16(big, 0, big.length)));
  });

  it('a pseudo-header that cannot be built is -1, never a throw', () => {
    expect(pseudoHeaderSum(4, 'x', '224.0.0.18', 12)).toBe(-1);
    expect(pseudoHeaderSum(6, '192.0.2.1', 'ff02::12', 12)).toBe(-1);
    expect(formPrefixSum('v2', 6, 'fe80::1', 'ff02::12', 40)).toBe(-1);
    expect(formPrefixSum('old-unicast', 6, 'fe80::1', 'ff02::12', 40)).toBe(-1);
    expect(vrrpChecksum(Buffer.alloc(12), 'pseudo', 4)).toBe(-1);
    expect(verifyVrrpChecksum(Buffer.alloc(12), 'pseudo', 4)).toBe(false);
  });

  it('each VRRP form against the naive reference over explicit bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 64 }), fc.ipV4(), fc.ipV4(), fc.ipV6(), fc.ipV6(), (arr, s4, d4, s6, d6) => {
        const msg = Buffer.from(arr.length % 2 ? arr.subarray(1) : arr);
        msg.writeUInt16BE(0, 6);
        const ip4 = (a: string) => Buffer.from(a.split('.').map(Number));
        const l2 = Buffer.alloc(2);
        l2.writeUInt16BE(msg.length);
        const ph4 = (dst: string) => Buffer.concat([ip4(s4), ip4(dst), hex('00 70'), l2]);
        expect(vrrpChecksum(msg, 'v2', 4)).toBe(reference(msg));
        expect(vrrpChecksum(msg, 'pseudo', 4, s4, d4)).toBe(reference(Buffer.concat([ph4(d4), msg])));
        expect(vrrpChecksum(msg, 'old-unicast', 4, s4, d4)).toBe(reference(Buffer.concat([ph4('224.0.0.18'), msg])));
        const c = vrrpChecksum(msg, 'pseudo', 6, s6, d6);
        const m2 = Buffer.from(msg);
        m2.writeUInt16BE(c, 6);
        expect(verifyVrrpChecksum(m2, 'pseudo', 6, s6, d6)).toBe(true);
      }),
    );
  });
});
