/**
 * The chaos run: a three-node lab, seeded rounds of faults, and after each fault heals the
 * invariants of invariants.ts checked against their deadlines, then held for a while.
 * Used by `npm run chaos` (scripts/chaos.ts) and by the CI short form (chaos.test.ts).
 *
 * Every round line and every violation carries the seed; the schedule is a function of the
 * seed alone (plan.ts), so `npm run chaos -- --seed S --rounds N` replays the same faults.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RETRY_POLICY } from '../../src/cloud/backoff.js';
import { CLOUD_VERIFY_INTERVAL_MS } from '../../src/shell/cloud.js';
import { CloudLab, VIP_PORT } from '../integration/helpers-cloud.js';
import { inject, type FaultOutcome } from './faults.js';
import { probeDelay, probeNetem, type DelayMethod } from './impair.js';
import { cloudProblems, describeSnapshot, masterOf, snapshot, vrrpProblems, type Snapshot } from './invariants.js';
import { describePlan, FAULT_KINDS, scalePlan, schedule, type FaultKind, type FaultPlan } from './plan.js';
import { ChaosLab, CHAOS_MODES, CLOUD_TIMEOUT_S, EXPECTED_MASTER, NODES, type ChaosModeName } from './topology.js';

export interface ChaosOptions {
  seed: number;
  /** Stop after this many rounds (default: unlimited when durationMs is given, else 20). */
  rounds?: number;
  /** Stop starting rounds after this long (ms). */
  durationMs?: number;
  mode?: ChaosModeName;
  /** How long the converged state must then hold (ms, default 1000). */
  holdMs?: number;
  /** Where round lines go (default: stdout). */
  log?: (line: string) => void;
  /** Directory for violation details (daemon logs, simulator log, pcap); default a temp dir. */
  outDir?: string;
}

export interface Violation {
  seed: number;
  round: number;
  fault: string;
  phase: 'mid-fault' | 'vrrp' | 'cloud' | 'no-convergence' | 'error';
  problems: string[];
  snapshot?: string;
  /** Where the details were written. */
  details?: string;
}

export interface ChaosSummary {
  seed: number;
  mode: ChaosModeName;
  rounds: number;
  elapsedMs: number;
  injected: Record<FaultKind, number>;
  skipped: Array<{ kind: FaultKind; reason: string }>;
  violations: Violation[];
  /** heal -> VRRP invariants hold, per round (ms, 0 when they never broke). */
  vrrpConvergeMs: number[];
  /** heal -> cloud invariant holds, per round. */
  cloudConvergeMs: number[];
  vrrpBoundMs: number;
  /** VRRP bound + 1 s: a claim lands promptly once the new MASTER is in place. */
  cloudBoundMs: number;
  /** Added when the fault touched the cloud path: request timeout + backoff ceiling. */
  cloudRetryAllowanceMs: number;
  /** Added when the fault may have split the brain or delayed writes: one verification interval. */
  cloudVerifyAllowanceMs: number;
}

