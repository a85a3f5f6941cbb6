import fc from 'fast-check';
import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatIp, writeIp } from '../../src/core/codec/addr.js';
import { bytesToIp, ipToBytes } from '../../src/core/ip.js';

/** The codec's allocation-free conversions must agree with src/core/ip.ts everywhere. */
describe('codec address conversions', () => {
  it('IPv4 text -> bytes -> text matches ip.ts', () => {
    fc.assert(
      fc.property(fc.ipV4(), (a) => {
        const out = Buffer.alloc(4);
        expect(writeIp(a, 4, out, 0)).toBe(true);
        expect(out.toString('hex')).toBe(ipToBytes(a).toString('hex'));
        expect(formatIp(out, 0, 4)).toBe(bytesToIp(out, 0, 4));
      }),
    );
  });

  it('IPv6 text -> bytes -> text matches ip.ts (compressed, embedded IPv4, zones)', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.option(fc.stringMatching(/^[a-z0-9]{1,6}$/)), (a, zone) => {
        const text = zone ? `${a}%${zone}` : a;
        const out = Buffer.alloc(18);
        expect(writeIp(text, 6, out, 2)).toBe(true);
        expect(out.subarray(2).toString('hex')).toBe(ipToBytes(text).toString('hex'));
        expect(formatIp(out, 2, 6)).toBe(bytesToIp(out, 2, 16));
      }),
    );
  });

  it('formats any 16 bytes exactly like ip.ts (RFC 5952 zero-run rules)', () => {
    // Bias towards zero words so that runs, ties and edges are common.
    const word = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(word, { minLength: 8, maxLength: 8 }), (words) => {
        const b = Buffer.alloc(16);
        words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
        expect(formatIp(b, 0, 6)).toBe(bytesToIp(b, 0, 16));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly what node:net accepts (IPv4)', () => {
    const candidate = fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.string({ maxLength: 20 }), fc.stringMatching(/^[0-9.]{0,18}$/));
    fc.assert(
      fc.property(candidate, (s) => {
        expect(writeIp(s, 4, Buffer.alloc(4), 0)).toBe(isIPv4(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts exactly what node:net accepts (IPv6)', () => {
    const mutated = fc.tuple(fc.ipV6(), fc.nat(), fc.constantFrom(':', '::', '.', 'g', '', '1', ':1', '0000'), fc.boolean()).map(
      ([a, at, ins, del]) => {
        const i = at % (a.length + 1);
        return a.slice(0, i) + ins + a.slice(del ? i + 1 : i);
      },
    );
    const candidate = fc.oneof(fc.ipV6(), mutated, fc.stringMatching(/^[0-9a-f:.]{0,24}$/));
    fc.assert(
      fc.property(candidate, (s) => {
        expect(writeIp(s, 6, Buffer.alloc(16), 0)).toBe(isIPv6(s));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['::', '00000000000000000000000000000000'],
    ['1::', '00010000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['fe80::1%eth0', 'fe800000000000000000000000000001'],
  ])('parses %s', (text, hexBytes) => {
    const out = Buffer.alloc(16);
    expect(writeIp(text, 6, out, 0)).toBe(true);
    expect(out.toString('hex')).toBe(hexBytes);
  });

  it.each(['', ':', ':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '1::2:3:4:5:6:7:8', '12345::', '1:2:3:4:5:6:7:8:', ':1::', 'g::', '::1.2.3', '::1.2.3.256'])(
    'rejects %j',
    (text) => {
      expect(writeIp(text, 6, Buffer.alloc(16), 0)).toBe(false);
    },
  );
});
