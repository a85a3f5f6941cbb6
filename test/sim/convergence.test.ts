/**
 * Property: after any sequence of partitions, heals, packet loss, priority changes and
 * faults, once the LAN is whole again (final heal, no loss, faults cleared) there is
 * exactly one MASTER within one Master_Down_Interval plus one advert interval (plus two
 * one-way delays), it alone holds the VIPs, and nothing changes afterwards. With
 * preemption it has the highest effective priority.
 *
 * Equal priorities: RFC 9568 §6.4.2 has a BACKUP accept an advert of equal priority, so
 * the higher address wins only when two masters meet (§6.4.3). The tie-break property is
 * therefore checked where such a meeting is guaranteed: nodes started together, with only
 * partitions, heals and loss afterwards. After priority changes or faults a tied node
 * with the lower address may legitimately stay MASTER.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csToMs } from '../../src/core/fsm/timers.js';
import { LanSim, type LanEvent } from '../../src/core/sim/lan.js';
import { describeRun, expectedWinner, lanParams, maxDownInterval } from './helpers.js';

const EVENTS_START = 3000;
const LATENCY = 1;

type Ev =
  | { kind: 'partition'; groups: number[] }
  | { kind: 'heal' }
  | { kind: 'loss'; from: number; to: number; rate: number }
  | { kind: 'prio'; node: number; adj: number }
  | { kind: 'fault'; node: number; on: boolean };

function eventArb(n: number, withPrioAndFault: boolean): fc.Arbitrary<Ev> {
  const node = fc.integer({ min: 0, max: n - 1 });
  const base: fc.Arbitrary<Ev>[] = [
    fc.record({ kind: fc.constant('partition' as const), groups: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }) }),
    fc.constant({ kind: 'heal' as const }),
    fc.record({ kind: fc.constant('loss' as const), from: node, to: node, rate: fc.double({ min: 0, max: 1, noNaN: true }) }),
  ];
  if (withPrioAndFault) {
    base.push(
      fc.record({ kind: fc.constant('prio' as const), node, adj: fc.integer({ min: -150, max: 150 }) }),
      fc.record({ kind: fc.constant('fault' as const), node, on: fc.boolean() }),
    );
  }
  return fc.oneof(...base);
}

interface Run {
  version: 2 | 3;
  intervalCs: number;
  priorities: number[];
  startAt: number[];
  events: { dt: number; ev: Ev }[];
  seed: number;
  jitterMs: number;
}

function runArb(opts: { simultaneous: boolean; prioAndFault: boolean; prioChoices?: number[]; owner: boolean }): fc.Arbitrary<Run> {
  return fc.integer({ min: 2, max: 5 }).chain((n) =>
    fc.record({
      version: fc.constantFrom(2 as const, 3 as const),
      intervalCs: fc.constantFrom(50, 100, 150, 200),
      priorities: fc
        .tuple(
          fc.array(opts.prioChoices ? fc.constantFrom(...opts.prioChoices) : fc.integer({ min: 1, max: 254 }), {
            minLength: n,
            maxLength: n,
          }),
          opts.owner ? fc.boolean() : fc.constant(false),
        )
        .map(([ps, owner]) => (owner ? [255, ...ps.slice(1)] : ps)),
      startAt: fc.array(opts.simultaneous ? fc.constant(0) : fc.integer({ min: 0, max: EVENTS_START }), { minLength: n, maxLength: n }),
      events: fc.array(fc.record({ dt: fc.integer({ min: 0, max: 6000 }), ev: eventArb(n, opts.prioAndFault) }), { maxLength: 10 }),
      seed: fc.integer(),
      jitterMs: fc.constantFrom(0, 5),
    }),
  );
}

interface Outcome {
  sim: LanSim;
  finalAt: number;
  checkAt: number;
}

function simulate(r: Run, preempt: boolean): Outcome {
  const intervalCs = r.version === 2 ? 100 * Math.ceil(r.intervalCs / 100) : r.intervalCs;
  const sim = new LanSim(lanParams({ version: r.version, intervalCs, priorities: r.priorities, preempt }), {
    seed: r.seed,
    latencyMs: LATENCY,
    jitterMs: r.jitterMs,
  });
  const n = r.priorities.length;
  r.startAt.forEach((at, i) => sim.schedule(at, { kind: 'input', node: i, input: { type: 'Startup' } }));
  let t = EVENTS_START;
  for (const { dt, ev } of r.events) {
    t += dt;
    let e: LanEvent;
    if (ev.kind === 'prio') e = { kind: 'input', node: ev.node, input: { type: 'PriorityChanged', adjustment: ev.adj } };
    else if (ev.kind === 'fault') e = { kind: 'input', node: ev.node, input: { type: 'FaultChanged', source: 'sim', fault: ev.on } };
    else e = ev;
    sim.schedule(t, e);
  }
  // The final heal: one LAN, no loss, no faults.
  const finalAt = t + 1;
  sim.schedule(finalAt, { kind: 'heal' });
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j) sim.schedule(finalAt, { kind: 'loss', from: i, to: j, rate: 0 });
    sim.schedule(finalAt, { kind: 'input', node: i, input: { type: 'FaultChanged', source: 'sim', fault: false } });
  }
  sim.runUntil(finalAt);
  const bound = maxDownInterval(sim, intervalCs) + csToMs(intervalCs) + 2 * (LATENCY + r.jitterMs);
  const checkAt = finalAt + bound;
  sim.runUntil(checkAt);
  return { sim, finalAt, checkAt };
}

/** Exactly one MASTER, the only VIP holder, and no transition in the next 5 intervals. */
function settled(o: Outcome, intervalMs: number): string | undefined {
  const { sim } = o;
  const masters = sim.masters();
  if (masters.length !== 1) return `masters ${JSON.stringify(masters)} at ${o.checkAt}`;
  if (JSON.stringify(sim.vipHolders()) !== JSON.stringify(masters)) return `VIP holders ${JSON.stringify(sim.vipHolders())}`;
  const seen = sim.transitions.length;
  sim.runUntil(o.checkAt + 5 * intervalMs);
  if (sim.transitions.length !== seen) return `flapped after ${o.checkAt}`;
  return undefined;
}

