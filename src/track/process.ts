/**
 * vrrp_track_process: count matching processes by scanning /proc, once per interval for
 * every tracked process together.
 *
 * keepalived 2.2.7 learns about processes from the kernel's process-events connector;
 * that connector only works in the initial network namespace (in any other keepalived
 * logs "Failed to set/clear process event listen - errno 111" and never sees a process),
 * so keepvip polls /proc instead. Matching follows keepalived.conf(5):
 * - no parameters (and neither full_command nor param_match): the process name, as in
 *   /proc/PID/comm (the kernel keeps 15 bytes, so a longer configured name is compared on
 *   its first 15 bytes), must equal the configured name exactly (no regex: `ssh` does not
 *   match `sshd`);
 * - otherwise /proc/PID/cmdline (argv joined by NULs) is compared with the configured
 *   argv: `exact` (the default with parameters, or bare `param_match`): the same argv;
 *   `partial`: the configured argv is a prefix of the process's argv (more parameters may
 *   follow); `initial`: as partial, and the last configured parameter may be a prefix of
 *   the process's parameter; `none` (full_command with no parameters): argv[0] only.
 * Zombies are not counted.
 */
import { promises as fsp } from 'node:fs';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { applyProcessScan, quorumOk, type ProcessDelayState } from './state.js';

export type ParamMatch = 'none' | 'exact' | 'partial' | 'initial';

export interface ProcessMatchSpec {
  /** The process name followed by optional parameters. */
  process: readonly string[];
  /** Default: 'exact' when parameters are given, else 'none'. */
  paramMatch?: ParamMatch;
  fullCommand?: boolean;
}

export interface ProcEntry {
  pid: number;
  /** /proc/PID/comm (from /proc/PID/stat). */
  comm: string;
  /** Raw /proc/PID/cmdline, when it was read. */
  cmdline?: Buffer;
}

/** The kernel's TASK_COMM_LEN - 1. */
export const COMM_LEN = 15;

export interface CompiledMatcher {
  useCmdline: boolean;
  test(e: ProcEntry): boolean;
}

export function compileMatcher(spec: ProcessMatchSpec): CompiledMatcher {
  const [name = '', ...params] = spec.process;
  const mode: ParamMatch = spec.paramMatch ?? (params.length ? 'exact' : 'none');
  const useCmdline = !!spec.fullCommand || params.length > 0 || mode !== 'none';
  if (!useCmdline) {
    const want = Buffer.from(name, 'utf8').subarray(0, COMM_LEN).toString('latin1');
    return { useCmdline, test: (e) => e.comm === want };
  }
  const full = Buffer.concat([name, ...params].map((p) => Buffer.concat([Buffer.from(p, 'utf8'), Buffer.from([0])])));
  const argv0 = Buffer.concat([Buffer.from(name, 'utf8'), Buffer.from([0])]);
  return {
    useCmdline,
    test(e) {
      const c = e.cmdline;
      if (!c || c.length === 0) return false;
      // Some processes rewrite their argv and drop the final NUL; compare as if present.
      const cmd = c[c.length - 1] === 0 ? c : Buffer.concat([c, Buffer.from([0])]);
      switch (mode) {
        case 'none':
          return startsWith(cmd, argv0);
        case 'exact':
          return cmd.equals(full);
        case 'partial':
          return startsWith(cmd, full);
        case 'initial':
          return startsWith(cmd, full.subarray(0, full.length - 1));
      }
    },
  };
}

function startsWith(buf: Buffer, prefix: Buffer): boolean {
  return buf.length >= prefix.length && buf.subarray(0, prefix.length).equals(prefix);
}

/** Parse /proc/PID/stat: comm is between the first '(' and the last ')', the state follows. */
export function parseStat(text: string): { comm: string; state: string } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  return { comm: text.slice(open + 1, close), state: text.slice(close + 2, close + 3) };
}

/** Read up to `max` bytes from the start of a file (one open/read/close: cheaper than readFile on /proc). */
async function readHead(file: string, max: number): Promise<Buffer> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(max);
    const { bytesRead } = await fh.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * One pass over /proc: every live (non-zombie) process, with cmdline when asked
 * (`cmdlineMax` bytes of it: enough to decide any configured match, since a longer
 * cmdline can then only match as a prefix).
 */
