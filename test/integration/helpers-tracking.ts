/**
 * Small helpers for the tracking / notify integration tests (tracking*.test.ts), on top
 * of test/helpers/vrrp-lab.ts: configuration pieces (vrrp_script blocks, global_defs
 * lines) spliced into renderConfig's text, a notify recorder script, a FIFO reader,
 * /proc scans for leftover script processes, and advert-cadence statistics.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, createReadStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { MODES, renderConfig, waitFor, type CapturedAdvert, type Impl, type VrrpLab, type VrrpMode } from '../helpers/vrrp-lab.js';

// ---------------------------------------------------------------------------------------
// Configuration

export interface ScriptBlock {
  name: string;
  /** The command line, unquoted (it is written inside double quotes). */
  script: string;
  interval?: number;
  timeout?: number;
  weight?: number;
  rise?: number;
  fall?: number;
}

/** A vrrp_script block (keepalived.conf(5)). */
export function vrrpScript(s: ScriptBlock): string {
  const lines = [`vrrp_script ${s.name} {`, `    script "${s.script}"`];
  if (s.interval !== undefined) lines.push(`    interval ${s.interval}`);
  if (s.timeout !== undefined) lines.push(`    timeout ${s.timeout}`);
  if (s.weight !== undefined) lines.push(`    weight ${s.weight}`);
  if (s.rise !== undefined) lines.push(`    rise ${s.rise}`);
  if (s.fall !== undefined) lines.push(`    fall ${s.fall}`);
  lines.push('}');
  return lines.join('\n');
}

/** `track_script { a b ... }` (or track_interface / track_file) lines for renderConfig's `extra`. */
export function trackBlock(keyword: 'track_script' | 'track_interface' | 'track_file', names: string[]): string[] {
  return [`${keyword} {`, ...names.map((n) => `    ${n}`), '}'];
}

/**
 * Splice extra text into a configuration from renderConfig: `globals` lines go inside
 * global_defs, `blocks` (vrrp_script, vrrp_track_file ...) before the first vrrp_instance,
 * `instances` (whole vrrp_instance blocks) at the end.
 */
export function withTracking(conf: string, add: { globals?: string[]; blocks?: string[]; instances?: string[] }): string {
  let out = conf;
  if (add.globals?.length) {
    if (!out.includes('global_defs {\n')) throw new Error('withTracking: no global_defs block');
    out = out.replace('global_defs {\n', `global_defs {\n${add.globals.map((l) => `    ${l}\n`).join('')}`);
  }
  if (add.blocks?.length) {
    const i = out.indexOf('vrrp_instance ');
    if (i < 0) throw new Error('withTracking: no vrrp_instance');
    out = `${out.slice(0, i)}${add.blocks.join('\n')}\n${out.slice(i)}`;
  }
  if (add.instances?.length) out = `${out.trimEnd()}\n${add.instances.join('\n')}\n`;
  return out;
}

// ---------------------------------------------------------------------------------------
// Notify recording

/**
 * A notify recorder: appends `nanoseconds|arg1|arg2...` to `log` in one write (lines from
 * scripts running at the same time never mix). Returns the script's path.
 */
export function writeRecorder(vl: VrrpLab, file: string, log: string): string {
  const path = vl.writeFile(file, `#!/bin/sh\nline="$(date +%s%N)"\nfor a in "$@"; do line="$line|$a"; done\necho "$line" >> ${log}\n`);
  chmodSync(path, 0o755);
  writeFileSync(log, '');
  return path;
}

/** The recorder log as argv lists in time order, the timestamp dropped. */
export function readRecorderLog(log: string): string[][] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'))
    .sort((a, b) => {
      const x = BigInt(a[0]!);
      const y = BigInt(b[0]!);
      return x < y ? -1 : x > y ? 1 : 0;
    })
    .map((p) => p.slice(1));
}

/** Make a FIFO (mkfifo(1)). */
export function mkfifo(path: string): void {
  execFileSync('mkfifo', ['-m', '0600', path]);
}

/** Lines read from a FIFO until every writer has closed it (or close() is called). */
export interface FifoReader {
  readonly lines: string[];
  readonly ended: Promise<void>;
  close(): void;
}

