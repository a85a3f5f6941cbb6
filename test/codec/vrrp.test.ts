import { describe, expect, it } from 'vitest';
import { DROP_REASONS, type DropReason } from '../../src/core/codec/errors.js';
import { EncodeError } from '../../src/core/codec/encode-error.js';
import type { PacketMeta } from '../../src/core/codec/types.js';
import {
  decodeAdvert,
  encodeAdvert,
  passAuthData,
  type AdvertFields,
  type DecodeResult,
  type EncodeOptions,
} from '../../src/core/codec/vrrp.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const meta4 = (src = '192.0.2.1', dst = '224.0.0.18'): PacketMeta => ({ family: 4, src, dst, ttl: 255, ifname: 'eth0' });
const meta6 = (src = 'fe80::1', dst = 'ff02::12'): PacketMeta => ({ family: 6, src, dst, ttl: 255, ifname: 'eth0' });

function ok(r: DecodeResult) {
  if (!r.ok) throw new Error(`expected a decoded advert, got ${r.reason}: ${r.detail}`);
  return r;
}
function reasonOf(r: DecodeResult): DropReason {
  if (r.ok) throw new Error('expected a DecodeError');
  expect(DROP_REASONS).toContain(r.reason);
  expect(typeof r.detail).toBe('string');
  return r.reason;
}

/**
 * Hand-made packets, field by field from RFC 3768 §5.1 and RFC 9568 §5.1. The checksums
 * were computed separately (Python's struct + ipaddress, RFC 1071 arithmetic), not with
 * this codebase.
 */
const FIX = {
  // v2 | type 1 | VRID 51 | prio 100 | count 1 | auth 0 | int 1 s | cksum | 192.0.2.100 | 8 zero bytes
  v2: hex('21 33 64 01  00 01 b8 65  c0 00 02 64  00000000 00000000'),
  // v2 | VRID 1 | prio 255 | count 2 | auth 1 (PASS) | int 3 s | cksum | 192.0.2.1 | 192.0.2.2 | "abc" + 5 zeros
  v2pass: hex('21 01 ff 02  01 03 96 91  c0 00 02 01  c0 00 02 02  61 62 63 00 00 00 00 00'),
  // v2 | VRID 5 | prio 100 | count 1 | auth 2 (AH) | int 1 | cksum | 192.0.2.5 | 8 zero bytes
  v2ah: hex('21 05 64 01  02 01 b6 f2  c0 00 02 05  00000000 00000000'),
  // v3 | VRID 10 | prio 150 | count 1 | rsvd 0, 100 cs | cksum (pseudo 192.0.2.1 -> 224.0.0.18) | 198.51.100.7
  v3mc: hex('31 0a 96 01  00 64 6b c4  c6 33 64 07'),
  // same fields, checksum over the message only (keepalived v3_checksum_as_v2)
  v3v2form: hex('31 0a 96 01  00 64 0e 55  c6 33 64 07'),
  // same fields, unicast 192.0.2.1 -> 192.0.2.2 with the RFC pseudo-header
  v3uni: hex('31 0a 96 01  00 64 89 d4  c6 33 64 07'),
  // v3 | VRID 7 | prio 200 | count 2 | 4095 cs | cksum (pseudo fe80::1 -> ff02::12) | 2001:db8::1 | 2001:db8::2
  v3v6: hex('31 07 c8 02  0f ff 9d 52  20010db8000000000000000000000001  20010db8000000000000000000000002'),
};

