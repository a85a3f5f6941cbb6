/**
 * The interop matrix, shared by one test file per VRRP mode: keepvip against keepvip and
 * against keepalived 2.2.7, each pairing in its own namespace lab, walked through a fixed
 * sequence of failures (RFC 9568 §6.4 / RFC 3768 §6.4 state machine):
 *
 *   1. election: the higher priority wins          5. link back up: preemption back
 *   2. SIGKILL of the master: failover             6. SIGTERM of the master: priority-0 handover
 *   3. restart of the high node: preemption back   7. restart with nopreempt: stays BACKUP
 *   4. link down on the master: failover           8. SIGTERM of the low master: handover back
 *
 * plus an equal-priority election decided by the higher primary address (RFC 9568 §6.4.3).
 * After every step: the capture names the expected master, the VIP is on exactly one
 * interface, the new master's GARP / unsolicited NA is on the wire, and keepvip nodes have
 * IP forwarding 1 as MASTER and 0 otherwise. Failover and handover gaps are measured on
 * the capture and compared with Master_Down_Interval / Skew_Time.
 *
 * Measurements are printed at the end of each file; with KEEPVIP_INTEROP_RESULTS=FILE they
 * are also appended to FILE as JSON lines (for the benchmarks and the report).
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ipToBytes } from '../../src/core/ip.js';
import { skipReason } from '../helpers/netns.js';
import {
  DEFAULT_VRID,
  masterDownIntervalMs,
  renderConfig,
  skewTimeMs,
  vipAddress,
  VrrpLab,
  waitFor,
  type Impl,
  type InstanceOptions,
  type VrrpMode,
} from '../helpers/vrrp-lab.js';

export interface Pairing {
  label: string;
  high: Impl;
  low: Impl;
}

export const PAIRINGS: readonly Pairing[] = [
  { label: 'keepvip + keepvip', high: 'keepvip', low: 'keepvip' },
  { label: 'keepvip (high priority) + keepalived', high: 'keepvip', low: 'keepalived' },
  { label: 'keepalived (high priority) + keepvip', high: 'keepalived', low: 'keepvip' },
];

export const HIGH_PRIORITY = 150;
export const LOW_PRIORITY = 100;
/** Protocol-level slack allowed on top of the RFC timers (scheduling, capture). */
export const SLACK_MS = 100;
/** A backup must not take over noticeably before its timer could have expired. */
export const EARLY_MS = 50;

const reason = skipReason('keepalived', 'tcpdump');

export interface Measurement {
  mode: string;
  pairing: string;
  event: 'sigkill' | 'link-down' | 'sigterm' | 'sigterm-back';
  /** Implementation of the node that took over. */
  taker: Impl;
  measuredMs: number;
  theoryMs: number;
}

const results: Measurement[] = [];

