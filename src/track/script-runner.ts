/**
 * Runs one vrrp_script periodically (keepalived 2.2.7 semantics, see docs/tracking.md):
 * - the first run starts at once, then one every `interval` (fixed rate); a tick that
 *   finds the previous run still going is skipped: the same script never runs twice at once;
 * - `timeout` (0 = interval): the process group gets SIGTERM, then SIGKILL 2 s later
 *   (at once when the leader exits first); the run counts as a failure;
 * - exit status 0 = success, anything else (or a signal) = failure;
 * - asynchronous child_process, no shell, own process group, optional uid/gid;
 * - output (stdout+stderr, bounded) goes to the event callback for debug logging.
 * The `</path` / `</dev/tcp/HOST/PORT` form is checked natively (open-check.ts).
 * Results go to `onResult` (feed TrackingHub.scriptResult with `ok`).
 */
import { openCheckOf } from './argv.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { execCommand, type Execution, type SpawnFn } from './exec.js';
import { runOpenCheck } from './open-check.js';

export interface ScriptRunnerOptions {
  name: string;
  /** argv[0] should be the program checked by security.checkScript (absolute path). */
  argv: readonly string[];
  intervalMs: number;
  /** 0 = the interval (keepalived). */
  timeoutMs: number;
  uid?: number;
  gid?: number;
  killGraceMs?: number;
  outputLimit?: number;
  clock?: Clock;
  spawn?: SpawnFn;
  /** The "</path" check (injectable for tests; default open-check.ts). */
  openCheck?: typeof runOpenCheck;
  onResult: (r: ScriptRunResult) => void;
  onEvent?: (e: ScriptEvent) => void;
}

export interface ScriptRunResult {
  name: string;
  ok: boolean;
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  output: string;
  outputDropped: number;
  /** The process could not be started (a failure). */
  error?: string;
}

export type ScriptEvent =
  | { type: 'script_started'; name: string; pid: number | undefined }
  | { type: 'script_skipped'; name: string; reason: 'still_running' }
  | { type: 'script_timeout'; name: string; pid: number | undefined; timeoutMs: number }
  | { type: 'script_output'; name: string; output: string; dropped: number }
  | { type: 'script_spawn_error'; name: string; error: string }
  | { type: 'script_result'; name: string; ok: boolean; status: number | null; signal: string | null; timedOut: boolean };

export interface ScriptRunnerStats {
  runs: number;
  skipped: number;
  timeouts: number;
  failures: number;
}

export class ScriptRunner {
  readonly name: string;
  readonly stats: ScriptRunnerStats = { runs: 0, skipped: 0, timeouts: 0, failures: 0 };
  private readonly clock: Clock;
  private tick: TimerHandle | undefined;
  private started = false;
  private stopped = false;
  private nextAt = 0;
  private current: { exec?: Execution; abort?: AbortController; done: Promise<ScriptRunResult> } | undefined;

