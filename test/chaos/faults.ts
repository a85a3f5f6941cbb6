/**
 * Injecting one planned fault and healing it. Each function returns once the fault has
 * healed, with the moment it did (the invariants' deadlines count from there):
 *
 *   kill       the restarted daemon logged its first state (the process is back);
 *   stop       SIGCONT sent;  link / outage: link up;  partition: isolation off;
 *   loss/delay the impairment removed;
 *   health     the file restored + one script interval (when the script sees it);
 *   cloud      the simulator's faults cleared (a's script was restored at half time,
 *              so its priority is back long before).
 */
import { seededRandom } from '../../src/core/sim/rng.js';
import { clearQdisc, flapLoss, netemOn, nfqDelayOn, type DelayMethod } from './impair.js';
import { outageProblems, snapshot, describeSnapshot } from './invariants.js';
import type { FaultPlan } from './plan.js';
import { HEALTH_INTERVAL_S, KEEPVIP_NODES, type ChaosLab } from './topology.js';

export interface FaultOutcome {
  healedAt: number;
  /** The fault disturbed the nodes' path to the cloud API (the cloud bound adds retry time). */
  cloudTouched: boolean;
  /**
   * Two keepvip nodes may have been MASTER at once with the API reachable, or a write may
   * land late: the winner learns that its claim was overwritten only from its periodic
   * verification when the loser stepped down without advertising again (the cloud bound
   * adds one verification interval).
   */
  splitBrain?: boolean;
  /** Problems seen while the fault was on (outage only). */
  midProblems: string[];
  note?: string;
}

export interface FaultContext {
  /** The run's seed: per-round randomness (loss slots) is derived from it. */
  seed: number;
  netem: boolean;
  /** How the delay kind is applied ('none': never scheduled). */
  delay: DelayMethod['method'];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function inject(cl: ChaosLab, p: FaultPlan, ctx: FaultContext): Promise<FaultOutcome> {
  const t = p.target;
  const t0 = Date.now();
  switch (p.kind) {
    case 'kill': {
      await cl.vl.kill(t);
      await sleep(p.durationMs);
      await cl.start(t);
      return { healedAt: Date.now(), cloudTouched: false, midProblems: [] };
    }
    case 'stop': {
      cl.signal(t, 'SIGSTOP');
      try {
        await sleep(p.durationMs);
      } finally {
        cl.signal(t, 'SIGCONT');
      }
      return { healedAt: Date.now(), cloudTouched: false, splitBrain: true, midProblems: [] };
    }
    case 'link': {
      cl.vl.setLink(t, false);
      try {
        await sleep(p.durationMs);
      } finally {
        cl.vl.setLink(t, true);
      }
      return { healedAt: Date.now(), cloudTouched: true, midProblems: [] };
    }
    case 'partition': {
      const nodes = p.partition!.nodes;
      try {
        for (const n of nodes) cl.isolate(n, true);
        await sleep(p.durationMs);
      } finally {
        for (const n of nodes) cl.isolate(n, false);
      }
      return { healedAt: Date.now(), cloudTouched: false, splitBrain: true, midProblems: [] };
    }
    case 'loss': {
      const { percent, slotMs } = p.loss!;
      if (ctx.netem) {
        try {
          netemOn(cl.lab, t, ['loss', `${percent}%`]);
          await sleep(p.durationMs);
        } finally {
          clearQdisc(cl.lab, t);
        }
        return { healedAt: Date.now(), cloudTouched: true, splitBrain: true, midProblems: [], note: 'netem' };
      }
      const random = seededRandom((ctx.seed + p.round * 0x9e3779b9) >>> 0);
      const r = await flapLoss(cl.lab, t, { percent, slotMs, durationMs: p.durationMs, random });
      return { healedAt: Date.now(), cloudTouched: true, splitBrain: true, midProblems: [], note: `emulated: ${r.lost}/${r.slots} slots of ${slotMs} ms dropped` };
    }
    case 'delay': {
      const { ms, jitterMs } = p.delay!;
      if (ctx.delay === 'nfqueue') {
        const stop = await nfqDelayOn(cl.lab, t, { ms, jitterMs, seed: (ctx.seed + p.round * 0x9e3779b9) >>> 0 });
        let said = '';
        try {
          await sleep(p.durationMs);
        } finally {
          said = await stop();
        }
        return { healedAt: Date.now(), cloudTouched: true, splitBrain: true, midProblems: [], note: `NFQUEUE: ${said}` };
      }
      try {
        netemOn(cl.lab, t, ['delay', `${ms}ms`, `${jitterMs}ms`]);
        await sleep(p.durationMs);
      } finally {
        clearQdisc(cl.lab, t);
      }
      return { healedAt: Date.now(), cloudTouched: true, splitBrain: true, midProblems: [], note: 'netem' };
    }
    case 'health': {
      try {
        for (const [i, ms] of p.phasesMs!.entries()) {
          cl.setHealthy(t, i % 2 === 1);
          await sleep(ms);
        }
      } finally {
        cl.setHealthy(t, true);
      }
      return { healedAt: Date.now() + HEALTH_INTERVAL_S * 1000, cloudTouched: false, midProblems: [] };
    }
    case 'cloud': {
      // The VIP moves to b (a's script fails) and back to a (restored) under API faults.
      const [failMs, restoredMs] = p.phasesMs!;
      try {
        await cl.cl.setFaults(p.cloud!.rules);
        cl.setHealthy('a', false);
        await sleep(failMs!);
        cl.setHealthy('a', true);
        await sleep(restoredMs!);
      } finally {
        cl.setHealthy('a', true);
        await cl.cl.clearFaults();
      }
      // a's priority is back one script interval after the restore at the latest.
      const healedAt = Math.max(Date.now(), t0 + failMs! + HEALTH_INTERVAL_S * 1000);
      return { healedAt, cloudTouched: true, splitBrain: true, midProblems: [] };
    }
    case 'outage': {
      const midProblems: string[] = [];
      try {
        for (const n of KEEPVIP_NODES) cl.vl.setLink(n, false);
        // keepalived takes over within its Master_Down_Interval; the FAULT nodes drop the VIP at once.
        const deadline = t0 + cl.maxMasterDownMs + 1000;
        let last = await snapshot(cl, { cloud: true });
        while (outageProblems(last).length && Date.now() < deadline) {
          await sleep(50);
          last = await snapshot(cl, { cloud: true });
        }
        const problems = outageProblems(last);
        if (problems.length) midProblems.push(...problems.map((x) => `${x} (mid-fault, ${last.t - t0} ms after the links went down; ${describeSnapshot(last)})`));
        await sleep(Math.max(0, t0 + p.durationMs - Date.now()));
      } finally {
        for (const n of KEEPVIP_NODES) cl.vl.setLink(n, true);
      }
      return { healedAt: Date.now(), cloudTouched: true, midProblems };
    }
  }
}
