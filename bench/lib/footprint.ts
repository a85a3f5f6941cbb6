/**
 * Footprint: N instances, all MASTER (address owners), on one node for a fixed window.
 * CPU % = (utime + stime) delta / wall time; peak RSS = VmHWM at the end of the window;
 * both summed over the daemon and its descendants (keepalived: parent + VRRP child;
 * keepvip: node + its `ip monitor` helper). The interface's tx_packets counter gives the adverts sent in the window, so a
 * daemon that quietly sends less shows up.
 */
import { VrrpLab, waitFor, type Impl } from '../../test/helpers/vrrp-lab.js';
import { renderMulti, startDaemon, waitWorkPids, workPids } from './daemons.js';
import { commOf, cpuWindow, peakRssMB, statusKb } from './procstat.js';
import type { Logger } from './takeover.js';

export interface FootprintResult {
  impl: Impl;
  /** A diagnostic keepvip run (extra node flags or environment), named by this label. */
  variant?: string;
  instances: number;
  version: 2 | 3;
  advertInt: number;
  windowS: number;
  cpuPercent: number;
  cpuSeconds: number;
  /** Sum of VmHWM over the work processes, MB. */
  peakRssMB: number;
  /** The processes counted (command names): the daemon and its descendants. */
  processes: string[];
  /** VmRSS at the end of the window, MB. */
  rssMB: number;
  /** Adverts captured during the window per second, and what the configuration asks for. */
  advertsPerS: number;
  expectedAdvertsPerS: number;
  /** Seconds from spawn until every instance logged MASTER. */
  allMasterS: number;
  error?: string;
}

/** A diagnostic keepvip run beside the default one. */
export interface FootprintVariant {
  label: string;
  nodeFlags?: string[];
  env?: Record<string, string>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Frames sent by node a's interface (in steady state: only adverts). */
function txPackets(vl: VrrpLab): number {
  const n = vl.node('a');
  return Number(vl.lab.exec(n.ns, ['cat', `/sys/class/net/${n.ifname}/statistics/tx_packets`]).trim());
}

function masters(d: { states: Array<{ instance: string; state: string }> }): number {
  const last = new Map<string, string>();
  for (const s of d.states) last.set(s.instance, s.state);
  let n = 0;
  for (const v of last.values()) if (v === 'MASTER') n++;
  return n;
}

export async function footprint(
  impl: Impl,
  instances: number,
  version: 2 | 3,
  advertInt: number,
  windowS: number,
  log: Logger,
  variant?: FootprintVariant,
): Promise<FootprintResult> {
  const nodeFlags = variant?.nodeFlags ?? [];
  // No capture: tcpdump and its parser would compete for the CPU being measured. Adverts
  // are counted with the interface's tx_packets counter instead.
  const vl = await VrrpLab.create({ nodes: ['a'], forwarding: false, capture: false });
  const base: FootprintResult = {
    impl,
    ...(variant ? { variant: variant.label } : {}),
    instances,
    version,
    advertInt,
    windowS,
    cpuPercent: Number.NaN,
    cpuSeconds: Number.NaN,
    peakRssMB: Number.NaN,
    processes: [],
    rssMB: Number.NaN,
    advertsPerS: Number.NaN,
    expectedAdvertsPerS: instances / advertInt,
    allMasterS: Number.NaN,
  };
  try {
    const cfg = renderMulti({
      count: instances,
      version,
      advertInt,
      ifname: vl.node('a').ifname,
      routerId: 'a',
      controlSocket: `${vl.dir}/a.ctl`,
    });
    const t0 = Date.now();
    const d = await startDaemon(vl, 'a', impl, cfg, { timeoutMs: 60_000, nodeFlags, ...(variant?.env ? { env: variant.env } : {}) });
    await waitFor(() => masters(d) >= instances, 60_000, `${instances} instances MASTER`, { intervalMs: 50, explain: () => d.output(20) });
    base.allMasterS = (Date.now() - t0) / 1000;
    await waitWorkPids(d);
    // Let start-up work (GARP bursts, address changes, JIT) settle before measuring.
    await sleep(3000);
    const pids = workPids(d);
    base.processes = pids.map(commOf);
    const tx0 = txPackets(vl);
    const close = cpuWindow(pids);
    const w0 = performance.now();
    await sleep(windowS * 1000);
    const cpu = close();
    const tx1 = txPackets(vl);
    const w1 = performance.now();
    if (!d.running) throw new Error(`${impl} exited during the window:\n${d.output(20)}`);
    base.cpuPercent = cpu.percent;
    base.cpuSeconds = cpu.cpuS;
    base.peakRssMB = peakRssMB(pids);
    base.rssMB = pids.reduce((s, p) => s + (statusKb(p, 'VmRSS') ?? Number.NaN), 0) / 1024;
    base.advertsPerS = (tx1 - tx0) / ((w1 - w0) / 1000);
    const who = `${impl}${variant ? ` (${variant.label})` : ''}`;
    log(
      `  ${who} ${instances} x v${version} ${advertInt}s: CPU ${cpu.percent.toFixed(2)} % (${cpu.cpuS.toFixed(2)} s in ${cpu.wallS.toFixed(1)} s), ` +
        `peak RSS ${base.peakRssMB.toFixed(1)} MB, adverts ${base.advertsPerS.toFixed(0)}/s of ${base.expectedAdvertsPerS.toFixed(0)}/s`,
    );
    await vl.terminate('a', 10_000);
  } catch (e) {
    base.error = (e as Error).message.split('\n')[0];
    log(`  ${impl} ${instances} x v${version} ${advertInt}s: ERROR ${(e as Error).message.slice(0, 2000)}`);
  } finally {
    await vl.close();
  }
  return base;
}
