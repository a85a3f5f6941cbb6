/**
 * Per-process CPU time and memory from /proc: utime + stime (/proc/PID/stat fields 14 and
 * 15, in clock ticks) and VmHWM / VmRSS (/proc/PID/status, peak and current resident set).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { clockTicks } from './machine.js';

const TICKS = clockTicks();

/** CPU seconds (user + system) used so far by a process, or undefined if it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields after it start past the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime is field 14, stime field 15.
    return (Number(rest[11]) + Number(rest[12])) / TICKS;
  } catch {
    return undefined;
  }
}

/** A /proc/PID/status value in kB (VmHWM, VmRSS ...), or undefined. */
export function statusKb(pid: number, key: string): number | undefined {
  try {
    const m = new RegExp(`^${key}:\\s*(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface CpuWindow {
  /** CPU seconds used by all the processes during the window. */
  cpuS: number;
  wallS: number;
  /** cpuS / wallS * 100 (100 = one full core). */
  percent: number;
}

/** Start a CPU window over a set of processes; call the result to close it. */
export function cpuWindow(pids: number[]): () => CpuWindow {
  const t0 = performance.now();
  const c0 = pids.map((p) => cpuSeconds(p) ?? Number.NaN);
  return () => {
    const wallS = (performance.now() - t0) / 1000;
    const c1 = pids.map((p) => cpuSeconds(p) ?? Number.NaN);
    const cpuS = c1.reduce((sum, c, i) => sum + (c - c0[i]!), 0);
    return { cpuS, wallS, percent: (cpuS / wallS) * 100 };
  };
}

/** Sum of the peak resident set sizes (VmHWM) of the processes, MB. */
export function peakRssMB(pids: number[]): number {
  return pids.reduce((sum, p) => sum + (statusKb(p, 'VmHWM') ?? Number.NaN), 0) / 1024;
}

/** The parent pid of a process, or undefined if it is gone. */
function ppidOf(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** A process and all its descendants alive now (a daemon with its helpers, e.g. `ip monitor`). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const pp = ppidOf(pid);
    if (pp === undefined) continue;
    let list = children.get(pp);
    if (!list) children.set(pp, (list = []));
    list.push(pid);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Command names (comm) of processes, for reports. */
export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
