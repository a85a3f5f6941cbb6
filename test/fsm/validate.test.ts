import { describe, expect, it } from 'vitest';
import type { Advert, PacketMeta } from '../../src/core/codec/types.js';
import type { InstanceParams } from '../../src/core/fsm/types.js';
import { checkAdvert, isMulticast, passwordMatches, validateAdvert } from '../../src/core/fsm/validate.js';
import { advertIn, params } from './helpers.js';

const v2pass = { version: 2 as const, auth: { type: 'pass' as const, password: 'secret' } };
const unicast = { unicastPeers: ['192.0.2.2', '192.0.2.3'] };

function pad8(text: string): Buffer {
  const b = Buffer.alloc(8);
  b.write(text.slice(0, 8));
  return b;
}

type Case = [string, Partial<InstanceParams>, { advert?: Partial<Advert>; meta?: Partial<PacketMeta>; src?: string }, string | undefined];

const cases: Case[] = [
  ['valid v3 multicast', {}, {}, undefined],
  ['valid v2 PASS', v2pass, {}, undefined],
  ['valid unicast from a peer', { ...unicast, checkUnicastSrc: true }, { src: '192.0.2.3' }, undefined],
  ['unicast TTL is not checked', unicast, { meta: { ttl: 1 } }, undefined],
  ['vrid', {}, { advert: { vrid: 7 } }, 'vrid'],
  ['family (advert list)', {}, { advert: { family: 6, addresses: ['2001:db8::100'] } }, 'family'],
  ['family (packet)', {}, { meta: { family: 6 } }, 'family'],
  ['multicast TTL 254', {}, { meta: { ttl: 254 } }, 'ttl'],
  ['multicast TTL 0', {}, { meta: { ttl: 0 } }, 'ttl'],
  ['IPv6 hop limit 64', { family: 6, primaryIp: '2001:db8::1', vips: ['2001:db8::100'] }, { meta: { ttl: 64 } }, 'ttl'],
  ['version', {}, { advert: { version: 2 } }, 'version'],
  ['type', {}, { advert: { type: 0 } }, 'type'],
  ['auth AH', { version: 2 }, { advert: { authType: 2 } }, 'auth_ah'],
  ['auth AH to a PASS instance', v2pass, { advert: { authType: 2 } }, 'auth_ah'],
  ['auth type none to PASS', v2pass, { advert: { authType: 0, authData: Buffer.alloc(8) } }, 'auth_type'],
  ['auth type PASS to none', { version: 2 }, { advert: { authType: 1, authData: pad8('secret') } }, 'auth_type'],
  ['wrong password', v2pass, { advert: { authData: pad8('Secret') } }, 'auth_mismatch'],
  ['password differs in byte 8', { version: 2, auth: { type: 'pass', password: 'abcdefgh' } }, { advert: { authData: pad8('abcdefgX') } }, 'auth_mismatch'],
  ['v2 interval mismatch', { version: 2 }, { advert: { intervalCs: 300 } }, 'interval_mismatch'],
  ['v3 other interval is fine', {}, { advert: { intervalCs: 300 } }, undefined],
  ['v3 zero interval', {}, { advert: { intervalCs: 0 } }, 'interval_mismatch'],
  ['address count', {}, { advert: { addresses: [] } }, 'address_count'],
  ['address mismatch', {}, { advert: { addresses: ['192.0.2.99'] } }, 'address_mismatch'],
  ['address mismatch skipped', { skipCheckAdvAddr: true }, { advert: { addresses: ['192.0.2.99'] } }, undefined],
  ['address list in another order', { vips: ['192.0.2.100', '192.0.2.101'] }, { advert: { addresses: ['192.0.2.101', '192.0.2.100'] } }, undefined],
  ['IPv6 address in non-canonical text', { family: 6, primaryIp: '2001:db8::1', vips: ['2001:db8::100'] }, { advert: { addresses: ['2001:DB8:0:0::100'] } }, undefined],
  ['multicast to unicast instance', unicast, { meta: { dst: '224.0.0.18' } }, 'cast_mismatch'],
  ['unicast to multicast instance', {}, { meta: { dst: '192.0.2.1' } }, 'cast_mismatch'],
  ['check_unicast_src', { ...unicast, checkUnicastSrc: true }, { src: '192.0.2.50' }, 'unicast_src'],
  ['unicast source not checked by default', unicast, { src: '192.0.2.50' }, undefined],
];

describe('checkAdvert', () => {
  it.each(cases)('%s', (_name, over, mod, reason) => {
    const p = params(over);
    const input = advertIn(p, 150, mod.src, { advert: mod.advert, meta: mod.meta });
    expect(validateAdvert(p, input.meta, input.advert)).toBe(reason);
  });

  it('checks in keepalived order: TTL before version before auth', () => {
    const p = params(v2pass);
    const input = advertIn(p, 150, undefined, {
      advert: { version: 3, authData: pad8('wrong') },
      meta: { ttl: 1 },
    });
    expect(validateAdvert(p, input.meta, input.advert)).toBe('ttl');
    expect(validateAdvert(p, { ...input.meta, ttl: 255 }, input.advert)).toBe('version');
    expect(validateAdvert(p, { ...input.meta, ttl: 255 }, { ...input.advert, version: 2 })).toBe('auth_mismatch');
  });

  it('never puts a password into the detail', () => {
    const p = params(v2pass);
    const input = advertIn(p, 150, undefined, { advert: { authData: pad8('hunter2') } });
    const drop = checkAdvert(p, input.meta, input.advert);
    expect(drop?.reason).toBe('auth_mismatch');
    expect(drop?.detail).not.toMatch(/secret|hunter2/);
  });
});

describe('passwordMatches', () => {
  it('compares the first 8 bytes, zero padded', () => {
    expect(passwordMatches('secret', pad8('secret'))).toBe(true);
    expect(passwordMatches('longpassword', pad8('longpass'))).toBe(true);
    expect(passwordMatches('longpassword', pad8('longpasX'))).toBe(false);
    expect(passwordMatches('', Buffer.alloc(8))).toBe(true);
    expect(passwordMatches('a', Buffer.from('6100000000000001', 'hex'))).toBe(false);
  });

  it('rejects auth data that is not 8 bytes long', () => {
    expect(passwordMatches('secret', Buffer.from('secret'))).toBe(false);
    expect(passwordMatches('', Buffer.alloc(9))).toBe(false);
  });

  it('encodes the password as UTF-8', () => {
    expect(passwordMatches('pässwört', pad8('pässwört'))).toBe(true);
    expect(passwordMatches('passwort', pad8('pässwört'))).toBe(false);
  });
});

describe('isMulticast', () => {
  it.each([
    ['224.0.0.18', true],
    ['239.255.255.255', true],
    ['223.255.255.255', false],
    ['192.0.2.1', false],
    ['ff02::12', true],
    ['FF02::12', true],
    ['2001:db8::1', false],
    ['ff::1', false],
    ['::ffff:224.0.0.18', false],
  ])('%s -> %s', (addr, want) => {
    expect(isMulticast(addr)).toBe(want);
  });
});