describe('decodeAdvert: hand-made RFC layouts', () => {
  it('VRRPv2, no authentication', () => {
    const r = ok(decodeAdvert(FIX.v2, meta4()));
    expect(r.checksumForm).toBe('v2');
    expect(r.advert).toEqual({
      version: 2,
      type: 1,
      vrid: 51,
      priority: 100,
      family: 4,
      addresses: ['192.0.2.100'],
      intervalCs: 100,
      authType: 0,
      authData: Buffer.alloc(8),
      checksum: 0xb865,
    });
  });

  it('VRRPv2 with a PASS password and two addresses', () => {
    const r = ok(decodeAdvert(FIX.v2pass, meta4('192.0.2.9', '192.0.2.8')));
    expect(r.advert.priority).toBe(255);
    expect(r.advert.addresses).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(r.advert.intervalCs).toBe(300);
    expect(r.advert.authType).toBe(1);
    expect(r.advert.authData.toString('hex')).toBe('6162630000000000');
    expect(r.checksumForm).toBe('v2');
  });

  it('VRRPv2 auth data is a copy, not a view of the receive buffer', () => {
    const buf = Buffer.from(FIX.v2pass);
    const r = ok(decodeAdvert(buf, meta4()));
    buf.fill(0);
    expect(r.advert.authData.toString('hex')).toBe('6162630000000000');
  });

  it('VRRPv3 IPv4 multicast, RFC pseudo-header', () => {
    const r = ok(decodeAdvert(FIX.v3mc, meta4('192.0.2.1', '224.0.0.18')));
    expect(r.checksumForm).toBe('pseudo');
    expect(r.advert).toMatchObject({ version: 3, vrid: 10, priority: 150, family: 4, addresses: ['198.51.100.7'], intervalCs: 100 });
    expect(r.advert.authType).toBe(0);
    expect(r.advert.authData.length).toBe(0);
  });

  it('VRRPv3 IPv4 unicast, RFC pseudo-header with the real destination', () => {
    const r = ok(decodeAdvert(FIX.v3uni, meta4('192.0.2.1', '192.0.2.2')));
    expect(r.checksumForm).toBe('pseudo');
  });

  it("VRRPv3 IPv4 unicast in keepalived's old form (224.0.0.18 in the pseudo-header)", () => {
    // The multicast packet's bytes, delivered unicast: only the old-unicast form verifies.
    const r = ok(decodeAdvert(FIX.v3mc, meta4('192.0.2.1', '192.0.2.2')));
    expect(r.checksumForm).toBe('old-unicast');
    // ... and not when the receiver is configured like `old_unicast_checksum never`.
    expect(reasonOf(decodeAdvert(FIX.v3mc, meta4('192.0.2.1', '192.0.2.2'), { v3Forms: ['pseudo'] }))).toBe('checksum');
  });

  it('VRRPv3 IPv4 checksum without pseudo-header only when the v2 form is accepted', () => {
    expect(reasonOf(decodeAdvert(FIX.v3v2form, meta4()))).toBe('checksum');
    const r = ok(decodeAdvert(FIX.v3v2form, meta4(), { v3Forms: ['pseudo', 'v2'] }));
    expect(r.checksumForm).toBe('v2');
    expect(r.advert.vrid).toBe(10);
  });

  it('VRRPv3 IPv6 with the IPv6 pseudo-header and the 12-bit interval at its maximum', () => {
    const r = ok(decodeAdvert(FIX.v3v6, meta6()));
    expect(r.checksumForm).toBe('pseudo');
    expect(r.advert).toMatchObject({ version: 3, vrid: 7, priority: 200, family: 6, intervalCs: 4095 });
    expect(r.advert.addresses).toEqual(['2001:db8::1', '2001:db8::2']);
    // The v2 form does not exist for IPv6, even when listed.
    expect(reasonOf(decodeAdvert(FIX.v3v6, meta6('fe80::2'), { v3Forms: ['v2', 'old-unicast', 'pseudo'] }))).toBe('checksum');
  });

  it('ignores the v3 reserved bits (RFC 9568 §5.2.6) but they still count in the checksum', () => {
    const b = Buffer.from(FIX.v3mc);
    b[4] = 0xf0; // rsvd bits set, interval unchanged, checksum not updated
    expect(reasonOf(decodeAdvert(b, meta4()))).toBe('checksum');
    // rsvd = 0xf, checksum recomputed (separately, as for FIX)
    const r = ok(decodeAdvert(hex('31 0a 96 01  f0 64 7b c3  c6 33 64 07'), meta4()));
    expect(r.advert.intervalCs).toBe(100);
  });
});

describe('encodeAdvert: reproduces the hand-made packets', () => {
  const cases: Array<[keyof typeof FIX, AdvertFields, EncodeOptions]> = [
    ['v2', { version: 2, vrid: 51, priority: 100, addresses: ['192.0.2.100'], intervalCs: 100 }, {}],
    [
      'v2pass',
      { version: 2, vrid: 1, priority: 255, addresses: ['192.0.2.1', '192.0.2.2'], intervalCs: 300, authType: 1, authData: passAuthData('abc') },
      {},
    ],
    ['v2ah', { version: 2, vrid: 5, priority: 100, addresses: ['192.0.2.5'], intervalCs: 100, authType: 2 }, {}],
    ['v3mc', { version: 3, vrid: 10, priority: 150, addresses: ['198.51.100.7'], intervalCs: 100 }, { src: '192.0.2.1', dst: '224.0.0.18' }],
    ['v3v2form', { version: 3, vrid: 10, priority: 150, addresses: ['198.51.100.7'], intervalCs: 100 }, { checksumForm: 'v2' }],
    ['v3uni', { version: 3, vrid: 10, priority: 150, addresses: ['198.51.100.7'], intervalCs: 100 }, { src: '192.0.2.1', dst: '192.0.2.2' }],
    [
      'v3mc', // old-unicast form sent to a unicast peer carries the multicast checksum
      { version: 3, vrid: 10, priority: 150, addresses: ['198.51.100.7'], intervalCs: 100 },
      { src: '192.0.2.1', dst: '192.0.2.2', checksumForm: 'old-unicast' },
    ],
    [
      'v3v6',
      { version: 3, vrid: 7, priority: 200, addresses: ['2001:db8::1', '2001:DB8:0::2'], intervalCs: 4095 },
      { src: 'fe80::1', dst: 'ff02::12' },
    ],
  ];
  it.each(cases)('%s', (name, fields, opts) => {
    expect(encodeAdvert(fields, opts).toString('hex')).toBe(FIX[name].toString('hex'));
  });

  it('passAuthData keeps only the first 8 bytes of the password', () => {
    expect(passAuthData('secret12345').toString()).toBe('secret12');
    expect(passAuthData('').equals(Buffer.alloc(8))).toBe(true);
    const b = encodeAdvert({ version: 2, vrid: 9, priority: 1, addresses: ['192.0.2.9'], intervalCs: 100, authType: 1, authData: Buffer.from('0123456789') });
    expect(b.subarray(b.length - 8).toString()).toBe('01234567');
  });
});