export async function scanProc(procRoot = '/proc', withCmdline = false, cmdlineMax = 4096): Promise<ProcEntry[]> {
  const names = await fsp.readdir(procRoot);
  const pids = names.filter((n) => /^[0-9]+$/.test(n));
  const entries = await Promise.all(
    pids.map(async (p): Promise<ProcEntry | undefined> => {
      try {
        const st = parseStat((await readHead(`${procRoot}/${p}/stat`, 1024)).toString('latin1'));
        if (!st || st.state === 'Z' || st.state === 'X') return undefined;
        const e: ProcEntry = { pid: Number(p), comm: st.comm };
        if (withCmdline) e.cmdline = await readHead(`${procRoot}/${p}/cmdline`, cmdlineMax);
        return e;
      } catch {
        return undefined; // the process went away during the scan
      }
    }),
  );
  return entries.filter((e): e is ProcEntry => e !== undefined);
}

export interface ProcessTrackDef extends ProcessMatchSpec {
  /** vrrp_track_process name. */
  name: string;
  /** Default 1. */
  quorum?: number;
  quorumMax?: number;
  forkDelayMs?: number;
  terminateDelayMs?: number;
}

export interface ProcessMonitorOptions {
  clock?: Clock;
  /** Scan period (default 1000 ms). */
  intervalMs?: number;
  procRoot?: string;
  /** Called after a scan when a tracker's debounced state or its count changed. */
  onState: (name: string, ok: boolean, count: number) => void;
  onError?: (e: Error) => void;
}

/** Scans /proc for all tracked processes at once and debounces each one's quorum state. */
export class ProcessMonitor {
  private readonly clock: Clock;
  private readonly matchers: Array<{ def: ProcessTrackDef; m: CompiledMatcher }>;
  private readonly state = new Map<string, { delay: ProcessDelayState; count: number; rawOk: boolean; recheck?: TimerHandle }>();
  private timer: TimerHandle | undefined;
  private running = false;
  private scanning: Promise<void> | undefined;
  private readonly cmdlineMax: number;
  scans = 0;

  constructor(
    defs: ProcessTrackDef[],
    private readonly opts: ProcessMonitorOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.matchers = defs.map((def) => ({ def, m: compileMatcher(def) }));
    const longest = Math.max(0, ...defs.map((d) => d.process.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0)));
    this.cmdlineMax = Math.max(4096, longest + 1);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    for (const s of this.state.values()) this.clock.clearTimeout(s.recheck);
  }

  /** Count matches for every tracker now. */
  async count(): Promise<Map<string, number>> {
    const entries = await scanProc(this.opts.procRoot, this.matchers.some((x) => x.m.useCmdline), this.cmdlineMax);
    this.scans++;
    const counts = new Map<string, number>();
    for (const { def, m } of this.matchers) counts.set(def.name, entries.filter((e) => m.test(e)).length);
    return counts;
  }

  /** Scan and report (one scan at a time). */
  scanNow(): Promise<void> {
    this.scanning ??= this.doScan().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    await this.scanNow();
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => void this.loop(), this.opts.intervalMs ?? 1000);
  }

  private async doScan(): Promise<void> {
    let counts: Map<string, number>;
    try {
      counts = await this.count();
    } catch (e) {
      this.opts.onError?.(e as Error);
      return;
    }
    for (const { def } of this.matchers) this.evaluate(def, counts.get(def.name) ?? 0);
  }

  private evaluate(def: ProcessTrackDef, count: number): void {
    const now = this.clock.now();
    const prev = this.state.get(def.name) ?? { delay: { ok: undefined }, count: -1, rawOk: false };
    const rawOk = quorumOk(count, def.quorum ?? 1, def.quorumMax);
    const r = applyProcessScan(prev.delay, rawOk, now, def.forkDelayMs ?? 0, def.terminateDelayMs ?? 0);
    this.clock.clearTimeout(prev.recheck);
    const next: { delay: ProcessDelayState; count: number; rawOk: boolean; recheck?: TimerHandle } = { delay: r.state, count, rawOk };
    if (r.recheckAt !== undefined) {
      next.recheck = this.clock.setTimeout(() => {
        const cur = this.state.get(def.name);
        if (cur && this.running) this.evaluate(def, cur.count);
      }, r.recheckAt - now);
    }
    this.state.set(def.name, next);
    if (r.changed || count !== prev.count) this.opts.onState(def.name, r.state.ok!, count);
  }
}
