/**
 * Tracking drives the VRRP state machine on a real network (docs/tracking.md,
 * REFERENCE.md §2 "Effective priority and tracking"): node `a` runs the implementation
 * under test at priority 150, node `b` runs keepalived 2.2.7 at priority 100, and the
 * bridge capture shows who advertises with which priority.
 *
 *   1. vrrp_script weight -60 fails: a advertises 150 - 60 = 90 < 100, so b's
 *      Master_Down_Timer fires and b takes over (RFC 3768 §6.4.2, v2 / 1 s); when the script
 *      recovers a preempts back (RFC 3768 §6.4.2: a lower-priority advert is ignored).
 *   2. weight-0 vrrp_script fails: a goes to FAULT, sends a priority-0 advert (RFC 9568
 *      §6.4.3 "Master", leaving), removes its VIP; b takes over after Skew_Time. Recovery:
 *      FAULT -> BACKUP -> MASTER.
 *   3. track_interface on a second interface (d0, one end of a veth pair in a's namespace)
 *      that goes down: the same as 2.
 *
 * Every case runs with keepvip as `a`, and again with keepalived as `a` (the referee that
 * shows the expectations are keepalived's own behaviour).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import {
  MODES,
  masterDownIntervalMs,
  renderConfig,
  vipAddress,
  VrrpLab,
  waitFor,
  type Impl,
  type VrrpMode,
} from '../helpers/vrrp-lab.js';
import { settled, trackBlock, vrrpScript, withTracking } from './helpers-tracking.js';

const reason = skipReason('keepalived', 'tcpdump');
const HIGH = 150;
const LOW = 100;
/** Scheduling, script start-up and capture slack on top of the protocol timers. */
const SLACK_MS = 1500;
/** vrrp_script interval used below, ms: a changed result is seen within one interval. */
const SCRIPT_INTERVAL_MS = 1000;

const open = new Set<VrrpLab>();
/** Priority-0 adverts sent on MASTER -> FAULT, per implementation (printed at the end). */
const zeroAdverts: Array<{ impl: Impl; count: number }> = [];
afterAll(async () => {
  for (const vl of open) await vl.close();
  if (zeroAdverts.length) console.log(`[tracking] priority-0 adverts on MASTER -> FAULT: ${zeroAdverts.map((z) => `${z.impl} ${z.count}`).join(', ')}`);
});

async function newLab(): Promise<VrrpLab> {
  const vl = await VrrpLab.create({ nodes: ['a', 'b'] });
  open.add(vl);
  return vl;
}

async function closeLab(vl: VrrpLab): Promise<void> {
  open.delete(vl);
  await vl.close();
}

/** Attach the lab's timeline and daemon output to a failure. */
async function inLab(fn: (vl: VrrpLab) => Promise<void>): Promise<void> {
  const vl = await newLab();
  const t0 = Date.now();
  try {
    await fn(vl);
  } catch (e) {
    if (e instanceof Error) e.message += `\n${vl.explain(t0)}`;
    throw e;
  } finally {
    await closeLab(vl);
  }
}

function statesAfter(vl: VrrpLab, node: string, t: number): string[] {
  return vl.daemon(node).states.filter((s) => s.t > t && s.instance === 'VI_1').map((s) => s.state);
}

/** Start `a` (under test) and `b` (keepalived) and wait until a is the settled master. */
async function startPair(vl: VrrpLab, dut: Impl, mode: VrrpMode, aConf: string): Promise<void> {
  await vl.start('a', dut, aConf);
  await vl.start('b', 'keepalived', renderConfig(mode, vl.peerView('b'), { priority: LOW }));
  await settled(vl, 'a', { vip: vipAddress(mode), timeoutMs: masterDownIntervalMs(mode.version, HIGH, mode.advertInt) + 3 * SCRIPT_INTERVAL_MS + SLACK_MS });
}

/**
 * Cases 2 and 3: a weight-0 tracker goes bad (fail) and good again (recover). a must go
 * FAULT with a priority-0 advert and without its VIP, b must take over, and a must come
 * back through BACKUP to MASTER.
 */
