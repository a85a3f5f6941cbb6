/** Builders for simulated LANs. */
import { masterDownInterval } from '../../src/core/fsm/timers.js';
import type { InstanceParams } from '../../src/core/fsm/types.js';
import type { LanSim } from '../../src/core/sim/lan.js';
import { DEFAULT_PARAMS } from '../conformance/harness.js';

export interface LanConfig {
  version: 2 | 3;
  intervalCs: number;
  priorities: number[];
  preempt?: boolean;
  unicast?: boolean;
  checkUnicastSrc?: boolean;
  password?: string;
}

/** Node i gets primary address 192.0.2.(10 + i); all share VRID 51 and VIP 192.0.2.100. */
export function lanParams(c: LanConfig): InstanceParams[] {
  const ips = c.priorities.map((_, i) => `192.0.2.${10 + i}`);
  return c.priorities.map((priority, i) => ({
    ...DEFAULT_PARAMS,
    name: `node${i}`,
    version: c.version,
    primaryIp: ips[i]!,
    priority,
    intervalCs: c.intervalCs,
    preempt: c.preempt ?? true,
    unicastPeers: c.unicast ? ips.filter((_, j) => j !== i) : [],
    checkUnicastSrc: c.checkUnicastSrc ?? false,
    auth: c.version === 2 && c.password !== undefined ? { type: 'pass' as const, password: c.password } : { type: 'none' as const },
  }));
}

/** The longest Master_Down_Interval among the nodes at their current priorities, ms. */
export function maxDownInterval(sim: LanSim, intervalCs: number): number {
  return Math.max(...sim.nodes.map((n) => masterDownInterval(n.params.version, n.state.priority, intervalCs, n.params.downTimerAdverts)));
}

/** Index of the node with the highest (effective priority, primary address). */
export function expectedWinner(sim: LanSim, among: number[]): number {
  let best = among[0]!;
  for (const i of among) {
    const a = sim.nodes[i]!;
    const b = sim.nodes[best]!;
    const ai = Number(a.params.primaryIp.split('.')[3]);
    const bi = Number(b.params.primaryIp.split('.')[3]);
    if (a.state.priority > b.state.priority || (a.state.priority === b.state.priority && ai > bi)) best = i;
  }
  return best;
}

/** A compact description of the run, printed when a property fails. */
export function describeRun(sim: LanSim): string {
  return sim.transitions.map((t) => `${t.at.toFixed(3)} node${t.node} ${t.from}->${t.to} (${t.reason})`).join('\n');
}
