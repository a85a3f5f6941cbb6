/**
 * The machine a benchmark ran on: CPU model, cores, kernel, Node.js and keepalived
 * versions, and the load average before and after (other work on the host skews timing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  kernel: string;
  node: string;
  keepalived: string;
  memoryMB: number;
  clockTicksPerSecond: number;
  loadAverage: { start: number[]; end?: number[] };
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    /* fall through */
  }
  return cpus()[0]?.model ?? 'unknown';
}

function keepalivedVersion(): string {
  // keepalived prints its version on stderr.
  const r = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  const first = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]?.trim();
  return first || 'not installed';
}

/** CLK_TCK: the unit of utime/stime in /proc/PID/stat. */
export function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

export function loadAvg(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: cpus().length,
    kernel: release(),
    node: process.version,
    keepalived: keepalivedVersion(),
    memoryMB: Math.round(totalmem() / 2 ** 20),
    clockTicksPerSecond: clockTicks(),
    loadAverage: { start: loadAvg() },
  };
}
