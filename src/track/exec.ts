/**
 * Run one command without a shell, in its own process group, with a timeout.
 *
 * Shared by tracking scripts and notify scripts. The child is spawned detached (setsid:
 * a new session and process group whose id is the child's pid), asynchronously, so the
 * event loop never waits for it. On timeout (or terminate()) the whole group gets
 * SIGTERM; when the leader exits the group gets SIGKILL at once (stragglers that ignore
 * SIGTERM), and if the leader is still alive `killGraceMs` (2 s, as keepalived) later the
 * group gets SIGKILL anyway. A command that exits on its own is not signalled: processes
 * it left running in the background are its business (keepalived does the same).
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { workerSpawn } from './spawn-worker.js';

export type SpawnFn = (file: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface ExecOptions {
  /** argv[0] is the program to run (an absolute path, or a name looked up in PATH). */
  argv: readonly string[];
  /** Milliseconds before the command is terminated; 0 = never. */
  timeoutMs: number;
  /** Delay between SIGTERM and SIGKILL (default 2000). */
  killGraceMs?: number;
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
  /** Bytes of combined stdout+stderr kept (default 4096); the rest is counted, not kept. */
  outputLimit?: number;
  clock?: Clock;
  spawn?: SpawnFn;
}

export interface ExecResult {
  pid: number | undefined;
  /** Exit status, or null when killed by a signal or not started. */
  status: number | null;
  signal: NodeJS.Signals | null;
  /** True when the command ran past its timeout (a failure for tracking scripts). */
  timedOut: boolean;
  /** Signals sent to the group by us, in order. */
  signalsSent: Array<'SIGTERM' | 'SIGKILL'>;
  output: string;
  /** Bytes of output dropped past outputLimit. */
  outputDropped: number;
  /** The command could not be started (ENOENT, EACCES, EPERM ...). */
  spawnError?: { code: string; message: string };
  startedAt: number;
  endedAt: number;
}

export interface Execution {
  readonly pid: number | undefined;
  /** Resolves with the pid once the process runs (undefined when it could not start). */
  readonly spawned: Promise<number | undefined>;
  readonly result: Promise<ExecResult>;
  /** Terminate now (SIGTERM to the group, SIGKILL after the grace period). */
  terminate(): void;
}

/** Drain window for output after the leader exits, real time (an I/O matter, not protocol timing). */
const OUTPUT_DRAIN_MS = 100;

function signalGroup(child: ChildProcess | undefined, sig: 'SIGTERM' | 'SIGKILL'): void {
  if (!child) return;
  const pid = child.pid;
  if (pid === undefined) {
    // Spawned by the worker and not running yet: signal it as soon as it is.
    child.once('spawn', () => signalGroup(child, sig));
    return;
  }
  try {
    process.kill(-pid, sig);
  } catch {
    /* ESRCH: the group is gone */
  }
}

export function execCommand(opts: ExecOptions): Execution {
  const clock = opts.clock ?? systemClock;
  // By default the fork/exec happens in a worker thread (spawn-worker.ts), so a slow exec
  // never stalls the advert timers; KEEPVIP_SPAWN=inline spawns on this thread.
  const spawnFn = opts.spawn ?? (process.env.KEEPVIP_SPAWN === 'inline' ? (nodeSpawn as SpawnFn) : workerSpawn);
  const grace = opts.killGraceMs ?? 2000;
  const limit = opts.outputLimit ?? 4096;
  const startedAt = clock.now();
  const chunks: Buffer[] = [];
  let kept = 0;
  let dropped = 0;
  const signalsSent: Array<'SIGTERM' | 'SIGKILL'> = [];
  let timedOut = false;
  let terminating = false;
  let timeoutTimer: TimerHandle | undefined;
  let killTimer: TimerHandle | undefined;
  let child: ChildProcess | undefined;

  const spawnOpts: SpawnOptions = {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
    shell: false,
  };
  if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
  if (opts.gid !== undefined) spawnOpts.gid = opts.gid;

  let resolveResult!: (r: ExecResult) => void;
  const result = new Promise<ExecResult>((r) => (resolveResult = r));
  let settled = false;

  const finish = (status: number | null, signal: NodeJS.Signals | null, spawnError?: { code: string; message: string }): void => {
    if (settled) return;
    settled = true;
    clock.clearTimeout(timeoutTimer);
    clock.clearTimeout(killTimer);
    const r: ExecResult = {
      pid: child?.pid,
      status,
      signal,
      timedOut,
      signalsSent,
      output: Buffer.concat(chunks).toString('utf8'),
      outputDropped: dropped,
      startedAt,
      endedAt: clock.now(),
    };
    if (spawnError) r.spawnError = spawnError;
    resolveResult(r);
  };

  const sendKill = (): void => {
    signalsSent.push('SIGKILL');
    signalGroup(child, 'SIGKILL');
  };

  const terminate = (): void => {
    if (settled || terminating) return;
    terminating = true;
    signalsSent.push('SIGTERM');
    signalGroup(child, 'SIGTERM');
    killTimer = clock.setTimeout(sendKill, grace);
  };

  try {
    child = spawnFn(opts.argv[0]!, opts.argv.slice(1), spawnOpts);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    finish(null, null, { code: err.code ?? 'EUNKNOWN', message: err.message });
    return { pid: undefined, spawned: Promise.resolve(undefined), result, terminate };
  }
  const started = child;
  const spawned = new Promise<number | undefined>((resolve) => {
    if (started.pid !== undefined) return resolve(started.pid);
    started.once('spawn', () => resolve(started.pid));
    started.once('error', () => resolve(started.pid));
  });

  const onData = (d: Buffer): void => {
    if (kept >= limit) {
      dropped += d.length;
      return;
    }
    const take = Math.min(d.length, limit - kept);
    chunks.push(take === d.length ? d : d.subarray(0, take));
    kept += take;
    dropped += d.length - take;
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  child.once('error', (err: NodeJS.ErrnoException) => {
    // Spawn failures arrive here (no 'exit'); later errors (kill failures) are ignored.
    if (child?.pid === undefined) finish(null, null, { code: err.code ?? 'EUNKNOWN', message: err.message });
  });

  child.once('exit', (code, signal) => {
    clock.clearTimeout(timeoutTimer);
    // We asked the group to stop: make sure nothing in it survives the leader.
    if (terminating && !signalsSent.includes('SIGKILL')) sendKill();
    clock.clearTimeout(killTimer);
    let closed = false;
    const done = (): void => {
      if (closed) return;
      closed = true;
      child?.stdout?.destroy();
      child?.stderr?.destroy();
      finish(code, signal);
    };
    child?.once('close', done);
    setTimeout(done, OUTPUT_DRAIN_MS).unref();
  });

  if (opts.timeoutMs > 0) {
    timeoutTimer = clock.setTimeout(() => {
      timedOut = true;
      terminate();
    }, opts.timeoutMs);
  }

  return {
    // Known at once for an inline spawn, a moment later for one done by the worker.
    get pid() {
      return started.pid;
    },
    spawned,
    result,
    terminate,
  };
}
