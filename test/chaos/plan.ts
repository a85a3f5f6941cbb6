/**
 * The chaos schedule: a pure function of the seed. Round i of seed S is the same fault
 * with the same parameters on every machine (given the same set of available kinds, which
 * the run prints), so a violation is replayed with `npm run chaos -- --seed S`.
 *
 * The first rounds are a seeded permutation of every kind, so even a short run (the CI
 * form) injects each kind at least once; after that kinds are drawn with weights.
 */
import type { FaultRule } from '../../src/cloud/sim/faults.js';
import { seededRandom, type Random } from '../../src/core/sim/rng.js';

/** The lab's nodes: two keepvip nodes with cloud claims, one keepalived 2.2.7 node without. */
export type NodeName = 'a' | 'b' | 'k';

export const FAULT_KINDS = [
  /** SIGKILL a daemon, restart it after a while. */
  'kill',
  /** SIGSTOP a daemon (a stalled VM), SIGCONT it after a while. */
  'stop',
  /** Take a node's link down (inside its namespace), then up. */
  'link',
  /** Bridge port isolation on the switch: every node alone, or two nodes unable to hear each other. */
  'partition',
  /** Packet loss on a node's link (netem, or blackhole flapping where netem is missing). */
  'loss',
  /** Delay on a node's link (netem, or NFQUEUE where netem is missing). */
  'delay',
  /** A vrrp_script (negative weight) flapping on a keepvip node. */
  'health',
  /** Cloud API faults (5xx, hangs, 429, slow answers) while the VIP moves and comes back. */
  'cloud',
  /** Both keepvip nodes lose their link: keepalived takes over, then the keepvip nodes return. */
  'outage',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface CloudFaultPlan {
  label: string;
  rules: FaultRule[];
}

export interface FaultPlan {
  round: number;
  kind: FaultKind;
  /** The node the fault hits (kill, stop, link, loss, delay, health). */
  target: NodeName;
  /** How long the fault lasts, ms. */
  durationMs: number;
  partition?: { style: 'all' | 'pair'; nodes: NodeName[] };
  loss?: { percent: number; slotMs: number };
  delay?: { ms: number; jitterMs: number };
  /** health: the lengths of the failed / healthy phases, starting with failed (ends healthy); cloud: failed, restored. */
  phasesMs?: number[];
  cloud?: CloudFaultPlan;
}

const WEIGHTS: Record<FaultKind, number> = {
  kill: 3,
  stop: 3,
  link: 3,
  partition: 3,
  loss: 2,
  delay: 2,
  health: 3,
  cloud: 3,
  outage: 1,
};

const int = (r: Random, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Faults hit the master (a) most often: that is where failover happens. */
function anyNode(r: Random): NodeName {
  const x = r();
  return x < 0.5 ? 'a' : x < 0.8 ? 'b' : 'k';
}

/** The simulator's fault rules for one cloud round (on the VPC API the claims use). */
function cloudFaults(r: Random, vipPort: string): CloudFaultPlan {
  const path = `/ports/${vipPort}$`;
  const style = pick(r, ['5xx', 'hang', '429', 'slow', 'mixed'] as const);
  switch (style) {
    case '5xx': {
      const status = pick(r, [500, 502, 503, 504]);
      const pct = int(r, 50, 100);
      return { label: `${status} on ${pct}% of VIP port requests`, rules: [{ api: 'vpc', path, errorRate: pct / 100, errorStatus: status }] };
    }
    case 'hang': {
      const hangMs = int(r, 1500, 4000);
      const pct = int(r, 50, 100);
      return { label: `${pct}% of VIP port requests hang ${hangMs} ms`, rules: [{ api: 'vpc', path, hangRate: pct / 100, hangMs }] };
    }
    case '429': {
      const pct = int(r, 50, 100);
      return { label: `429 (Retry-After 1) on ${pct}% of VPC requests`, rules: [{ api: 'vpc', throttleRate: pct / 100, retryAfterSeconds: 1 }] };
    }
    case 'slow': {
      // Answers later than the client's timeout: the write may land after the client gave up.
      const latencyMs = int(r, 500, 3000);
      return { label: `VIP port requests answered after ${latencyMs} ms`, rules: [{ api: 'vpc', path, latencyMs }] };
    }
    case 'mixed': {
      const rules: FaultRule[] = [
        { api: 'vpc', path, errorRate: 0.4, errorStatus: 503 },
        { api: 'vpc', path, hangRate: 0.3, hangMs: int(r, 1500, 3000) },
        { api: 'vpc', path, latencyMs: int(r, 50, 400) },
      ];
      return { label: 'mixed: 40% 503, 30% hangs, added latency', rules };
    }
  }
}

function planOne(r: Random, round: number, kind: FaultKind, vipPort: string): FaultPlan {
  const base = { round, kind };
  switch (kind) {
    case 'kill':
      return { ...base, target: anyNode(r), durationMs: int(r, 0, 2000) };
    case 'stop':
      return { ...base, target: anyNode(r), durationMs: int(r, 300, 3000) };
    case 'link':
      return { ...base, target: anyNode(r), durationMs: int(r, 300, 3000) };
    case 'partition': {
      const style = r() < 0.4 ? 'all' : 'pair';
      const nodes: NodeName[] = style === 'all' ? ['a', 'b', 'k'] : pick(r, [['a', 'b'], ['a', 'k'], ['b', 'k']] as NodeName[][]);
      return { ...base, target: nodes[0]!, durationMs: int(r, 500, 3000), partition: { style, nodes } };
    }
    case 'loss':
      return { ...base, target: anyNode(r), durationMs: int(r, 2000, 5000), loss: { percent: int(r, 20, 70), slotMs: int(r, 50, 150) } };
    case 'delay':
      return { ...base, target: anyNode(r), durationMs: int(r, 2000, 5000), delay: { ms: int(r, 20, 400), jitterMs: int(r, 0, 100) } };
    case 'health': {
      const n = 2 * int(r, 1, 3) - 1; // odd: failed, healthy, failed, ... ends failed, then healed
      const phasesMs = Array.from({ length: n }, () => int(r, 300, 2000));
      const target: NodeName = r() < 0.7 ? 'a' : 'b';
      return { ...base, target, durationMs: phasesMs.reduce((s, x) => s + x, 0), phasesMs };
    }
    case 'cloud': {
      // a's script fails for the first phase (the VIP moves to b), then a is restored and
      // takes the VIP back; the API faults last a little longer, so a's claim is usually
      // still retrying when they clear.
      const phasesMs = [int(r, 1500, 4000), int(r, 300, 2500)];
      return { ...base, target: 'a', durationMs: phasesMs[0]! + phasesMs[1]!, phasesMs, cloud: cloudFaults(r, vipPort) };
    }
    case 'outage':
      return { ...base, target: 'a', durationMs: int(r, 1500, 3000) };
  }
}

/**
 * An endless, reproducible schedule. `kinds` lists the kinds this machine can inject
 * (delay needs netem); the schedule depends on it, and the run prints it.
 */
export function* schedule(seed: number, kinds: readonly FaultKind[], vipPort: string): Generator<FaultPlan> {
  const r = seededRandom(seed);
  const first = [...kinds];
  for (let i = first.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [first[i], first[j]] = [first[j]!, first[i]!];
  }
  let round = 1;
  for (const kind of first) yield planOne(r, round++, kind, vipPort);
  const total = kinds.reduce((s, k) => s + WEIGHTS[k], 0);
  for (;;) {
    let x = r() * total;
    let kind = kinds[kinds.length - 1]!;
    for (const k of kinds) {
      x -= WEIGHTS[k];
      if (x < 0) {
        kind = k;
        break;
      }
    }
    yield planOne(r, round++, kind, vipPort);
  }
}

/**
 * The schedule's times are drawn for advert_int 0.2 s; a slower mode (VRRPv2, 1 s) scales
 * them by advert_int / 0.2 so that faults still outlast Master_Down_Interval as often.
 */
export function scalePlan(p: FaultPlan, factor: number): FaultPlan {
  if (factor === 1) return p;
  const k = (ms: number) => Math.round(ms * factor);
  return {
    ...p,
    durationMs: k(p.durationMs),
    ...(p.phasesMs ? { phasesMs: p.phasesMs.map(k) } : {}),
    ...(p.loss ? { loss: { ...p.loss, slotMs: k(p.loss.slotMs) } } : {}),
  };
}

/** A one-line description of a planned fault, printed with the round and every violation. */
export function describePlan(p: FaultPlan): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  switch (p.kind) {
    case 'kill':
      return `kill(${p.target}: SIGKILL, restart after ${s(p.durationMs)})`;
    case 'stop':
      return `stop(${p.target}: SIGSTOP for ${s(p.durationMs)})`;
    case 'link':
      return `link(${p.target}: down for ${s(p.durationMs)})`;
    case 'partition':
      return `partition(${p.partition!.style === 'all' ? 'every node alone' : `${p.partition!.nodes.join(' x ')} cannot hear each other`} for ${s(p.durationMs)})`;
    case 'loss':
      return `loss(${p.target}: ${p.loss!.percent}% both ways for ${s(p.durationMs)})`;
    case 'delay':
      return `delay(${p.target}: ${p.delay!.ms}±${p.delay!.jitterMs} ms for ${s(p.durationMs)})`;
    case 'health':
      return `health(${p.target}: script failing/ok phases ${p.phasesMs!.map((x) => s(x)).join(', ')})`;
    case 'cloud':
      return `cloud(${p.cloud!.label}; a's script fails ${s(p.phasesMs![0]!)}, API faults end ${s(p.phasesMs![1]!)} after it is restored)`;
    case 'outage':
      return `outage(a and b links down for ${s(p.durationMs)}: keepalived takes over)`;
  }
}

/** Parse a seed given as decimal or 0x hex. */
export function parseSeed(text: string): number {
  const n = text.startsWith('0x') ? Number.parseInt(text.slice(2), 16) : Number.parseInt(text, 10);
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`seed must be an integer in 0..2^32-1, got '${text}'`);
  return n;
}
