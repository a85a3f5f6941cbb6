/**
 * A CPU profile of the built keepvip daemon under a footprint load (node --cpu-prof),
 * summarised by self time per function and per source area (node internals, each
 * dependency, keepvip's own modules, GC, idle). Used where a target is missed, to see
 * where the time goes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VrrpLab, waitFor } from '../../test/helpers/vrrp-lab.js';
import { renderMulti, startDaemon } from './daemons.js';
import type { Logger } from './takeover.js';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  instances: number;
  advertInt: number;
  seconds: number;
  file: string;
  /** Busy (non-idle) share of the profiled wall time, %. */
  busyPercent: number;
  topFunctions: ProfileEntry[];
  byArea: ProfileEntry[];
}

function area(url: string, fn: string): string {
  if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)') return fn;
  if (!url) return '(native / builtin)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `dependency ${nm[1]}`;
  const own = /\/dist\/(.+?)\.js$/.exec(url);
  if (own) return `keepvip ${own[1]!.split('/').slice(0, -1).join('/') || own[1]}`;
  return url.replace(/^file:\/\//, '');
}

/**
 * Self time per function and per area. `windowUs` keeps only the samples of that many
 * microseconds before `endOffsetUs` from the profile's end (start-up and shutdown left out).
 */
export function summarizeProfile(p: CpuProfile, top = 15, windowUs = Infinity, endOffsetUs = 0): Omit<ProfileSummary, 'instances' | 'advertInt' | 'seconds' | 'file'> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const hi = p.endTime - endOffsetUs;
  const lo = hi - windowUs;
  // samples[i] is taken at startTime + sum(timeDeltas[0..i]); it stands for the time until the next sample.
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < lo || t > hi) continue;
    const dt = p.timeDeltas[i + 1] ?? 0;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }
  const fnAgg = new Map<string, number>();
  const areaAgg = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    total += us;
    if (functionName === '(idle)') idle += us;
    const short = url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    fnAgg.set(key, (fnAgg.get(key) ?? 0) + us);
    const a = area(url, functionName);
    areaAgg.set(a, (areaAgg.get(a) ?? 0) + us);
  }
  const busy = total - idle;
  const list = (m: Map<string, number>, n: number) =>
    [...m]
      .filter(([k]) => k !== '(idle)' && !k.startsWith('(idle)'))
      .sort((x, y) => y[1] - x[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, selfMs: us / 1000, percent: busy > 0 ? (us / busy) * 100 : 0 }));
  return { busyPercent: total > 0 ? (busy / total) * 100 : 0, topFunctions: list(fnAgg, top), byArea: list(areaAgg, 20) };
}

/** Profile keepvip with `instances` MASTER instances at VRRPv3 `advertInt` for `seconds`. */
export async function profileKeepvip(instances: number, advertInt: number, seconds: number, outDir: string, log: Logger): Promise<ProfileSummary> {
  const vl = await VrrpLab.create({ nodes: ['a'], forwarding: false, capture: false });
  try {
    const cfg = renderMulti({ count: instances, version: 3, advertInt, ifname: vl.node('a').ifname, routerId: 'a', controlSocket: `${vl.dir}/a.ctl` });
    const profDir = join(vl.dir, 'prof');
    const name = `keepvip-${instances}x${advertInt}.cpuprofile`;
    const d = await startDaemon(vl, 'a', 'keepvip', cfg, { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}`], timeoutMs: 60_000 });
    await waitFor(() => d.states.filter((s) => s.state === 'MASTER').length >= instances, 60_000, 'all instances MASTER', { intervalMs: 50 });
    await new Promise((r) => setTimeout(r, (seconds + 3) * 1000));
    const stopAt = Date.now();
    await vl.terminate('a', 15_000);
    // The steady window: `seconds` before the stop (the 3 s after start-up are left out).
    const endOffsetUs = (Date.now() - stopAt) * 1000;
    const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
    if (!files.length) throw new Error(`no profile written:\n${d.output(20)}`);
    const text = readFileSync(join(profDir, files[0]!), 'utf8');
    const { writeFileSync } = await import('node:fs');
    const file = join(outDir, name);
    writeFileSync(file, text);
    const s = summarizeProfile(JSON.parse(text) as CpuProfile, 15, seconds * 1e6, endOffsetUs);
    log(`  profile: busy ${s.busyPercent.toFixed(2)} % of the wall time; top: ${s.topFunctions.slice(0, 5).map((f) => `${f.name} ${f.percent.toFixed(1)}%`).join(', ')}`);
    return { instances, advertInt, seconds, file, ...s };
  } finally {
    await vl.close();
  }
}
