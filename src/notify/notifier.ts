/**
 * Notify scripts and FIFO lines for instance and sync-group transitions.
 *
 * As keepalived 2.2.7: on a transition the state's own script (notify_master, _backup,
 * _fault, _stop) runs with only its configured argv, then the generic `notify` with four
 * more arguments (format.ts); every configured FIFO gets one line. Scripts run without a
 * shell, in their own process group, as their user/group.
 *
 * Beyond keepalived: the scripts of one instance (or group) run strictly in transition
 * order. A script starts only when the previous one for the same instance has finished,
 * or was killed after `timeoutMs` (default 10 s: SIGTERM to its group, SIGKILL 2 s later).
 * So a slow BACKUP script can never finish after the MASTER script that followed it.
 * Different instances do not wait for each other. FIFO lines are written at once, in
 * call order, before any script starts.
 *
 * At shutdown the daemon calls notify(STOP) per instance/group, then `drain(boundMs)`:
 * it resolves when every queued script has run, or, when the bound passes first, kills
 * what runs, drops what has not started, and resolves once the killed ones are gone.
 */
import { systemClock, type Clock } from '../track/clock.js';
import { execCommand, type Execution, type SpawnFn } from '../track/exec.js';
import type { LineSink } from './fifo.js';
import { fifoLine, genericArgv, type FifoState, type NotifyKind, type NotifyScriptState } from './format.js';

export interface NotifyScript {
  /** Already split (argv.ts) and checked (security.ts). */
  argv: readonly string[];
  uid?: number;
  gid?: number;
}

export interface NotifyTarget {
  kind: NotifyKind;
  name: string;
  master?: NotifyScript;
  backup?: NotifyScript;
  fault?: NotifyScript;
  stop?: NotifyScript;
  /** notify: gets INSTANCE|GROUP, name, state, priority appended. */
  generic?: NotifyScript;
  /** notify_master_rx_lower_pri (instances only). */
  masterRxLowerPri?: NotifyScript;
}

export interface NotifyEvent {
  kind: NotifyKind;
  name: string;
  state: NotifyScriptState | 'MASTER_RX_LOWER_PRI';
  /** Effective priority (ignored for groups, which report 0). */
  priority: number;
}

export type NotifyLogEvent =
  | { type: 'notify_started'; target: string; state: string; argv: readonly string[]; pid: number | undefined }
  | { type: 'notify_finished'; target: string; state: string; status: number | null; signal: string | null; durationMs: number; output: string }
  | { type: 'notify_timeout'; target: string; state: string; argv: readonly string[]; timeoutMs: number }
  | { type: 'notify_spawn_error'; target: string; state: string; argv: readonly string[]; error: string }
  | { type: 'notify_dropped'; target: string; state: string; argv: readonly string[]; reason: 'shutdown' }
  | { type: 'fifo_dropped'; line: string };

export interface NotifierOptions {
  targets: NotifyTarget[];
  fifos?: LineSink[];
  /** Per-script limit before it is killed (default 10000 ms). */
  timeoutMs?: number;
  killGraceMs?: number;
  outputLimit?: number;
  clock?: Clock;
  spawn?: SpawnFn;
  onEvent?: (e: NotifyLogEvent) => void;
}

export interface NotifierStats {
  started: number;
  timedOut: number;
  dropped: number;
  fifoLines: number;
  fifoDropped: number;
}

interface Job {
  target: string;
  state: string;
  script: NotifyScript;
  argv: readonly string[];
  done: () => void;
}

/** Scripts of one target, one at a time, in order. */
class SerialQueue {
  private readonly jobs: Job[] = [];
  current: { job: Job; exec: Execution } | undefined;
  private busy = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly run: (job: Job) => { exec: Execution; finished: Promise<void> }) {}

  push(job: Job): void {
    this.jobs.push(job);
    if (!this.busy) void this.drainLoop();
  }

  get queued(): number {
    return this.jobs.length;
  }

  get idle(): boolean {
    return !this.busy && this.jobs.length === 0;
  }

  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Remove jobs not started yet and return them. */
  dropQueued(): Job[] {
    return this.jobs.splice(0);
  }

  private async drainLoop(): Promise<void> {
    this.busy = true;
    for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
      const { exec, finished } = this.run(job);
      this.current = { job, exec };
      await finished;
      this.current = undefined;
      job.done();
    }
    this.busy = false;
    for (const r of this.idleWaiters.splice(0)) r();
  }
}

export class Notifier {
  readonly stats: NotifierStats = { started: 0, timedOut: 0, dropped: 0, fifoLines: 0, fifoDropped: 0 };
  private readonly targets = new Map<string, NotifyTarget>();
  private readonly queues = new Map<string, SerialQueue>();
  private readonly clock: Clock;
  private closing = false;

  constructor(private readonly opts: NotifierOptions) {
    this.clock = opts.clock ?? systemClock;
    for (const t of opts.targets) this.targets.set(key(t.kind, t.name), t);
  }