  constructor(private readonly opts: ScriptRunnerOptions) {
    this.name = opts.name;
    this.clock = opts.clock ?? systemClock;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  get timeoutMs(): number {
    return this.opts.timeoutMs > 0 ? this.opts.timeoutMs : this.opts.intervalMs;
  }

  /** First run now, then one per interval. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.nextAt = this.clock.now();
    this.onTick();
  }

  /** Stop scheduling, terminate a run in progress (SIGTERM, SIGKILL after the grace), wait for it. */
  async stop(): Promise<void> {
    this.started = false;
    this.stopped = true;
    this.clock.clearTimeout(this.tick);
    this.tick = undefined;
    const cur = this.current;
    if (!cur) return;
    cur.exec?.terminate();
    cur.abort?.abort();
    await cur.done;
  }

  /** Run once now unless a run is in progress (then undefined: skipped). */
  runOnce(): Promise<ScriptRunResult> | undefined {
    if (this.current) {
      this.stats.skipped++;
      this.opts.onEvent?.({ type: 'script_skipped', name: this.name, reason: 'still_running' });
      return undefined;
    }
    this.stats.runs++;
    const check = openCheckOf(this.opts.argv);
    const slot: { exec?: Execution; abort?: AbortController; done?: Promise<ScriptRunResult> } = {};
    // The run functions set slot.exec / slot.abort synchronously, before their first await.
    this.current = slot as { done: Promise<ScriptRunResult> };
    const done = check ? this.runCheck(slot, check) : this.runProcess(slot);
    slot.done = done;
    return done;
  }

  private onTick(): void {
    if (!this.started) return;
    this.runOnce();
    // Fixed rate: the next tick is one interval after the previous one, however long runs take.
    this.nextAt += this.opts.intervalMs;
    const now = this.clock.now();
    if (this.nextAt < now) this.nextAt = now + this.opts.intervalMs;
    this.tick = this.clock.setTimeout(() => this.onTick(), this.nextAt - now);
  }

  private async runProcess(slot: { exec?: Execution }): Promise<ScriptRunResult> {
    const o = this.opts;
    const exec = execCommand({
      argv: o.argv,
      timeoutMs: this.timeoutMs,
      killGraceMs: o.killGraceMs ?? 2000,
      uid: o.uid,
      gid: o.gid,
      outputLimit: o.outputLimit ?? 4096,
      clock: this.clock,
      spawn: o.spawn,
    });
    slot.exec = exec;
    const pid = await exec.spawned;
    o.onEvent?.({ type: 'script_started', name: this.name, pid });
    const r = await exec.result;
    if (r.timedOut) {
      this.stats.timeouts++;
      o.onEvent?.({ type: 'script_timeout', name: this.name, pid: r.pid, timeoutMs: this.timeoutMs });
    }
    if (r.output.length || r.outputDropped) o.onEvent?.({ type: 'script_output', name: this.name, output: r.output, dropped: r.outputDropped });
    if (r.spawnError) o.onEvent?.({ type: 'script_spawn_error', name: this.name, error: `${r.spawnError.code}: ${r.spawnError.message}` });
    const result: ScriptRunResult = {
      name: this.name,
      ok: !r.timedOut && !r.spawnError && r.status === 0,
      status: r.status,
      signal: r.signal,
      timedOut: r.timedOut,
      durationMs: r.endedAt - r.startedAt,
      output: r.output,
      outputDropped: r.outputDropped,
    };
    if (r.spawnError) result.error = `${r.spawnError.code}: ${r.spawnError.message}`;
    return this.deliver(result);
  }

  private async runCheck(slot: { abort?: AbortController }, check: NonNullable<ReturnType<typeof openCheckOf>>): Promise<ScriptRunResult> {
    const abort = new AbortController();
    slot.abort = abort;
    const t0 = this.clock.now();
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.timeoutMs);
    const outcome = await (this.opts.openCheck ?? runOpenCheck)(check, abort.signal);
    this.clock.clearTimeout(timer);
    if (timedOut) {
      this.stats.timeouts++;
      this.opts.onEvent?.({ type: 'script_timeout', name: this.name, pid: undefined, timeoutMs: this.timeoutMs });
    }
    const ok = outcome.ok && !timedOut;
    this.opts.onEvent?.({ type: 'script_output', name: this.name, output: outcome.detail, dropped: 0 });
    return this.deliver({
      name: this.name,
      ok,
      status: ok ? 0 : 1,
      signal: null,
      timedOut,
      durationMs: this.clock.now() - t0,
      output: outcome.detail,
      outputDropped: 0,
    });
  }

  private deliver(r: ScriptRunResult): ScriptRunResult {
    this.current = undefined;
    if (!r.ok) this.stats.failures++;
    this.opts.onEvent?.({ type: 'script_result', name: this.name, ok: r.ok, status: r.status, signal: r.signal, timedOut: r.timedOut });
    // A run cut short by stop() is not reported: the tracker is going away.
    if (!this.stopped) this.opts.onResult(r);
    return r;
  }
}