describe('encodeAdvert: refuses what cannot go on the wire', () => {
  const base: AdvertFields = { version: 3, vrid: 1, priority: 100, addresses: ['192.0.2.1'], intervalCs: 100 };
  const o4 = { src: '192.0.2.1', dst: '224.0.0.18' };
  const bad: Array<[string, AdvertFields, EncodeOptions, string]> = [
    ['vrid 0', { ...base, vrid: 0 }, o4, 'ERR_CODEC_FIELD'],
    ['vrid 256', { ...base, vrid: 256 }, o4, 'ERR_CODEC_FIELD'],
    ['priority 256', { ...base, priority: 256 }, o4, 'ERR_CODEC_FIELD'],
    ['priority 1.5', { ...base, priority: 1.5 }, o4, 'ERR_CODEC_FIELD'],
    ['v3 interval 4096 cs', { ...base, intervalCs: 4096 }, o4, 'ERR_CODEC_FIELD'],
    ['v2 interval 150 cs', { ...base, version: 2, intervalCs: 150 }, {}, 'ERR_CODEC_FIELD'],
    ['v2 interval 256 s', { ...base, version: 2, intervalCs: 25600 }, {}, 'ERR_CODEC_FIELD'],
    ['no addresses', { ...base, addresses: [] }, o4, 'ERR_CODEC_FIELD'],
    ['256 addresses', { ...base, addresses: Array.from({ length: 256 }, () => '192.0.2.1') }, o4, 'ERR_CODEC_FIELD'],
    ['mixed families', { ...base, addresses: ['192.0.2.1', '2001:db8::1'] }, o4, 'ERR_CODEC_ADDRESS'],
    ['not an address', { ...base, addresses: ['192.0.2.300'] }, o4, 'ERR_CODEC_ADDRESS'],
    ['IPv6 in v2', { ...base, version: 2, addresses: ['2001:db8::1'] }, {}, 'ERR_CODEC_FAMILY'],
    ['v2 form on IPv6', { ...base, addresses: ['2001:db8::1'] }, { src: 'fe80::1', dst: 'ff02::12', checksumForm: 'v2' }, 'ERR_CODEC_FAMILY'],
    ['v3 without src/dst', base, {}, 'ERR_CODEC_PSEUDO_HEADER'],
    ['v3 IPv6 with IPv4 src', { ...base, addresses: ['2001:db8::1'] }, o4, 'ERR_CODEC_PSEUDO_HEADER'],
  ];
  it.each(bad)('%s', (_name, fields, opts, code) => {
    let err: unknown;
    try {
      encodeAdvert(fields, opts);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EncodeError);
    expect((err as EncodeError).code).toBe(code);
  });

  it('allows an empty list when asked (keepalived without vrrp_strict), and decodes it when asked', () => {
    const b = encodeAdvert({ ...base, addresses: [], family: 4 }, { ...o4, allowZeroCount: true });
    expect(b.length).toBe(8);
    expect(reasonOf(decodeAdvert(b, meta4()))).toBe('address_count');
    expect(ok(decodeAdvert(b, meta4(), { allowZeroCount: true })).advert.addresses).toEqual([]);
  });
});