function record(m: Measurement): void {
  results.push(m);
  const file = process.env.KEEPVIP_INTEROP_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(m)}\n`);
}

function printResults(mode: VrrpMode): void {
  const mine = results.filter((r) => r.mode === mode.name);
  if (!mine.length) return;
  const rows = mine.map(
    (r) =>
      `  ${r.pairing.padEnd(38)} ${r.event.padEnd(12)} taker ${r.taker.padEnd(10)} ` +
      `${r.measuredMs.toFixed(1).padStart(8)} ms  theory ${r.theoryMs.toFixed(1).padStart(8)} ms  ` +
      `delta ${(r.measuredMs - r.theoryMs).toFixed(1).padStart(6)} ms`,
  );
  console.log(`[interop] ${mode.name}\n${rows.join('\n')}`);
}

/**
 * Steps share one lab and run in order; once a step fails the later ones are skipped
 * (their failures would only repeat the first).
 */
function stepper(lab: () => VrrpLab | undefined) {
  let broken: string | undefined;
  return (name: string, fn: () => Promise<void>, timeoutMs = 60_000) =>
    it(
      name,
      async (ctx: TestContext) => {
        if (broken) ctx.skip(`an earlier step failed: ${broken}`);
        const started = Date.now();
        try {
          await fn();
        } catch (e) {
          broken = name;
          const vl = lab();
          if (vl && e instanceof Error) e.message += `\n${vl.explain(started - 5000)}`;
          throw e;
        }
      },
      timeoutMs,
    );
}

/** Which of two addresses wins an equal-priority election: the higher one (unsigned, network order). */
export function higherAddress(a: string, b: string): string {
  return Buffer.compare(ipToBytes(a), ipToBytes(b)) > 0 ? a : b;
}

class Checks {
  constructor(
    readonly vl: VrrpLab,
    readonly mode: VrrpMode,
  ) {}

  get vip(): string {
    return vipAddress(this.mode);
  }

  src(name: string): string {
    return this.vl.srcOf(name, this.mode.family, this.mode.unicast);
  }

  interval(): number {
    return this.mode.advertInt * 1000;
  }

  /**
   * Wait until `master` is the only node advertising, holds the VIP (alone among the nodes
   * considered), logged MASTER, and every other running daemon logged `othersState`.
   * Nodes whose daemon was killed are left out of the VIP count (a crashed host).
   */
  async settle(master: string, opts: { othersState?: Array<'BACKUP' | 'FAULT'>; timeoutMs?: number } = {}): Promise<void> {
    const vl = this.vl;
    const others = [...vl.lab.nodes.keys()].filter((n) => n !== master);
    const allowed = opts.othersState ?? ['BACKUP'];
    const timeout = opts.timeoutMs ?? 6 * this.interval() + 8000;
    await waitFor(() => vl.currentMaster(DEFAULT_VRID) === master && vl.daemon(master).state() === 'MASTER', timeout, `${master} to be MASTER`, {
      explain: () => vl.explain(Date.now() - timeout - 2000),
    });
    await waitFor(
      () =>
        others.every((n) => {
          const d = vl.daemons.get(n);
          return !d?.running || allowed.includes(d.state() as 'BACKUP' | 'FAULT');
        }),
      timeout,
      `the other nodes to be ${allowed.join('/')}`,
      { explain: () => vl.explain(Date.now() - timeout - 2000) },
    );
    // VIP on exactly one interface (killed daemons are crashed hosts and are not counted).
    await waitFor(() => vl.vipHolders(this.vip, { excludeCrashed: true }).join() === master, 3000, `VIP ${this.vip} only on ${master}`, {
      intervalMs: 100,
      explain: () => `holders: ${vl.vipHolders(this.vip).join(', ') || 'none'}\n${vl.explain(Date.now() - 10_000)}`,
    });
    await this.forwardingFollowsState();
    // Stable: over the next two intervals only the master advertises (no second master).
    const from = Date.now();
    await new Promise((r) => setTimeout(r, Math.max(2 * this.interval(), 400)));
    const to = Date.now();
    // Everything sent before `to` is in the capture once a later advert is.
    await waitFor(() => vl.capture.advertsWhere({ vrid: DEFAULT_VRID, after: to }).length > 0, 2 * this.interval() + 2000, 'an advert after the stability window');
    const srcs = [...new Set(vl.capture.advertsWhere({ vrid: DEFAULT_VRID, after: from, before: to, minPriority: 1 }).map((a) => a.src))];
    expect(srcs, 'advertising sources after settling').toEqual([this.src(master)]);
    expect(vl.vipHolders(this.vip, { excludeCrashed: true })).toEqual([master]);
  }

  /** keepvip nodes (keepalived leaves forwarding alone): 1 while MASTER, 0 while BACKUP or FAULT. */
  async forwardingFollowsState(): Promise<void> {
    const vl = this.vl;
    const want = () =>
      [...vl.daemons.values()]
        .filter((d) => d.impl === 'keepvip' && d.running)
        .map((d) => ({ name: d.name, want: d.state() === 'MASTER' ? 1 : 0, got: vl.forwarding(d.name, this.mode.family) }));
    await waitFor(() => want().every((x) => x.want === x.got), 3000, 'IP forwarding to follow the VRRP state', {
      intervalMs: 100,
      explain: () => JSON.stringify(want()),
    });
  }

  /** The new master's GARP (IPv4) or unsolicited NA with Override (IPv6) after `after`. */
  async announced(master: string, after: number): Promise<void> {
    const mac = this.vl.node(master).mac;
    const kind = this.mode.family === 4 ? 'garp' : 'na';
    const found = await waitFor(
      () => {
        const a = this.vl.capture.announcementsOf(this.vip, { mac, after }).filter((n) => n.kind === kind);
        return a.length ? a : undefined;
      },
      3000,
      `${kind} for ${this.vip} from ${master} (${mac})`,
      { explain: () => this.vl.capture.timeline(after - 1000) },
    );
    if (kind === 'na') expect(found.every((n) => n.override)).toBe(true);
  }
}

/** The whole matrix for one mode: one describe per pairing, plus the equal-priority election. */
export function interopSuite(mode: VrrpMode, opts: { tieBreak: Pairing }): void {
  describe.skipIf(!!reason)(`interop ${mode.name}${reason ? ` (${reason})` : ''}`, () => {
    afterAll(() => printResults(mode));
    for (const pairing of PAIRINGS) pairingSuite(mode, pairing);
    tieBreakSuite(mode, opts.tieBreak);
  });
}

function pairingSuite(mode: VrrpMode, pairing: Pairing): void {
  describe.sequential(pairing.label, () => {
    let vl: VrrpLab | undefined;
    let c: Checks;
    const step = stepper(() => vl);
    const HI = 'hi';
    const LO = 'lo';
    const conf = (name: string, o: InstanceOptions) => renderConfig(mode, vl!.peerView(name), o);
    const hiConf = (extra: Partial<InstanceOptions> = {}) => conf(HI, { priority: HIGH_PRIORITY, ...extra });
    const loConf = () => conf(LO, { priority: LOW_PRIORITY });
    const mdi = (prio: number) => masterDownIntervalMs(mode.version, prio, mode.advertInt);
    const skew = (prio: number) => skewTimeMs(mode.version, prio, mode.advertInt);

    beforeAll(async () => {
      vl = await VrrpLab.create({ nodes: [HI, LO] });
      c = new Checks(vl, mode);
    });
    afterAll(async () => {
      await vl?.close();
    });

    const failover = async (event: 'sigkill' | 'link-down', act: () => Promise<void> | void) => {
      const mark = Date.now();
      await act();
      const f = await waitFor(
        () => vl!.capture.failover({ vrid: DEFAULT_VRID, from: c.src(HI), to: c.src(LO), after: mark }),
        mdi(LOW_PRIORITY) + 5000,
        `${LO}'s first advert after ${event}`,
      );
      const theory = mdi(LOW_PRIORITY);
      record({ mode: mode.name, pairing: pairing.label, event, taker: pairing.low, measuredMs: f.gapMs, theoryMs: theory });
      // RFC 9568 §6.4.2: the backup takes over when Master_Down_Timer fires, not before.
      expect(f.gapMs, `${event} failover vs Master_Down_Interval ${theory.toFixed(1)} ms`).toBeLessThanOrEqual(theory + SLACK_MS);
      expect(f.gapMs).toBeGreaterThanOrEqual(theory - EARLY_MS);
      return f;
    };

    const handover = async (event: 'sigterm' | 'sigterm-back', from: string, to: string, toPrio: number, taker: Impl) => {
      const mark = Date.now();
      const exit = await vl!.terminate(from);
      if (vl!.daemon(from).impl === 'keepvip') expect(exit.code, 'keepvip exit status after SIGTERM').toBe(0);
      const h = await waitFor(
        () => vl!.capture.handover({ vrid: DEFAULT_VRID, from: c.src(from), to: c.src(to), after: mark }),
        5000,
        `priority-0 advert from ${from} then ${to}'s first advert`,
      );
      const theory = skew(toPrio);
      record({ mode: mode.name, pairing: pairing.label, event, taker, measuredMs: h.gapMs, theoryMs: theory });
      // RFC 9568 §6.4.2: a priority-0 advert sets Master_Down_Timer to Skew_Time.
      expect(h.gapMs, `handover vs Skew_Time ${theory.toFixed(1)} ms`).toBeLessThanOrEqual(theory + SLACK_MS);
      expect(h.gapMs).toBeGreaterThanOrEqual(theory - EARLY_MS);
      return h;
    };

    step('1. the higher priority node is elected', async () => {
      const t0 = Date.now();
      await Promise.all([vl!.start(HI, pairing.high, hiConf()), vl!.start(LO, pairing.low, loConf())]);
      await c.settle(HI);
      const first = vl!.capture.advertsWhere({ vrid: DEFAULT_VRID, src: c.src(HI), after: t0, minPriority: 1 })[0]!;
      expect(first.version).toBe(mode.version);
      expect(first.priority).toBe(HIGH_PRIORITY);
      expect(first.ok, first.error).toBe(true);
      await c.announced(HI, first.t - 1);
    });

    step('2. SIGKILL of the master: the backup takes over within Master_Down_Interval', async () => {
      const f = await failover('sigkill', () => vl!.kill(HI));
      await c.settle(LO);
      await c.announced(LO, f.firstNew - 1);
    });

    step('3. the high node restarts (stale VIP removed) and preempts', async () => {
      await vl!.start(HI, pairing.high, hiConf());
      // Straight after start-up the restarted node is BACKUP and must not keep the VIP its
      // killed predecessor left (keepalived: "(VI_1) removing VIPs." at start).
      expect(vl!.daemon(HI).state()).toBe('BACKUP');
      expect(vl!.vipHolders(c.vip), 'VIP holders right after the restart').toEqual([LO]);
      const mark = Date.now();
      await c.settle(HI);
      const first = vl!.capture.advertsWhere({ vrid: DEFAULT_VRID, src: c.src(HI), after: mark - 2000, minPriority: 1 })[0]!;
      await c.announced(HI, first.t - 1);
    });

    step('4. link down on the master: the backup takes over within Master_Down_Interval', async () => {
      const f = await failover('link-down', () => vl!.setLink(HI, false));
      await c.settle(LO, { othersState: ['FAULT'] });
      await c.announced(LO, f.firstNew - 1);
    });

    step('5. link back up: the high node preempts again', async () => {
      const mark = Date.now();
      vl!.setLink(HI, true);
      await c.settle(HI);
      const first = vl!.capture.advertsWhere({ vrid: DEFAULT_VRID, src: c.src(HI), after: mark, minPriority: 1 })[0]!;
      await c.announced(HI, first.t - 1);
    });

    step('6. SIGTERM of the master: priority-0 advert, handover within Skew_Time', async () => {
      const h = await handover('sigterm', HI, LO, LOW_PRIORITY, pairing.low);
      await c.settle(LO);
      // A graceful stop removes the VIP: no node but the new master has it.
      expect(vl!.vipHolders(c.vip)).toEqual([LO]);
      await c.announced(LO, h.firstNew - 1);
    });

    step('7. restarted with nopreempt, the high node stays BACKUP', async () => {
      const mark = Date.now();
      await vl!.start(HI, pairing.high, hiConf({ nopreempt: true }));
      // Hold for well past the high node's own Master_Down_Interval.
      await new Promise((r) => setTimeout(r, 2 * mdi(HIGH_PRIORITY) + 3 * c.interval()));
      const d = vl!.daemon(HI);
      expect(d.states.map((s) => s.state)).not.toContain('MASTER');
      expect(d.state()).toBe('BACKUP');
      expect(vl!.capture.advertsWhere({ vrid: DEFAULT_VRID, src: c.src(HI), after: mark })).toEqual([]);
      expect(vl!.currentMaster()).toBe(LO);
      expect(vl!.vipHolders(c.vip)).toEqual([LO]);
      await c.forwardingFollowsState();
    });

    step('8. SIGTERM of the low master hands over to the nopreempt node', async () => {
      const h = await handover('sigterm-back', LO, HI, HIGH_PRIORITY, pairing.high);
      await c.settle(HI);
      expect(vl!.vipHolders(c.vip)).toEqual([HI]);
      await c.announced(HI, h.firstNew - 1);
    });
  });
}