/** How long after the deadline a round keeps waiting for convergence before resetting the lab. */
const RECOVERY_MS = 30_000;
const POLL_MS = 50;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosSummary> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const modeName = opts.mode ?? 'v3';
  const mode = CHAOS_MODES[modeName];
  const seed = opts.seed >>> 0;
  const holdMs = opts.holdMs ?? 1000;
  const maxRounds = opts.rounds ?? (opts.durationMs ? Infinity : 20);
  const tag = `[chaos seed=${seed}]`;
  const outDir = opts.outDir ?? join(tmpdir(), `keepvip-chaos-${seed}-${Date.now()}`);

  const started = Date.now();
  const cl = await ChaosLab.create(mode, (seed ^ 0x5eed) >>> 0);
  const summary: ChaosSummary = {
    seed,
    mode: modeName,
    rounds: 0,
    elapsedMs: 0,
    injected: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    skipped: [],
    violations: [],
    vrrpConvergeMs: [],
    cloudConvergeMs: [],
    vrrpBoundMs: cl.maxMasterDownMs + 1000,
    cloudBoundMs: cl.maxMasterDownMs + 2000,
    cloudRetryAllowanceMs: CLOUD_TIMEOUT_S * 1000 + DEFAULT_RETRY_POLICY.capMs,
    cloudVerifyAllowanceMs: CLOUD_VERIFY_INTERVAL_MS,
  };
  try {
    const netem = probeNetem(cl.lab, 'a');
    const delay = await probeDelay(cl.lab, 'a', netem);
    const kinds = FAULT_KINDS.filter((k) => k !== 'delay' || delay.method !== 'none');
    if (delay.method === 'none') {
      summary.skipped.push({ kind: 'delay', reason: delay.reason });
    }
    log(`${tag} keepvip chaos: ${mode.name}, advert_int ${mode.advertInt} s; nodes ${NODES.map((n) => `${n.name}=${n.impl}/${n.priority}`).join(' ')}`);
    log(`${tag} replay with: npm run chaos -- --seed ${seed} --mode ${modeName}${Number.isFinite(maxRounds) ? ` --rounds ${maxRounds}` : ''}`);
    log(`${tag} kinds: ${kinds.join(', ')}`);
    if (!netem.available) {
      log(`${tag} netem: NOT available here (${netem.reason}): 'loss' is emulated by flapping a blackhole qdisc on both ends of the node's link`);
    }
    if (delay.method === 'nfqueue') log(`${tag} 'delay' is emulated with NFQUEUE: iptables in the node's namespace hand its IP packets to a delayer (test/chaos/nfq-delay.ts)`);
    if (delay.method === 'none') log(`${tag} fault kind 'delay' is SKIPPED: ${delay.reason}`);
    log(
      `${tag} bounds after heal: VRRP ${summary.vrrpBoundMs.toFixed(0)} ms (Master_Down_Interval ${cl.maxMasterDownMs.toFixed(0)} ms + 1 s); ` +
        `cloud ${summary.cloudBoundMs.toFixed(0)} ms (VRRP + 1 s), + ${summary.cloudRetryAllowanceMs} ms when the fault touched the cloud path ` +
        `(request timeout ${CLOUD_TIMEOUT_S} s + backoff ceiling ${DEFAULT_RETRY_POLICY.capMs} ms), + ${summary.cloudVerifyAllowanceMs} ms when it may have split the brain ` +
        `or delayed a write (one MASTER verification interval); hold ${holdMs} ms`,
    );
    await cl.startAll();
    log(`${tag} lab up in ${Date.now() - started} ms: a MASTER, the cloud names a`);

    const timeScale = Math.max(1, mode.advertInt / 0.2);
    if (timeScale !== 1) log(`${tag} fault times scaled by ${timeScale} (advert_int ${mode.advertInt} s)`);
    const plans = schedule(seed, kinds, VIP_PORT);
    for (const plan of plans) {
      if (summary.rounds >= maxRounds) break;
      if (opts.durationMs !== undefined && Date.now() - started >= opts.durationMs) break;
      summary.rounds++;
      summary.injected[plan.kind]++;
      await runRound(cl, scalePlan(plan, timeScale), { seed, netem: netem.available, delay: delay.method, holdMs, log, tag, outDir, summary });
    }
  } finally {
    summary.elapsedMs = Date.now() - started;
    await cl.close();
  }
  printSummary(summary, log);
  return summary;
}

interface RoundContext {
  seed: number;
  netem: boolean;
  delay: DelayMethod['method'];
  holdMs: number;
  log: (line: string) => void;
  tag: string;
  outDir: string;
  summary: ChaosSummary;
}

