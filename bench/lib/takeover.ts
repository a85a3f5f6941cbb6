/**
 * Failover and handover as seen on the wire, for one implementation at a time: two nodes
 * running it, `a` (priority 150, the master) and `b` (priority 100, the backup).
 *
 * - failover: `ip link set eth0 down` in a's namespace. Measured: b's first advert minus
 *   a's last advert (bridge capture, kernel timestamps) minus b's Master_Down_Interval
 *   (RFC 3768 §6.1 / RFC 9568 §6.1: 3 * Master_Adver_Interval + Skew_Time). Then the link
 *   comes back and a preempts again before the next run.
 * - handover: SIGTERM to a. Measured: b's first advert minus a's priority-0 advert minus
 *   b's Skew_Time (RFC 9568 §6.4.2: a priority-0 advert sets Master_Down_Timer to
 *   Skew_Time). Then a is started again and preempts.
 *
 * For each takeover also: b's first gratuitous ARP for the VIP (capture) and the VIP
 * appearing on b's interface (`ip -ts monitor address` in b), both relative to b's first
 * advert.
 */
import {
  DEFAULT_VRID,
  masterDownIntervalMs,
  MODES,
  renderConfig,
  skewTimeMs,
  vipAddress,
  VrrpLab,
  waitFor,
  type Impl,
  type VrrpDaemon,
  type VrrpMode,
} from '../../test/helpers/vrrp-lab.js';
import { AddrMonitor } from './addrmon.js';
import { startDaemon } from './daemons.js';

export const HIGH = 150;
export const LOW = 100;

export interface TakeoverSample {
  /** Taker's first advert - reference advert (ms, capture). */
  gapMs: number;
  /** Master_Down_Interval (failover) or Skew_Time (handover) of the taker, ms. */
  theoryMs: number;
  /** gapMs - theoryMs. */
  deltaMs: number;
  /** First gratuitous ARP for the VIP from the taker - its first advert (ms, capture). */
  garpMs?: number;
  /** VIP added on the taker's interface (ip monitor) - its first advert (ms). */
  vipMs?: number;
}

export interface TakeoverSeries {
  impl: Impl;
  kind: 'failover' | 'handover';
  version: 2 | 3;
  advertInt: number;
  samples: TakeoverSample[];
  errors: string[];
}

export type Logger = (msg: string) => void;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function benchMode(version: 2 | 3, advertInt: number): VrrpMode {
  return { ...(version === 2 ? MODES.v2 : MODES.v3), advertInt, name: `VRRPv${version} IPv4 multicast, advert_int ${advertInt}` };
}

class Pair {
  readonly vip: string;
  readonly srcA: string;
  readonly srcB: string;
  private monitor!: AddrMonitor;

  constructor(
    readonly vl: VrrpLab,
    readonly impl: Impl,
    readonly mode: VrrpMode,
  ) {
    this.vip = vipAddress(mode);
    this.srcA = vl.srcOf('a', 4);
    this.srcB = vl.srcOf('b', 4);
  }

  get intervalMs(): number {
    return this.mode.advertInt * 1000;
  }

  config(name: 'a' | 'b'): string {
    return renderConfig(this.mode, this.vl.peerView(name), { priority: name === 'a' ? HIGH : LOW, manageForward: false });
  }

  async start(): Promise<void> {
    this.monitor = await AddrMonitor.start(this.vl.lab, this.vl.node('b').ns);
    await startDaemon(this.vl, 'a', this.impl, this.config('a'));
    await startDaemon(this.vl, 'b', this.impl, this.config('b'));
    await this.settle();
  }

  /** a is MASTER alone, holds the VIP alone, b is BACKUP, and a few adverts went by. */
  async settle(): Promise<void> {
    const vl = this.vl;
    const timeout = 3 * masterDownIntervalMs(this.mode.version, LOW, this.mode.advertInt) + 15_000;
    const since = Date.now();
    await waitFor(
      () =>
        vl.capture.currentMaster(DEFAULT_VRID) === this.srcA &&
        vl.daemon('a').state() === 'MASTER' &&
        vl.daemon('b').state() === 'BACKUP' &&
        vl.capture.activeSources(DEFAULT_VRID, 1.5 * this.intervalMs).length === 1,
      timeout,
      'a to be the only master',
      { intervalMs: 25, explain: () => vl.explain(since - 2000) },
    );
    await waitFor(() => {
      const h = vl.vipHolders(this.vip);
      return h.length === 1 && h[0] === 'a';
    }, timeout, 'the VIP on a only', { intervalMs: 50, explain: () => vl.explain(since - 2000) });
    // Let b's Master_Down_Timer run from one more steady advert.
    const t = Date.now();
    await waitFor(() => vl.capture.advertsWhere({ vrid: DEFAULT_VRID, src: this.srcA, after: t }).length >= 1, timeout, 'one more advert from a', {
      intervalMs: 10,
    });
  }

