/**
 * Property: an advert that fails the instance checks never changes state. Whatever the
 * state a node has reached in a simulated LAN, stepping it with a corrupted copy of a
 * valid advert returns the very same state object and exactly one AdvertDropped with the
 * expected reason; and a LAN flooded with such adverts behaves exactly like a clean one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Advert, PacketMeta } from '../../src/core/codec/types.js';
import { step } from '../../src/core/fsm/instance.js';
import type { InstanceParams } from '../../src/core/fsm/types.js';
import { advertFor, LanSim, vrrpGroup } from '../../src/core/sim/lan.js';
import { lanParams } from './helpers.js';

type Mutation = { reason: string; apply: (p: InstanceParams, a: Advert, m: PacketMeta) => void; applies?: (p: InstanceParams) => boolean };

const mutations: Mutation[] = [
  { reason: 'vrid', apply: (p, a) => void (a.vrid = (p.vrid % 255) + 1) },
  { reason: 'family', apply: (_p, a) => void ((a.family = 6), (a.addresses = ['2001:db8::100'])) },
  { reason: 'ttl', apply: (_p, _a, m) => void (m.ttl = 64), applies: (p) => p.unicastPeers.length === 0 },
  { reason: 'version', apply: (p, a) => void (a.version = p.version === 2 ? 3 : 2) },
  { reason: 'type', apply: (_p, a) => void (a.type = 2) },
  { reason: 'auth_ah', apply: (_p, a) => void (a.authType = 2), applies: (p) => p.version === 2 },
  { reason: 'auth_type', apply: (_p, a) => void (a.authType = a.authType === 0 ? 1 : 0), applies: (p) => p.version === 2 },
  {
    reason: 'auth_mismatch',
    apply: (_p, a) => void (a.authData = Buffer.from(a.authData.map((b, i) => (i === 0 ? b ^ 0x20 : b)))),
    applies: (p) => p.auth.type === 'pass',
  },
  { reason: 'interval_mismatch', apply: (p, a) => void (a.intervalCs = p.version === 2 ? p.intervalCs + 100 : 0) },
  { reason: 'address_count', apply: (_p, a) => void (a.addresses = [...a.addresses, '192.0.2.201']) },
  { reason: 'address_mismatch', apply: (_p, a) => void (a.addresses = ['192.0.2.201']) },
  {
    reason: 'cast_mismatch',
    apply: (p, _a, m) => void (m.dst = p.unicastPeers.length > 0 ? vrrpGroup(p.family) : p.primaryIp),
  },
  { reason: 'unicast_src', apply: (_p, _a, m) => void (m.src = '192.0.2.250'), applies: (p) => p.checkUnicastSrc },
];

const config = fc.record({
  version: fc.constantFrom(2 as const, 3 as const),
  priorities: fc.array(fc.integer({ min: 1, max: 254 }), { minLength: 2, maxLength: 4 }),
  unicast: fc.boolean(),
  password: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
  seed: fc.integer(),
});

describe('invalid adverts', () => {
  it('never change the state of a node, whatever state it is in', () => {
    fc.assert(
      fc.property(
        config,
        fc.integer({ min: 0, max: 20_000 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(),
        (c, until, pick, prio, mut) => {
          const ps = lanParams({ ...c, intervalCs: 100, checkUnicastSrc: c.unicast });
          const sim = new LanSim(ps, { seed: c.seed });
          ps.forEach((_, i) => sim.schedule(i * 700, { kind: 'input', node: i, input: { type: 'Startup' } }));
          sim.runUntil(until);
          const to = pick % ps.length;
          const from = (to + 1) % ps.length;
          const p = ps[to]!;
          const usable = mutations.filter((m) => !m.applies || m.applies(p));
          const m = usable[mut % usable.length]!;
          const advert = { ...advertFor(ps[from]!, prio, 100) };
          const meta: PacketMeta = {
            family: 4,
            src: ps[from]!.primaryIp,
            dst: p.unicastPeers.length > 0 ? p.primaryIp : vrrpGroup(4),
            ttl: 255,
            ifname: p.ifname,
          };
          m.apply(p, advert, meta);
          const before = sim.nodes[to]!.state;
          const snapshot = JSON.stringify(before);
          const r = step(before, { type: 'AdvertReceived', meta, advert }, sim.now);
          expect(r.state).toBe(before);
          expect(JSON.stringify(r.state)).toBe(snapshot);
          expect(r.actions).toHaveLength(1);
          expect(r.actions[0]).toMatchObject({ type: 'AdvertDropped', reason: m.reason });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a LAN flooded with invalid adverts runs exactly like a clean one', () => {
    fc.assert(
      fc.property(config, fc.array(fc.tuple(fc.integer({ min: 0, max: 15_000 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }), (c, junk) => {
        const ps = lanParams({ ...c, intervalCs: 100, checkUnicastSrc: c.unicast });
        const clean = new LanSim(ps, { seed: c.seed });
        const dirty = new LanSim(ps, { seed: c.seed });
        for (const sim of [clean, dirty]) ps.forEach((_, i) => sim.schedule(i * 500, { kind: 'input', node: i, input: { type: 'Startup' } }));
        for (const [at, node, mut, prio] of junk) {
          const to = node % ps.length;
          const p = ps[to]!;
          const usable = mutations.filter((m) => !m.applies || m.applies(p));
          const m = usable[mut % usable.length]!;
          const advert = { ...advertFor(p, prio, 100) };
          const meta: PacketMeta = { family: 4, src: '192.0.2.9', dst: p.unicastPeers.length > 0 ? p.primaryIp : vrrpGroup(4), ttl: 255, ifname: p.ifname };
          m.apply(p, advert, meta);
          dirty.schedule(at, { kind: 'packet', node: to, meta, advert });
        }
        clean.runUntil(20_000);
        dirty.runUntil(20_000);
        expect(dirty.transitions).toEqual(clean.transitions);
        expect(dirty.nodes.map((n) => n.state)).toEqual(clean.nodes.map((n) => n.state));
        const dropped = Object.values(dirty.stats.dropped).reduce((a, b) => a + b, 0);
        expect(dropped).toBe(junk.length);
      }),
      { numRuns: 100 },
    );
  });
});
