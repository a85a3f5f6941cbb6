/**
 * Advert timing jitter of a MASTER (one instance, VRRPv3, advert_int 0.1 s) from the
 * bridge capture: each gap between consecutive adverts minus the interval, as an absolute
 * deviation (p50, p99, max). Scenarios:
 *   idle     nothing else to do (the machine's own noise);
 *   scripts  20 vrrp_scripts, each run every second (tracked with weight 0; they succeed);
 *   cloud    keepvip only: the instance has a cloud_vip; the cloud simulator answers every
 *            request 500 ms late and answers the claim's PUT with 503, so the claim keeps
 *            retrying (with backoff) through the window.
 */
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudLab } from '../../test/integration/helpers-cloud.js';
import { VrrpLab, waitFor, type Impl } from '../../test/helpers/vrrp-lab.js';
import { renderMulti, startDaemon } from './daemons.js';
import { summarize } from './stats.js';
import { benchMode, type Logger } from './takeover.js';

export type JitterScenario = 'idle' | 'scripts' | 'cloud';

export interface JitterResult {
  impl: Impl;
  scenario: JitterScenario;
  advertInt: number;
  windowS: number;
  gaps: number;
  /** |gap - interval|, ms. */
  p50: number;
  p99: number;
  max: number;
  /** Mean gap - interval (ms): how late adverts are on average (drift per advert). */
  meanLateMs: number;
  /** Scripts: runs counted per second; cloud: simulator requests in the window. */
  load?: string;
  error?: string;
}

const SCRIPTS = 20;
const ADVERT_INT = 0.1;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
}

export async function jitter(impl: Impl, scenario: JitterScenario, windowS: number, log: Logger): Promise<JitterResult> {
  const res: JitterResult = { impl, scenario, advertInt: ADVERT_INT, windowS, gaps: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, meanLateMs: Number.NaN };
  let cl: CloudLab | undefined;
  let vl: VrrpLab | undefined;
  try {
    let config: string;
    let runsFile = '';
    if (scenario === 'cloud') {
      cl = await CloudLab.create({ nodes: ['a'] });
      vl = cl.vl;
      await cl.setFaults([{ latencyMs: 500 }, { api: 'vpc', method: 'PUT', errorRate: 1, errorStatus: 503 }]);
      config = cl.config('a', { priority: 200, mode: benchMode(3, ADVERT_INT), manageForward: false });
    } else {
      vl = await VrrpLab.create({ nodes: ['a'], forwarding: false });
      const scripts: Array<{ name: string; path: string; intervalS: number }> = [];
      if (scenario === 'scripts') {
        runsFile = join(vl.dir, 'script-runs.log');
        const path = vl.writeFile('check.sh', `#!/bin/sh\necho run >> ${runsFile}\nexit 0\n`);
        chmodSync(path, 0o755);
        for (let i = 1; i <= SCRIPTS; i++) scripts.push({ name: `chk_${i}`, path, intervalS: 1 });
      }
      config = renderMulti({
        count: 1,
        version: 3,
        advertInt: ADVERT_INT,
        ifname: vl.node('a').ifname,
        routerId: 'a',
        controlSocket: join(vl.dir, 'a.ctl'),
        priority: 200,
        scripts,
      });
    }
    const d = await startDaemon(vl, 'a', impl, config, { timeoutMs: 30_000 });
    await waitFor(() => d.state() === 'MASTER', 20_000, `${impl} MASTER`, { explain: () => d.output(30) });
    await sleep(1000);
    const src = vl.node('a').ipv4;
    const runs0 = lineCount(runsFile);
    const w0 = Date.now();
    await sleep(windowS * 1000);
    const w1 = Date.now();
    const runs1 = lineCount(runsFile);
    const simLog1 = cl ? (await cl.log()).filter((e) => e.at >= w0 && e.at <= w1).length : 0;
    // Let the capture catch up before reading it.
    await sleep(300);
    const ts = vl.capture.advertsWhere({ src, after: w0, before: w1, minPriority: 1 }).map((a) => a.t);
    const intervalMs = ADVERT_INT * 1000;
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
    const dev = summarize(gaps.map((g) => Math.abs(g - intervalMs)));
    res.gaps = gaps.length;
    res.p50 = dev.median;
    res.p99 = dev.p99;
    res.max = dev.max;
    res.meanLateMs = gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length) - intervalMs;
    if (scenario === 'scripts') res.load = `${((runs1 - runs0) / windowS).toFixed(1)} script runs/s`;
    if (scenario === 'cloud') res.load = `${simLog1} simulator requests in the window`;
    if (!d.running) throw new Error(`${impl} exited during the window:\n${d.output(20)}`);
    log(
      `  ${impl} ${scenario}: ${gaps.length} gaps, |gap - ${intervalMs} ms| p50 ${dev.median.toFixed(3)} p99 ${dev.p99.toFixed(3)} max ${dev.max.toFixed(3)} ms, ` +
        `mean lateness ${res.meanLateMs.toFixed(3)} ms${res.load ? `, ${res.load}` : ''}`,
    );
    await vl.terminate('a', 10_000);
  } catch (e) {
    res.error = (e as Error).message.split('\n')[0];
    log(`  ${impl} ${scenario}: ERROR ${(e as Error).message.slice(0, 2000)}`);
  } finally {
    if (cl) await cl.close();
    else await vl?.close();
  }
  return res;
}