describe('decodeAdvert: every structural drop reason', () => {
  it('length: shorter than the header', () => {
    for (let n = 0; n < 8; n++) expect(reasonOf(decodeAdvert(FIX.v3mc.subarray(0, n), meta4()))).toBe('length');
  });

  it('length: not a whole number of addresses (+ auth)', () => {
    expect(reasonOf(decodeAdvert(FIX.v3mc.subarray(0, 11), meta4()))).toBe('length');
    expect(reasonOf(decodeAdvert(Buffer.concat([FIX.v3mc, Buffer.alloc(1)]), meta4()))).toBe('length');
    expect(reasonOf(decodeAdvert(FIX.v2.subarray(0, 19), meta4()))).toBe('length'); // auth data cut short
    expect(reasonOf(decodeAdvert(FIX.v3v6.subarray(0, 30), meta6()))).toBe('length');
    // v2 with no room for the auth data at all
    expect(reasonOf(decodeAdvert(FIX.v2.subarray(0, 12), meta4()))).toBe('length');
  });

  it('address_count: count 0', () => {
    const b = Buffer.from(FIX.v3mc);
    b[3] = 0;
    expect(reasonOf(decodeAdvert(b, meta4()))).toBe('address_count');
  });

  it('address_count: count disagrees with a whole number of addresses present', () => {
    const b = Buffer.from(FIX.v2pass);
    b[3] = 3; // says 3, holds 2
    expect(reasonOf(decodeAdvert(b, meta4()))).toBe('address_count');
    const c = Buffer.from(FIX.v3v6);
    c[3] = 1; // says 1, holds 2
    expect(reasonOf(decodeAdvert(c, meta6()))).toBe('address_count');
  });

  it('version: neither 2 nor 3', () => {
    for (const v of [0, 1, 4, 15]) {
      const b = Buffer.from(FIX.v3mc);
      b[0] = (v << 4) | 1;
      expect(reasonOf(decodeAdvert(b, meta4()))).toBe('version');
    }
  });

  it('type: not ADVERTISEMENT', () => {
    const b = encodeAdvert({ version: 3, vrid: 10, priority: 150, addresses: ['198.51.100.7'], intervalCs: 100, type: 2 }, { src: '192.0.2.1', dst: '224.0.0.18' });
    expect(reasonOf(decodeAdvert(b, meta4()))).toBe('type');
    const z = Buffer.from(FIX.v2);
    z[0] = 0x20;
    expect(reasonOf(decodeAdvert(z, meta4()))).toBe('type');
  });

  it('auth_ah: VRRPv2 auth type 2', () => {
    const r = decodeAdvert(FIX.v2ah, meta4());
    expect(reasonOf(r)).toBe('auth_ah');
  });

  it('family: VRRPv2 in an IPv6 packet, or a packet family that is not 4/6', () => {
    expect(reasonOf(decodeAdvert(FIX.v2, meta6()))).toBe('family');
    expect(reasonOf(decodeAdvert(FIX.v2, { ...meta4(), family: 5 as never }))).toBe('family');
  });

  it('checksum: one flipped bit anywhere', () => {
    for (const [buf, meta] of [
      [FIX.v2, meta4()],
      [FIX.v3mc, meta4()],
      [FIX.v3v6, meta6()],
    ] as const) {
      for (let i = 8; i < buf.length; i++) {
        const b = Buffer.from(buf);
        b[i]! ^= 0x01;
        expect(reasonOf(decodeAdvert(b, meta))).toBe('checksum');
      }
    }
  });

  it('checksum: the pseudo-header binds the addresses the packet travelled with', () => {
    expect(reasonOf(decodeAdvert(FIX.v3mc, meta4('192.0.2.99')))).toBe('checksum');
    expect(reasonOf(decodeAdvert(FIX.v3v6, meta6('fe80::1', 'ff02::1')))).toBe('checksum');
  });

  it('checksum: a meta whose addresses cannot form a pseudo-header is a drop, not a throw', () => {
    expect(reasonOf(decodeAdvert(FIX.v3mc, meta4('not-an-ip', '224.0.0.18')))).toBe('checksum');
    expect(reasonOf(decodeAdvert(FIX.v3v6, meta6('192.0.2.1', 'ff02::12')))).toBe('checksum');
  });

  it('the detail never carries the password', () => {
    const b = Buffer.from(FIX.v2pass);
    b[20] ^= 0xff; // corrupt the auth data: checksum fails
    const r = decodeAdvert(b, meta4());
    expect(reasonOf(r)).toBe('checksum');
    expect(JSON.stringify(r)).not.toMatch(/abc|616263/);
  });

  it('never throws on hostile arguments', () => {
    expect(reasonOf(decodeAdvert(undefined as never, meta4()))).toBe('length');
    expect(reasonOf(decodeAdvert(FIX.v3mc, undefined as never))).toBe('family');
    expect(reasonOf(decodeAdvert(FIX.v3mc, { ...meta4(), src: undefined as never }))).toBe('checksum');
    expect(ok(decodeAdvert(new Uint8Array(FIX.v3mc), meta4())).advert.vrid).toBe(10);
  });
});
