import { describe, expect, it } from 'vitest';
import { bytesToIp, canonicalIp, compareIp, familyOf, ipToBytes } from '../../src/core/ip.js';

describe('ip helpers', () => {
  it.each([
    ['192.0.2.1', 'c0000201', '192.0.2.1'],
    ['2001:db8::1', '20010db8000000000000000000000001', '2001:db8::1'],
    ['::', '00000000000000000000000000000000', '::'],
    ['2001:DB8:0:0:1:0:0:1', '20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201', '::ffff:c000:201'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
  ])('%s <-> %s', (text, hex, canon) => {
    expect(ipToBytes(text).toString('hex')).toBe(hex);
    expect(bytesToIp(Buffer.from(hex, 'hex'))).toBe(canon);
    expect(canonicalIp(text)).toBe(canon);
  });

  it('compares as unsigned numbers in network order', () => {
    expect(compareIp('192.0.2.10', '192.0.2.9')).toBeGreaterThan(0);
    expect(compareIp('198.51.100.1', '192.0.2.200')).toBeGreaterThan(0);
    expect(compareIp('2001:db8::a', '2001:db8::a')).toBe(0);
    expect(compareIp('2001:db8::9', '2001:db8::10')).toBeLessThan(0);
  });

  it('rejects what is not an address', () => {
    expect(familyOf('192.0.2.256')).toBeUndefined();
    expect(familyOf('2001:db8::1')).toBe(6);
    expect(() => ipToBytes('nope')).toThrow(/not an IP address/);
  });
});
