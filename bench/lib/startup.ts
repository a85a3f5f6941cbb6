/**
 * Start-up to first advert: Date.now() just before the process is spawned (through
 * `ip netns exec`, for both implementations) to the first advert on the bridge (capture,
 * kernel timestamp). One owner instance (priority 255, state MASTER), which advertises at
 * once (RFC 9568 §6.4.1). keepvip runs as built (node bin/keepvip.js).
 */
import { VrrpLab, waitFor, type Impl } from '../../test/helpers/vrrp-lab.js';
import { renderMulti, startDaemon } from './daemons.js';
import { summarize, type Summary } from './stats.js';
import type { Logger } from './takeover.js';

export interface StartupResult {
  impl: Impl;
  samplesMs: number[];
  summary: Summary;
  errors: string[];
}

export async function startup(impl: Impl, runs: number, log: Logger): Promise<StartupResult> {
  const res: StartupResult = { impl, samplesMs: [], summary: summarize([]), errors: [] };
  const vl = await VrrpLab.create({ nodes: ['a'], forwarding: false });
  try {
    const src = vl.node('a').ipv4;
    const cfg = renderMulti({ count: 1, version: 2, advertInt: 1, ifname: vl.node('a').ifname, routerId: 'a', controlSocket: `${vl.dir}/a.ctl` });
    for (let i = 0; i < runs; i++) {
      try {
        const t0 = Date.now();
        await startDaemon(vl, 'a', impl, cfg, { waitInstance: null });
        const first = await waitFor(() => vl.capture.advertsWhere({ src, after: t0, minPriority: 1 })[0], 20_000, `${impl}'s first advert`, {
          intervalMs: 5,
          explain: () => vl.daemon('a').output(20),
        });
        res.samplesMs.push(first.t - t0);
        log(`  ${impl} start-up ${i + 1}/${runs}: ${(first.t - t0).toFixed(1)} ms`);
      } catch (e) {
        res.errors.push((e as Error).message.split('\n')[0]!);
        log(`  ${impl} start-up ${i + 1}/${runs}: ERROR ${(e as Error).message.slice(0, 1000)}`);
      }
      if (vl.daemons.get('a')?.running) await vl.terminate('a', 10_000);
    }
  } finally {
    await vl.close();
  }
  res.summary = summarize(res.samplesMs);
  return res;
}