export function readFifo(path: string): FifoReader {
  const lines: string[] = [];
  let buf = '';
  const s = createReadStream(path, { encoding: 'utf8' });
  s.on('data', (d: string | Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  const ended = new Promise<void>((resolve) => {
    s.once('end', () => resolve());
    s.once('error', () => resolve());
    s.once('close', () => resolve());
  });
  return { lines, ended, close: () => s.destroy() };
}

/** Lines grouped by the quoted instance/group name, each group in arrival order. */
export function perName(lines: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const l of lines) {
    const name = /"([^"]*)"/.exec(l)?.[1] ?? '?';
    (out[name] ??= []).push(l);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Processes

export interface ProcInfo {
  pid: number;
  argv: string[];
}

/** Every process (in any namespace: /proc is shared) whose argv contains `needle` as one argument. */
export function processesWithArg(needle: string): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let raw: string;
    try {
      raw = readFileSync(`/proc/${e}/cmdline`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    if (!raw) continue; // kernel thread or zombie
    const argv = raw.replace(/\0$/, '').split('\0');
    if (argv.includes(needle)) out.push({ pid: Number(e), argv });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Advert cadence

export interface JitterStats {
  /** Number of inter-advert gaps measured. */
  gaps: number;
  intervalMs: number;
  /** |gap - interval|, ms. */
  p50: number;
  p99: number;
  max: number;
  /** The longest gap seen, ms. */
  maxGap: number;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Deviation of consecutive advert gaps from the advert interval (capture timestamps). */
export function advertJitter(adverts: CapturedAdvert[], intervalMs: number): JitterStats {
  const ts = adverts.map((a) => a.t).sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < ts.length; i++) gaps.push(ts[i]! - ts[i - 1]!);
  const dev = gaps.map((g) => Math.abs(g - intervalMs)).sort((a, b) => a - b);
  return {
    gaps: gaps.length,
    intervalMs,
    p50: quantile(dev, 0.5),
    p99: quantile(dev, 0.99),
    max: dev.at(-1) ?? NaN,
    maxGap: Math.max(...gaps),
  };
}

export function formatJitter(label: string, j: JitterStats): string {
  return (
    `${label}: ${j.gaps} gaps, interval ${j.intervalMs} ms, |gap - interval| ` +
    `p50 ${j.p50.toFixed(2)} ms, p99 ${j.p99.toFixed(2)} ms, max ${j.max.toFixed(2)} ms (longest gap ${j.maxGap.toFixed(2)} ms)`
  );
}

// ---------------------------------------------------------------------------------------
// Waiting for a settled lab

/**
 * Wait until `master` is the node seen advertising (priority > 0) for the VRID, its daemon
 * logged MASTER, every other running daemon that runs the instance logged one of `others`,
 * and the VIP is on `master` alone.
 */
export async function settled(
  vl: VrrpLab,
  master: string,
  opts: { vip: string; vrid?: number; instance?: string; others?: string[]; timeoutMs?: number },
): Promise<void> {
  const vrid = opts.vrid ?? 51;
  const others = opts.others ?? ['BACKUP'];
  const timeout = opts.timeoutMs ?? 10_000;
  const since = Date.now() - 5000;
  await waitFor(
    () =>
      vl.currentMaster(vrid) === master &&
      vl.daemon(master).state(opts.instance) === 'MASTER' &&
      [...vl.daemons.values()].every((d) => {
        const st = d.state(opts.instance);
        return d.name === master || !d.running || st === undefined || others.includes(st);
      }) &&
      vl.vipHolders(opts.vip).join() === master,
    timeout,
    `${master} to be the only MASTER holding ${opts.vip}`,
    { intervalMs: 50, explain: () => `VIP holders: ${vl.vipHolders(opts.vip).join(', ') || 'none'}\n${vl.explain(since)}` },
  );
}

// ---------------------------------------------------------------------------------------
// Notify comparisons with keepalived (tracking-notify, sync-group-notify)

/** What one implementation's run of a notify scenario left: FIFO lines and script argv. */
export interface NotifyRun {
  impl: Impl;
  fifo: string[];
  /** Recorder argv lists (recorder path dropped), in time order. */
  argv: string[][];
}

/** A second vrrp_instance (VI_2, VRID 52, VIP 192.0.2.101) for a node, as renderConfig writes it. */
export function secondInstance(vl: VrrpLab, node: string, priority: number, extra: string[] = [], base: VrrpMode = MODES.v3): string {
  const mode: VrrpMode = { ...base, vip: '192.0.2.101/24' };
  const text = renderConfig(mode, vl.peerView(node), { priority, vrid: 52, instance: 'VI_2', extra });
  return text.slice(text.indexOf('vrrp_instance '));
}

/** Unblock a reader still waiting in open(2) for a writer (a daemon that never started), then let it end. */
export function releaseFifo(path: string): void {
  try {
    closeSync(openSync(path, fsConstants.O_RDWR | fsConstants.O_NONBLOCK));
  } catch {
    /* gone */
  }
}