async function runRound(cl: ChaosLab, plan: FaultPlan, rc: RoundContext): Promise<void> {
  const fault = describePlan(plan);
  const head = `${rc.tag} round ${plan.round} ${fault}`;
  const t0 = Date.now();
  const violate = async (phase: Violation['phase'], problems: string[], snap?: Snapshot) => {
    const v: Violation = { seed: rc.seed, round: plan.round, fault, phase, problems, ...(snap ? { snapshot: describeSnapshot(snap) } : {}) };
    v.details = await saveDetails(cl, v, t0, rc.outDir);
    rc.summary.violations.push(v);
    rc.log(
      `${rc.tag} VIOLATION round ${plan.round} ${fault} [${phase}]: ${problems.join('; ')}${v.snapshot ? ` | ${v.snapshot}` : ''} | ` +
        `details: ${v.details} | replay: npm run chaos -- --seed ${rc.seed} --mode ${rc.summary.mode} --rounds ${plan.round}`,
    );
  };
  await cl.cl.clearLog().catch(() => undefined);

  let outcome: FaultOutcome;
  try {
    outcome = await inject(cl, plan, { seed: rc.seed, netem: rc.netem, delay: rc.delay });
  } catch (e) {
    await violate('error', [`the harness failed to inject or heal: ${(e as Error).stack ?? String(e)}`]);
    await cl.resetAll();
    return;
  }
  if (outcome.midProblems.length) await violate('mid-fault', outcome.midProblems);

  const healed = outcome.healedAt;
  const vrrpDeadline = healed + rc.summary.vrrpBoundMs;
  const cloudDeadline =
    healed +
    rc.summary.cloudBoundMs +
    (outcome.cloudTouched ? rc.summary.cloudRetryAllowanceMs : 0) +
    (outcome.splitBrain ? rc.summary.cloudVerifyAllowanceMs : 0);
  // Anything goes before the deadlines. From its deadline on, each invariant must hold at
  // every snapshot and no daemon may log a state change; the round ends once everything
  // has held for holdMs and the VRRP deadline has passed.
  let vrrpSince: number | undefined;
  let cloudSince: number | undefined;
  const reported = new Set<string>();
  let snap: Snapshot;
  for (;;) {
    snap = await snapshot(cl, { cloud: true });
    const vp = vrrpProblems(snap, EXPECTED_MASTER);
    const cp = cloudProblems(snap, masterOf(snap));
    if (snap.t > vrrpDeadline) {
      const from = Math.max(vrrpDeadline, vrrpSince ?? vrrpDeadline);
      for (const n of NODES) {
        const changed = cl.daemon(n.name)?.states.filter((x) => x.t > from) ?? [];
        if (changed.length) vp.push(`${n.name} logged ${changed.map((x) => x.state).join(' -> ')} after the deadline`);
      }
    }
    vrrpSince = vp.length ? undefined : (vrrpSince ?? snap.t);
    cloudSince = cp.length || vp.length ? undefined : (cloudSince ?? snap.t);
    if (vp.length && snap.t > vrrpDeadline && !reported.has('vrrp')) {
      reported.add('vrrp');
      await violate('vrrp', [...vp, `${snap.t - healed} ms after heal (bound ${rc.summary.vrrpBoundMs.toFixed(0)} ms)`], snap);
    }
    if (cp.length && snap.t > cloudDeadline && !reported.has('cloud')) {
      reported.add('cloud');
      await violate('cloud', [...cp, `${snap.t - healed} ms after heal (bound ${(cloudDeadline - healed).toFixed(0)} ms)`], snap);
    }
    if (cloudSince !== undefined && snap.t >= vrrpDeadline && snap.t - cloudSince >= rc.holdMs) break;
    if (snap.t > Math.max(vrrpDeadline, cloudDeadline) + RECOVERY_MS) {
      await violate('no-convergence', [...vp, ...cp, `not converged ${RECOVERY_MS} ms past the deadline: resetting the lab`], snap);
      await cl.resetAll();
      return;
    }
    await sleep(POLL_MS);
  }
  const vrrpMs = Math.max(0, vrrpSince! - healed);
  const cloudMs = Math.max(0, cloudSince! - healed);
  rc.summary.vrrpConvergeMs.push(vrrpMs);
  rc.summary.cloudConvergeMs.push(cloudMs);
  const late = reported.size ? ` (LATE: settled ${snap.t - rc.holdMs - healed} ms after heal)` : '';
  rc.log(`${head}: VRRP ok +${vrrpMs} ms, cloud ok +${cloudMs} ms${late}${outcome.note ? ` (${outcome.note})` : ''}`);
}

/** Write the round's daemon logs, the simulator's log and the capture to a file; returns its path. */
async function saveDetails(cl: ChaosLab, v: Violation, t0: number, outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `round-${v.round}-${v.phase}`);
  let sim = '';
  try {
    sim = CloudLab.describeLog(await cl.cl.log(), t0 - 1, 200);
  } catch (e) {
    sim = `(simulator log unavailable: ${(e as Error).message})`;
  }
  const text = [
    `seed ${v.seed} round ${v.round}: ${v.fault}`,
    `phase ${v.phase}: ${v.problems.join('\n  ')}`,
    v.snapshot ?? '',
    '',
    cl.vl.explain(t0 - 1),
    '--- simulator log ---',
    sim,
  ].join('\n');
  writeFileSync(`${base}.txt`, text);
  try {
    cl.vl.capture.savePcap(`${base}.pcap`);
  } catch {
    /* best effort */
  }
  return `${base}.txt`;
}

export function printSummary(s: ChaosSummary, log: (line: string) => void): void {
  const tag = `[chaos seed=${s.seed}]`;
  const stats = (xs: number[]) =>
    xs.length ? `p50 ${percentile(xs, 50).toFixed(0)} ms, p95 ${percentile(xs, 95).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms` : 'n/a';
  log(`${tag} ===== summary: ${s.rounds} rounds in ${(s.elapsedMs / 1000).toFixed(1)} s (${CHAOS_MODES[s.mode].name}) =====`);
  log(`${tag} faults injected: ${FAULT_KINDS.map((k) => `${k} ${s.injected[k]}`).join(', ')}`);
  for (const k of s.skipped) log(`${tag} skipped kind: ${k.kind}: ${k.reason}`);
  log(`${tag} heal -> VRRP invariants hold: ${stats(s.vrrpConvergeMs)} (bound ${s.vrrpBoundMs.toFixed(0)} ms)`);
  log(`${tag} heal -> cloud invariant holds: ${stats(s.cloudConvergeMs)} (bound ${s.cloudBoundMs.toFixed(0)} ms + ${s.cloudRetryAllowanceMs} ms retry + ${s.cloudVerifyAllowanceMs} ms verify, as applicable)`);
  log(`${tag} violations: ${s.violations.length}`);
  for (const v of s.violations) log(`${tag}   round ${v.round} ${v.fault} [${v.phase}]: ${v.problems.join('; ')}`);
}
