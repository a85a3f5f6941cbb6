import { describe, expect, it } from 'vitest';
import { LanSim } from '../../src/core/sim/lan.js';
import { EventQueue } from '../../src/core/sim/queue.js';
import { seededRandom } from '../../src/core/sim/rng.js';
import { lanParams } from './helpers.js';

function startAll(sim: LanSim, at = 0): void {
  sim.nodes.forEach((_, i) => sim.schedule(at, { kind: 'input', node: i, input: { type: 'Startup' } }));
}

describe('event queue and random source', () => {
  it('pops by time, then in scheduling order', () => {
    const q = new EventQueue<string>();
    q.push(5, 'c');
    q.push(1, 'a');
    q.push(5, 'd');
    q.push(1, 'b');
    q.push(0.5, 'z');
    const out: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) out.push(e.ev);
    expect(out).toEqual(['z', 'a', 'b', 'c', 'd']);
  });

  it('is reproducible from a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(43)()).not.toBe(xs[0]);
  });
});

describe('LanSim', () => {
  it('elects the highest priority among three nodes started together', () => {
    const sim = new LanSim(lanParams({ version: 3, intervalCs: 100, priorities: [100, 200, 150] }));
    startAll(sim);
    sim.runUntil(10_000);
    expect(sim.states()).toEqual(['BACKUP', 'MASTER', 'BACKUP']);
    expect(sim.vipHolders()).toEqual([1]);
    // Node 1 (priority 200) took over at its Master_Down_Interval, 3218.75 ms.
    expect(sim.transitions.find((t) => t.to === 'MASTER')).toMatchObject({ node: 1, at: 3218.75 });
  });

  it('fails over after Skew_Time when the master shuts down', () => {
    const sim = new LanSim(lanParams({ version: 3, intervalCs: 100, priorities: [100, 200] }), { latencyMs: 1 });
    startAll(sim);
    sim.schedule(5000, { kind: 'input', node: 1, input: { type: 'Shutdown' } });
    sim.runUntil(8000);
    const takeover = sim.transitions.find((t) => t.node === 0 && t.to === 'MASTER');
    // Priority 0 arrives at 5001; node 0 (priority 100) waits Skew_Time 609.375 ms.
    expect(takeover?.at).toBe(5001 + 609.375);
  });

  it('a partition makes two masters; the heal leaves the higher one', () => {
    const sim = new LanSim(lanParams({ version: 2, intervalCs: 100, priorities: [150, 100] }));
    startAll(sim);
    sim.schedule(5000, { kind: 'partition', groups: [0, 1] });
    sim.runUntil(12_000);
    expect(sim.states()).toEqual(['MASTER', 'MASTER']);
    sim.schedule(12_000, { kind: 'heal' });
    sim.runUntil(14_000);
    expect(sim.states()).toEqual(['MASTER', 'BACKUP']);
    expect(sim.vipHolders()).toEqual([0]);
  });

  it('total loss on one direction makes the deaf node take over', () => {
    const sim = new LanSim(lanParams({ version: 3, intervalCs: 100, priorities: [200, 100] }));
    startAll(sim);
    sim.schedule(5000, { kind: 'loss', from: 0, to: 1, rate: 1 });
    sim.runUntil(10_000);
    expect(sim.states()).toEqual(['MASTER', 'MASTER']);
    expect(sim.stats.lost).toBeGreaterThan(0);
  });

  it('unicast peers with PASS auth and check_unicast_src still elect one master', () => {
    const sim = new LanSim(
      lanParams({ version: 2, intervalCs: 100, priorities: [120, 130, 110], unicast: true, checkUnicastSrc: true, password: 'pw' }),
    );
    startAll(sim);
    sim.runUntil(10_000);
    expect(sim.masters()).toEqual([1]);
    expect(sim.stats.dropped).toEqual({});
  });

  it('is deterministic for a seed, with loss and jitter', () => {
    const runOnce = () => {
      const sim = new LanSim(lanParams({ version: 3, intervalCs: 50, priorities: [100, 100, 120, 90] }), { seed: 7, jitterMs: 3 });
      startAll(sim);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) if (i !== j) sim.schedule(0, { kind: 'loss', from: i, to: j, rate: 0.4 });
      sim.runUntil(30_000);
      return sim.transitions;
    };
    const a = runOnce();
    expect(a.length).toBeGreaterThan(2);
    expect(runOnce()).toEqual(a);
  });
});