async function faultCase(vl: VrrpLab, mode: VrrpMode, fail: () => void, recover: () => void): Promise<void> {
  const vip = vipAddress(mode);
  const srcA = vl.srcOf('a', mode.family);
  const srcB = vl.srcOf('b', mode.family);
  const mdiLow = masterDownIntervalMs(mode.version, LOW, mode.advertInt);
  const mdiHigh = masterDownIntervalMs(mode.version, HIGH, mode.advertInt);

  const t0 = Date.now();
  fail();
  await waitFor(() => vl.daemon('a').state() === 'FAULT', SCRIPT_INTERVAL_MS + SLACK_MS, 'a to enter FAULT');
  // RFC 9568 §6.4.3 / keepalived: a master leaving for FAULT sends a priority-0 advert.
  const zero = await waitFor(() => vl.capture.advertsWhere({ src: srcA, after: t0, priority: 0 })[0], 2000, "a's priority-0 advert");
  // b takes over after Skew_Time (priority 0 received), well before Master_Down_Interval.
  const takeover = await waitFor(() => vl.capture.advertsWhere({ src: srcB, after: zero.t, minPriority: 1 })[0], mdiLow + SLACK_MS, "b's first advert");
  expect(takeover.t - zero.t, 'takeover after the priority-0 advert (Skew_Time, not Master_Down_Interval)').toBeLessThan(mdiLow);
  await settled(vl, 'b', { vip, others: ['FAULT'], timeoutMs: 3000 });
  expect(statesAfter(vl, 'a', t0)).toEqual(['FAULT']);
  expect(vl.lab.addresses('a')).not.toContain(vip);
  // In FAULT a stays silent (keepalived sends its priority-0 advert twice; nothing else follows).
  await new Promise((r) => setTimeout(r, Math.max(1000, 3 * mode.advertInt * 1000)));
  expect(vl.capture.advertsWhere({ src: srcA, after: zero.t, minPriority: 1 }), 'adverts from a while in FAULT').toEqual([]);
  zeroAdverts.push({ impl: vl.daemon('a').impl, count: vl.capture.advertsWhere({ src: srcA, after: t0, priority: 0 }).length });
  expect(vl.daemon('a').state()).toBe('FAULT');

  const t1 = Date.now();
  recover();
  // FAULT -> BACKUP, then (150 > 100, preempt) Master_Down_Timer -> MASTER.
  await settled(vl, 'a', { vip, timeoutMs: SCRIPT_INTERVAL_MS + mdiHigh + SLACK_MS });
  expect(statesAfter(vl, 'a', t1)).toEqual(['BACKUP', 'MASTER']);
  const back = vl.capture.advertsWhere({ src: srcA, after: t1 });
  expect(new Set(back.map((x) => x.priority)), "a's adverts after recovery").toEqual(new Set([HIGH]));
}

