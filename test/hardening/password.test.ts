/**
 * The VRRPv2 PASS comparison (RFC 3768 §5.3.10, "Authentication Data"; keepalived compares
 * in constant time) must not tell an attacker how many leading bytes of a guess were right.
 * No timing is measured here: the comparison is observed byte by byte through a Proxy, and
 * it must read all eight received bytes, once each and in the same order, whether the guess
 * is right, wrong in its first byte or wrong in its last.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Advert, PacketMeta } from '../../src/core/codec/types.js';
import { passAuthData } from '../../src/core/codec/vrrp.js';
import { checkAdvert, passwordMatches } from '../../src/core/fsm/validate.js';
import type { InstanceParams } from '../../src/core/fsm/types.js';
import { buildInstance } from './model.js';

/** The authentication bytes wrapped so that every indexed read is recorded. */
function watched(bytes: Uint8Array): { data: Uint8Array; reads: number[] } {
  const reads: number[] = [];
  const data = new Proxy(bytes, {
    get(target, prop) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) reads.push(Number(prop));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { data, reads };
}

const ALL_EIGHT = [0, 1, 2, 3, 4, 5, 6, 7];

/** The received bytes for `password`, with byte `wrongAt` altered (or none). */
function guess(password: string, wrongAt: number | null): Buffer {
  const b = Buffer.alloc(8);
  Buffer.from(password, 'utf8').copy(b, 0, 0, 8);
  if (wrongAt !== null) b[wrongAt] ^= 0x5a;
  return b;
}

describe('v2 PASS comparison examines every byte', () => {
  for (const password of ['secret', 'longpassword', '', 'pässwört']) {
    it(`"${password}": the same 8 reads for a right guess and for a guess wrong at any byte`, () => {
      for (const wrongAt of [null, 0, 1, 2, 3, 4, 5, 6, 7]) {
        const { data, reads } = watched(guess(password, wrongAt));
        expect(passwordMatches(password, data)).toBe(wrongAt === null);
        expect(reads, `wrong at ${String(wrongAt)}`).toEqual(ALL_EIGHT);
      }
    });
  }

  it('reads all 8 bytes for any password and any received data (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.uint8Array({ minLength: 0, maxLength: 12 }), (password, bytes) => {
        const { data, reads } = watched(Uint8Array.from(bytes));
        passwordMatches(password, data);
        expect(reads).toEqual(ALL_EIGHT);
      }),
      { numRuns: 2000 },
    );
  });

  it('has no early exit: one return, after a loop without break or return', () => {
    const src = passwordMatches.toString();
    const loop = /for\s*\([^)]*\)\s*\{([^}]*)\}/.exec(src);
    expect(loop, src).not.toBeNull();
    // No exit and no short-circuit on the data in the loop body (`??` only pads short input).
    expect(loop![1]!.replaceAll('??', '')).not.toMatch(/\breturn\b|\bbreak\b|\bcontinue\b|\bif\b|\?|&&|\|\|/);
    expect(src.match(/\breturn\b/g)).toHaveLength(1);
  });

  it('checkAdvert goes through the same comparison: a guess wrong in its first byte costs what one wrong in its last does', () => {
    const { params } = buildInstance({
      name: 'VI_1', version: 2, v6: false, vrid: 51, ifname: 'eth0', priority: 100, v2Seconds: 1, v3Cs: 100,
      vipCount: 1, vipBase: 0, peers: 0, checkUnicastSrc: false, skipCheckAdvAddr: false, password: 'secret', v3ChecksumAsV2: false,
    });
    const meta: PacketMeta = { family: 4, src: '192.0.2.2', dst: '224.0.0.18', ttl: 255, ifname: 'eth0' };
    const advertWith = (authData: Uint8Array): Advert => ({
      version: 2, type: 1, vrid: 51, priority: 200, family: 4, addresses: [...params.vips], intervalCs: 100, authType: 1,
      authData: authData as Buffer, checksum: 0,
    });
    const run = (p: InstanceParams, wrongAt: number | null) => {
      const { data, reads } = watched(guess('secret', wrongAt));
      return { drop: checkAdvert(p, meta, advertWith(data))?.reason, reads };
    };
    expect(run(params, null)).toEqual({ drop: undefined, reads: ALL_EIGHT });
    expect(run(params, 0)).toEqual({ drop: 'auth_mismatch', reads: ALL_EIGHT });
    expect(run(params, 7)).toEqual({ drop: 'auth_mismatch', reads: ALL_EIGHT });
    // The password the node sends is what it compares against (multi-byte characters cut at 8 bytes).
    for (const pw of ['secret', 'abcdefgä', '€€€', '\u0000\u{10000}\u{10000}']) {
      expect(passwordMatches(pw, passAuthData(pw)), pw).toBe(true);
    }
  });
});