  /**
   * Report a transition: FIFO lines now, scripts queued behind earlier ones of the same
   * target. Resolves when this event's scripts have finished (or been killed / dropped).
   */
  notify(ev: NotifyEvent): Promise<void> {
    this.writeFifo(ev.kind, ev.name, ev.state, ev.priority);
    const t = this.targets.get(key(ev.kind, ev.name));
    if (!t) return Promise.resolve();
    const runs: Array<{ script: NotifyScript; argv: readonly string[] }> = [];
    const own = ev.state === 'MASTER_RX_LOWER_PRI' ? t.masterRxLowerPri : t[ev.state.toLowerCase() as 'master' | 'backup' | 'fault' | 'stop'];
    if (own) runs.push({ script: own, argv: own.argv });
    if (t.generic && ev.state !== 'MASTER_RX_LOWER_PRI') {
      runs.push({ script: t.generic, argv: genericArgv(t.generic.argv, ev.kind, ev.name, ev.state, ev.priority) });
    }
    const q = this.queue(key(ev.kind, ev.name));
    return Promise.all(
      runs.map(
        (r) =>
          new Promise<void>((done) => {
            const job: Job = { target: key(ev.kind, ev.name), state: ev.state, script: r.script, argv: r.argv, done };
            if (this.closing) {
              this.dropJob(job);
              return;
            }
            q.push(job);
          }),
      ),
    ).then(() => undefined);
  }

  /** notify_priority_changes: FIFO only (`INSTANCE "VI_1" MASTER_PRIORITY 220`). */
  notifyPriority(kind: NotifyKind, name: string, state: 'MASTER' | 'BACKUP', priority: number): void {
    this.writeFifo(kind, name, state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY', priority);
  }

  /** Scripts queued or running for one target (for status output). */
  backlog(kind: NotifyKind, name: string): number {
    const q = this.queues.get(key(kind, name));
    return q ? (q.current ? 1 : 0) + q.queued : 0;
  }

  /**
   * Wait for every queued script, at most `boundMs`. Past the bound: scripts not yet
   * started are dropped, running ones are terminated (SIGTERM, SIGKILL after the grace)
   * and waited for. Returns whether everything ran to completion.
   */
  async drain(boundMs: number): Promise<{ complete: boolean; dropped: number; killed: number }> {
    const all = (): Promise<void> => Promise.all([...this.queues.values()].map((q) => q.whenIdle())).then(() => undefined);
    let timer;
    const bound = new Promise<'bound'>((r) => (timer = this.clock.setTimeout(() => r('bound'), boundMs)));
    const first = await Promise.race([all().then(() => 'idle' as const), bound]);
    this.clock.clearTimeout(timer);
    if (first === 'idle') return { complete: true, dropped: 0, killed: 0 };
    this.closing = true;
    let dropped = 0;
    let killed = 0;
    for (const q of this.queues.values()) {
      for (const job of q.dropQueued()) {
        this.dropJob(job);
        dropped++;
      }
      if (q.current) {
        q.current.exec.terminate();
        killed++;
      }
    }
    await all();
    return { complete: false, dropped, killed };
  }

  private dropJob(job: Job): void {
    this.stats.dropped++;
    this.opts.onEvent?.({ type: 'notify_dropped', target: job.target, state: job.state, argv: job.argv, reason: 'shutdown' });
    job.done();
  }

  private writeFifo(kind: NotifyKind, name: string, state: FifoState, priority: number): void {
    const line = fifoLine(kind, name, state, priority);
    for (const f of this.opts.fifos ?? []) {
      if (f.write(line)) this.stats.fifoLines++;
      else {
        this.stats.fifoDropped++;
        this.opts.onEvent?.({ type: 'fifo_dropped', line: line.trimEnd() });
      }
    }
  }

  private queue(k: string): SerialQueue {
    let q = this.queues.get(k);
    if (!q) {
      q = new SerialQueue((job) => this.start(job));
      this.queues.set(k, q);
    }
    return q;
  }

  private start(job: Job): { exec: Execution; finished: Promise<void> } {
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    const exec = execCommand({
      argv: job.argv,
      timeoutMs,
      killGraceMs: this.opts.killGraceMs ?? 2000,
      uid: job.script.uid,
      gid: job.script.gid,
      outputLimit: this.opts.outputLimit ?? 4096,
      clock: this.clock,
      spawn: this.opts.spawn,
    });
    this.stats.started++;
    void exec.spawned.then((pid) => this.opts.onEvent?.({ type: 'notify_started', target: job.target, state: job.state, argv: job.argv, pid }));
    const finished = exec.result.then((r) => {
      if (r.timedOut) {
        this.stats.timedOut++;
        this.opts.onEvent?.({ type: 'notify_timeout', target: job.target, state: job.state, argv: job.argv, timeoutMs });
      }
      if (r.spawnError) {
        this.opts.onEvent?.({ type: 'notify_spawn_error', target: job.target, state: job.state, argv: job.argv, error: `${r.spawnError.code}: ${r.spawnError.message}` });
      }
      this.opts.onEvent?.({
        type: 'notify_finished',
        target: job.target,
        state: job.state,
        status: r.status,
        signal: r.signal,
        durationMs: r.endedAt - r.startedAt,
        output: r.output,
      });
    });
    return { exec, finished };
  }
}

function key(kind: NotifyKind, name: string): string {
  return `${kind}:${name}`;
}
