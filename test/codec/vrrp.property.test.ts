import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_REASONS } from '../../src/core/codec/errors.js';
import type { ChecksumForm, PacketMeta } from '../../src/core/codec/types.js';
import { decodeAdvert, encodeAdvert, type AdvertFields, type EncodeOptions } from '../../src/core/codec/vrrp.js';
import { canonicalIp, type Family } from '../../src/core/ip.js';

interface Case {
  fields: AdvertFields;
  opts: EncodeOptions;
  meta: PacketMeta;
  form: ChecksumForm;
}

const addrs = (gen: fc.Arbitrary<string>) => fc.array(gen, { minLength: 1, maxLength: 40 });

const v2Case: fc.Arbitrary<Case> = fc
  .record({
    vrid: fc.integer({ min: 1, max: 255 }),
    priority: fc.integer({ min: 0, max: 255 }),
    addresses: addrs(fc.ipV4()),
    seconds: fc.integer({ min: 0, max: 255 }),
    authType: fc.constantFrom(0, 1, 3, 255),
    authData: fc.uint8Array({ minLength: 0, maxLength: 8 }),
    src: fc.ipV4(),
    dst: fc.ipV4(),
  })
  .map((r) => ({
    fields: { version: 2, vrid: r.vrid, priority: r.priority, addresses: r.addresses, intervalCs: r.seconds * 100, authType: r.authType, authData: r.authData },
    opts: {},
    meta: { family: 4, src: r.src, dst: r.dst, ttl: 255, ifname: 'eth0' },
    form: 'v2',
  }));

const v3Case = (family: Family): fc.Arbitrary<Case> =>
  fc
    .record({
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.integer({ min: 0, max: 255 }),
      addresses: addrs(family === 4 ? fc.ipV4() : fc.ipV6()),
      intervalCs: fc.integer({ min: 0, max: 4095 }),
      src: family === 4 ? fc.ipV4() : fc.ipV6(),
      dst: family === 4 ? fc.oneof(fc.constant('224.0.0.18'), fc.ipV4()) : fc.oneof(fc.constant('ff02::12'), fc.ipV6()),
      form: family === 4 ? fc.constantFrom<ChecksumForm>('pseudo', 'v2', 'old-unicast') : fc.constant<ChecksumForm>('pseudo'),
    })
    .map((r) => ({
      fields: { version: 3, vrid: r.vrid, priority: r.priority, addresses: r.addresses, intervalCs: r.intervalCs },
      opts: { src: r.src, dst: r.dst, checksumForm: r.form },
      meta: { family, src: r.src, dst: r.dst, ttl: 255, ifname: 'eth0' },
      form: r.form,
    }));

const anyCase = fc.oneof(v2Case, v3Case(4), v3Case(6));

const garbageMeta: fc.Arbitrary<PacketMeta> = fc.record({
  family: fc.constantFrom(4, 6, 4, 6, 0, 5) as fc.Arbitrary<Family>,
  src: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 12 })),
  dst: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 12 })),
  ttl: fc.integer({ min: 0, max: 255 }),
  ifname: fc.constant('eth0'),
});

describe('VRRP codec properties', () => {
  it('any valid advert round-trips, in the checksum form it was sent with', () => {
    fc.assert(
      fc.property(anyCase, (c) => {
        const buf = encodeAdvert(c.fields, c.opts);
        const r = decodeAdvert(buf, c.meta, { v3Forms: [c.form] });
        if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
        expect(r.checksumForm).toBe(c.form);
        const a = r.advert;
        expect(a.version).toBe(c.fields.version);
        expect(a.type).toBe(1);
        expect(a.vrid).toBe(c.fields.vrid);
        expect(a.priority).toBe(c.fields.priority);
        expect(a.family).toBe(c.meta.family);
        expect(a.intervalCs).toBe(c.fields.intervalCs);
        expect(a.addresses).toEqual(c.fields.addresses.map(canonicalIp));
        expect(a.checksum).toBe(buf.readUInt16BE(6));
        if (c.fields.version === 2) {
          expect(a.authType).toBe(c.fields.authType);
          const want = Buffer.alloc(8);
          Buffer.from(c.fields.authData!).copy(want);
          expect(a.authData.equals(want)).toBe(true);
        } else {
          expect(a.authData.length).toBe(0);
        }
        // Re-encoding the decoded advert gives the same bytes.
        const again = encodeAdvert({ ...a, authData: a.authData }, c.opts);
        expect(again.equals(buf)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes never throw and always give a known reason (or a well-formed advert)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), garbageMeta, (bytes, meta) => {
        const r = decodeAdvert(Buffer.from(bytes), meta);
        if (r.ok) {
          expect(r.advert.addresses.length).toBe(bytes[3]);
        } else {
          expect(DROP_REASONS).toContain(r.reason);
          expect(r.detail.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes behind a plausible header never throw', () => {
    // A valid first byte and count make the later checks (length, count, checksum) reachable.
    const shaped = fc
      .tuple(fc.constantFrom(0x21, 0x31), fc.integer({ min: 0, max: 6 }), fc.uint8Array({ minLength: 8, maxLength: 140 }))
      .map(([vt, count, rest]) => {
        const b = Buffer.from(rest);
        b[0] = vt;
        b[3] = count;
        return b;
      });
    fc.assert(
      fc.property(shaped, garbageMeta, (b, meta) => {
        const r = decodeAdvert(b, meta);
        if (!r.ok) expect(DROP_REASONS).toContain(r.reason);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated valid adverts never throw; a verified survivor is still consistent', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('grow' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
    );
    fc.assert(
      fc.property(anyCase, fc.array(mutation, { minLength: 1, maxLength: 4 }), (c, muts) => {
        let b = encodeAdvert(c.fields, c.opts);
        for (const m of muts) {
          if (m.kind === 'flip' && b.length) b[m.at % b.length]! ^= 1 << m.bit;
          else if (m.kind === 'set' && b.length) b[m.at % b.length] = m.value;
          else if (m.kind === 'cut') b = b.subarray(0, m.at % (b.length + 1));
          else if (m.kind === 'grow') b = Buffer.concat([b, m.extra]);
        }
        const r = decodeAdvert(b, c.meta, { v3Forms: ['pseudo', 'v2', 'old-unicast'] });
        if (r.ok) {
          const alen = r.advert.family === 4 ? 4 : 16;
          expect(b.length).toBe(8 + r.advert.addresses.length * alen + (r.advert.version === 2 ? 8 : 0));
        } else {
          expect(DROP_REASONS).toContain(r.reason);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a single flipped bit is never accepted (the checksum or a structural check catches it)', () => {
    fc.assert(
      fc.property(anyCase, fc.nat(), fc.integer({ min: 0, max: 7 }), (c, at, bit) => {
        const b = encodeAdvert(c.fields, c.opts);
        b[at % b.length]! ^= 1 << bit;
        expect(decodeAdvert(b, c.meta, { v3Forms: [c.form] }).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