for (const dut of ['keepvip', 'keepalived'] as const) {
  describe.skipIf(!!reason)(`tracking on the wire: ${dut} (priority ${HIGH}) against keepalived (${LOW})${reason ? ` (${reason})` : ''}`, () => {
    it('vrrp_script weight -60: failure hands mastership to the peer, recovery takes it back (VRRPv2, 1 s)', async () => {
      const mode = MODES.v2;
      await inLab(async (vl) => {
        const vip = vipAddress(mode);
        const srcA = vl.srcOf('a', 4);
        const ok = vl.writeFile('ok', '');
        const conf = withTracking(renderConfig(mode, vl.peerView('a'), { priority: HIGH, extra: trackBlock('track_script', ['chk']) }), {
          blocks: [vrrpScript({ name: 'chk', script: `/usr/bin/test -f ${ok}`, interval: 1, weight: -60 })],
        });
        await startPair(vl, dut, mode, conf);
        const tStart = Date.now();
        await waitFor(() => vl.capture.advertsWhere({ src: srcA, after: tStart }).length >= 1, 3000, 'an advert from a');
        expect(new Set(vl.capture.advertsWhere({ src: srcA, after: tStart }).map((x) => x.priority))).toEqual(new Set([HIGH]));

        const t0 = Date.now();
        rmSync(ok);
        // Effective priority 150 - 60 = 90 on the wire, then b (100) takes over.
        const low = await waitFor(() => vl.capture.advertsWhere({ src: srcA, after: t0, priority: HIGH - 60 })[0], SCRIPT_INTERVAL_MS + SLACK_MS, 'an advert with priority 90 from a');
        await settled(vl, 'b', { vip, timeoutMs: SCRIPT_INTERVAL_MS + masterDownIntervalMs(2, LOW, 1) + SLACK_MS });
        expect(statesAfter(vl, 'a', t0), 'a steps down to BACKUP (no FAULT for a weighted script)').toEqual(['BACKUP']);
        const firstB = vl.capture.advertsWhere({ src: vl.srcOf('b', 4), after: t0, minPriority: 1 })[0]!;
        // Between the priority drop and b's takeover a kept advertising 90, never 150 or 0.
        expect(new Set(vl.capture.advertsWhere({ src: srcA, after: low.t - 1, before: firstB.t }).map((x) => x.priority))).toEqual(new Set([HIGH - 60]));
        expect(firstB.t - low.t, "b's takeover after a's first priority-90 advert (its Master_Down_Timer)").toBeGreaterThan(2000);

        const t1 = Date.now();
        writeFileSync(ok, '');
        // Back to 150: a (BACKUP) ignores b's lower-priority adverts and preempts.
        await settled(vl, 'a', { vip, timeoutMs: SCRIPT_INTERVAL_MS + masterDownIntervalMs(2, HIGH, 1) + SLACK_MS });
        expect(statesAfter(vl, 'a', t1)).toEqual(['MASTER']);
        expect(new Set(vl.capture.advertsWhere({ src: srcA, after: t1 }).map((x) => x.priority))).toEqual(new Set([HIGH]));
      });
    }, 60_000);

    it('weight-0 vrrp_script failure: FAULT, priority-0 advert, VIP removed, peer takes over; recovery (VRRPv3, 0.2 s)', async () => {
      const mode = MODES.v3;
      await inLab(async (vl) => {
        const ok = vl.writeFile('ok', '');
        const conf = withTracking(renderConfig(mode, vl.peerView('a'), { priority: HIGH, extra: trackBlock('track_script', ['chk']) }), {
          blocks: [vrrpScript({ name: 'chk', script: `/usr/bin/test -f ${ok}`, interval: 1, weight: 0 })],
        });
        await startPair(vl, dut, mode, conf);
        await faultCase(
          vl,
          mode,
          () => rmSync(ok),
          () => writeFileSync(ok, ''),
        );
      });
    }, 60_000);

    it('track_interface on a second interface going down: FAULT, priority-0 advert, VIP removed; link up: recovery (VRRPv3, 0.2 s)', async () => {
      const mode = MODES.v3;
      await inLab(async (vl) => {
        const ns = vl.node('a').ns;
        // A veth pair inside a's namespace (the dummy driver is not always available);
        // d0 is the tracked end.
        vl.lab.exec(ns, ['ip', 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd0p']);
        vl.lab.exec(ns, ['ip', 'link', 'set', 'd0p', 'up']);
        vl.lab.exec(ns, ['ip', 'link', 'set', 'd0', 'up']);
        const conf = renderConfig(mode, vl.peerView('a'), { priority: HIGH, extra: trackBlock('track_interface', ['d0']) });
        await startPair(vl, dut, mode, conf);
        await faultCase(
          vl,
          mode,
          () => vl.lab.exec(ns, ['ip', 'link', 'set', 'd0', 'down']),
          () => vl.lab.exec(ns, ['ip', 'link', 'set', 'd0', 'up']),
        );
      });
    }, 60_000);
  });
}