/**
 * Equal priorities: both nodes become MASTER while the bridge isolates their ports, then
 * see each other; RFC 9568 §6.4.3 ("Master"): the one with the lower primary address goes
 * BACKUP. The primary address is the IPv4 address, or the IPv6 link-local one.
 */
function tieBreakSuite(mode: VrrpMode, pairing: Pairing): void {
  describe.sequential(`equal priority, ${pairing.high} on a / ${pairing.low} on b: the higher primary address wins`, () => {
    let vl: VrrpLab | undefined;
    let c: Checks;
    const step = stepper(() => vl);
    beforeAll(async () => {
      vl = await VrrpLab.create({ nodes: ['a', 'b'] });
      c = new Checks(vl, mode);
    });
    afterAll(async () => {
      await vl?.close();
    });
    const isolate = (on: boolean) => {
      for (const n of ['a', 'b']) vl!.lab.exec(vl!.lab.switchNs, ['bridge', 'link', 'set', 'dev', vl!.lab.portOf(n), 'isolated', on ? 'on' : 'off']);
    };

    step('both become MASTER while isolated', async () => {
      isolate(true);
      const mk = (n: string) => renderConfig(mode, vl!.peerView(n), { priority: LOW_PRIORITY });
      await Promise.all([vl!.start('a', pairing.high, mk('a')), vl!.start('b', pairing.low, mk('b'))]);
      await waitFor(() => vl!.daemon('a').state() === 'MASTER' && vl!.daemon('b').state() === 'MASTER', 8 * c.interval() + 8000, 'both MASTER', {
        explain: () => vl!.explain(),
      });
      expect(vl!.vipHolders(c.vip).sort()).toEqual(['a', 'b']);
    });

    step('after the isolation ends, only the higher address stays MASTER', async () => {
      const winnerSrc = higherAddress(c.src('a'), c.src('b'));
      const winner = vl!.nodeOf(winnerSrc)!;
      const loser = winner === 'a' ? 'b' : 'a';
      isolate(false);
      await c.settle(winner);
      expect(vl!.daemon(loser).states.at(-1)?.state).toBe('BACKUP');
      expect(vl!.vipHolders(c.vip)).toEqual([winner]);
    });
  });
}