  private extras(firstNew: number, after: number): Pick<TakeoverSample, 'garpMs' | 'vipMs'> {
    const out: Pick<TakeoverSample, 'garpMs' | 'vipMs'> = {};
    const garp = this.vl.capture.announcementsOf(this.vip, { mac: this.vl.node('b').mac, after })[0];
    if (garp) out.garpMs = garp.t - firstNew;
    const add = this.monitor.firstAdd(this.vip, after);
    if (add) out.vipMs = add.t - firstNew;
    return out;
  }

  private async waitExtras(after: number): Promise<void> {
    // The GARP and the VIP follow the first advert within milliseconds; give them time.
    await waitFor(
      () => this.vl.capture.announcementsOf(this.vip, { mac: this.vl.node('b').mac, after }).length > 0 && this.monitor.firstAdd(this.vip, after),
      3000,
      "b's GARP and VIP",
      { intervalMs: 10 },
    ).catch(() => undefined);
  }

  async failover(): Promise<TakeoverSample> {
    const vl = this.vl;
    const theoryMs = masterDownIntervalMs(this.mode.version, LOW, this.mode.advertInt);
    const t0 = Date.now();
    vl.setLink('a', false);
    try {
      const f = await waitFor(
        () => vl.capture.failover({ vrid: DEFAULT_VRID, from: this.srcA, to: this.srcB, after: t0 }),
        theoryMs + 10_000,
        'b to take over',
        { intervalMs: 10, explain: () => vl.explain(t0 - 2000) },
      );
      await this.waitExtras(t0);
      return { gapMs: f.gapMs, theoryMs, deltaMs: f.gapMs - theoryMs, ...this.extras(f.firstNew, t0) };
    } finally {
      vl.setLink('a', true);
    }
  }

  async handover(): Promise<TakeoverSample> {
    const vl = this.vl;
    const theoryMs = skewTimeMs(this.mode.version, LOW, this.mode.advertInt);
    const t0 = Date.now();
    const stopped = vl.terminate('a');
    try {
      const h = await waitFor(
        () => vl.capture.handover({ vrid: DEFAULT_VRID, from: this.srcA, to: this.srcB, after: t0 }),
        10_000,
        'b to take over after the priority-0 advert',
        { intervalMs: 10, explain: () => vl.explain(t0 - 2000) },
      );
      await this.waitExtras(t0);
      return { gapMs: h.gapMs, theoryMs, deltaMs: h.gapMs - theoryMs, ...this.extras(h.firstNew, t0) };
    } finally {
      await stopped;
      await startDaemon(vl, 'a', this.impl, this.config('a'));
    }
  }

  async stop(): Promise<void> {
    await this.monitor?.stop();
  }
}

/**
 * `failoverRuns` link-down failovers then `handoverRuns` SIGTERM handovers for one
 * implementation and VRRP mode, in a fresh lab.
 */
export async function takeoverBench(
  impl: Impl,
  version: 2 | 3,
  advertInt: number,
  failoverRuns: number,
  handoverRuns: number,
  log: Logger,
): Promise<TakeoverSeries[]> {
  const mode = benchMode(version, advertInt);
  const fo: TakeoverSeries = { impl, kind: 'failover', version, advertInt, samples: [], errors: [] };
  const ho: TakeoverSeries = { impl, kind: 'handover', version, advertInt, samples: [], errors: [] };
  const vl = await VrrpLab.create({ nodes: ['a', 'b'], forwarding: false });
  const pair = new Pair(vl, impl, mode);
  try {
    await pair.start();
    for (const [series, n, run] of [
      [fo, failoverRuns, () => pair.failover()],
      [ho, handoverRuns, () => pair.handover()],
    ] as const) {
      for (let i = 0; i < n; i++) {
        try {
          const s = await run();
          series.samples.push(s);
          log(`  ${impl} v${version} ${series.kind} ${i + 1}/${n}: gap ${s.gapMs.toFixed(3)} ms, delta ${s.deltaMs.toFixed(3)} ms, GARP +${s.garpMs?.toFixed(3) ?? '-'} ms, VIP +${s.vipMs?.toFixed(3) ?? '-'} ms`);
        } catch (e) {
          series.errors.push((e as Error).message.split('\n')[0]!);
          log(`  ${impl} v${version} ${series.kind} ${i + 1}/${n}: ERROR ${(e as Error).message.slice(0, 2000)}`);
        }
        try {
          if (!vl.daemons.get('a')?.running) await startDaemon(vl, 'a', impl, pair.config('a'));
          await pair.settle();
        } catch (e) {
          series.errors.push(`settle: ${(e as Error).message.split('\n')[0]!}`);
          log(`  settle failed, giving up this series: ${(e as Error).message.slice(0, 2000)}`);
          break;
        }
        await sleep(0);
      }
    }
  } finally {
    await pair.stop();
    await vl.close();
  }
  return [fo, ho];
}

export type { VrrpDaemon };