const intervalMsOf = (r: Run) => csToMs(r.version === 2 ? 100 * Math.ceil(r.intervalCs / 100) : r.intervalCs);

describe('convergence after partitions and heals', () => {
  it('preempt: one MASTER with the highest effective priority', () => {
    fc.assert(
      fc.property(runArb({ simultaneous: false, prioAndFault: true, owner: true }), (r) => {
        const o = simulate(r, true);
        const why = settled(o, intervalMsOf(r));
        if (why) throw new Error(`${why}\n${describeRun(o.sim)}`);
        const m = o.sim.masters()[0]!;
        const top = Math.max(...o.sim.nodes.map((x) => x.state.priority));
        if (o.sim.nodes[m]!.state.priority !== top) {
          throw new Error(`master node${m} has priority ${o.sim.nodes[m]!.state.priority}, top is ${top}\n${describeRun(o.sim)}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('preempt, started together, no priority changes: ties go to the highest address', () => {
    fc.assert(
      fc.property(runArb({ simultaneous: true, prioAndFault: false, prioChoices: [100, 150], owner: false }), (r) => {
        const o = simulate(r, true);
        const why = settled(o, intervalMsOf(r));
        if (why) throw new Error(`${why}\n${describeRun(o.sim)}`);
        const all = o.sim.nodes.map((_, i) => i);
        expect(o.sim.masters()).toEqual([expectedWinner(o.sim, all)]);
      }),
      { numRuns: 150 },
    );
  });

  it('nopreempt: still exactly one MASTER', () => {
    fc.assert(
      fc.property(runArb({ simultaneous: false, prioAndFault: true, owner: false }), (r) => {
        const o = simulate(r, false);
        const why = settled(o, intervalMsOf(r));
        if (why) throw new Error(`${why}\n${describeRun(o.sim)}`);
      }),
      { numRuns: 100 },
    );
  });
});
