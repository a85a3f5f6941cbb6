/**
 * Tracking at runtime on a real network (issue 5, trackers; REFERENCE.md §2 "Effective
 * priority and tracking"), VRRPv3 IPv4 multicast, advert_int 0.2 s:
 *   1. dont_track_primary: two keepvip nodes, each the only router of its own VRID; both
 *      links go down. The instance with dont_track_primary stays MASTER (no FAULT, VIP
 *      kept); the one without goes FAULT and drops its VIP, and comes back when the link does.
 *   2. per-instance weight override: vrrp_script chk has weight -10, the instance tracks it
 *      with `chk weight -60`. When it fails, keepvip (150) advertises 90, not 140, and the
 *      keepalived peer (100) takes over; recovery takes it back.
 *   3. sync-group tracking: keepvip and keepalived each run VI_1 and VI_2 in
 *      vrrp_sync_group G; on keepvip only VI_2 tracks a weight-0 script. Its failure faults
 *      the whole group: VI_1 goes FAULT too, keepalived takes both VRIDs and both VIPs;
 *      recovery brings both back.
 * Needs root, iproute2, tcpdump, keepalived.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import { closeOpenLabs, MODES, renderConfig, waitFor, withVrrpLab, type PeerView, type VrrpLab, type VrrpMode } from '../helpers/vrrp-lab.js';
import { trackBlock, vrrpScript, withTracking } from './helpers-tracking.js';

const reason = skipReason('keepalived', 'tcpdump');
const V3: VrrpMode = MODES.v3;
const V3_B: VrrpMode = { ...MODES.v3, vip: '192.0.2.101/24' };
const VIP1 = '192.0.2.100';
const VIP2 = '192.0.2.101';

afterEach(closeOpenLabs);

const inLab = (nodes: string[], fn: (vl: VrrpLab) => Promise<void>) => withVrrpLab({ nodes }, fn);

const statesAfter = (vl: VrrpLab, node: string, instance: string, t: number) =>
  vl.daemon(node).states.filter((s) => s.t > t && s.instance === instance).map((s) => s.state);

/** VI_1 (VRID 51, VIP .100) and VI_2 (VRID 52, VIP .101) in vrrp_sync_group G. */
function groupConfig(view: PeerView, priority: number, vi2Extra: string[] = []): string {
  const one = renderConfig(V3, view, { priority });
  const two = renderConfig(V3_B, view, { priority, vrid: 52, instance: 'VI_2', extra: vi2Extra });
  const vi2 = two.slice(two.indexOf('vrrp_instance '));
  return `${one.trimEnd()}\n${vi2.trimEnd()}\nvrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n`;
}

describe.skipIf(!!reason)(`tracking at runtime${reason ? ` (${reason})` : ''}`, () => {
  it('dont_track_primary: the own interface going down faults only the instance without it', async () => {
    await inLab(['a', 'b'], async (vl) => {
      const a = await vl.start('a', 'keepvip', renderConfig(V3, vl.peerView('a'), { priority: 150, extra: ['dont_track_primary'] }));
      const b = await vl.start('b', 'keepvip', renderConfig(V3_B, vl.peerView('b'), { priority: 150, vrid: 52 }));
      await waitFor(() => a.state() === 'MASTER' && b.state() === 'MASTER', 10_000, 'a and b MASTER of their own VRIDs');
      await waitFor(() => vl.vipHolders(VIP1).join() === 'a' && vl.vipHolders(VIP2).join() === 'b', 5000, 'each VIP on its node');

      const tDown = Date.now();
      vl.setLink('a', false);
      vl.setLink('b', false);
      await waitFor(() => b.state() === 'FAULT', 3000, 'b (tracking its interface) in FAULT');
      await waitFor(() => !vl.lab.addresses('b').includes(VIP2), 3000, 'b to drop its VIP');
      // Give a the same time and more: nothing happens to it.
      await new Promise((r) => setTimeout(r, 1500));
      expect(statesAfter(vl, 'a', 'VI_1', tDown), 'a (dont_track_primary) state changes while its link is down').toEqual([]);
      expect(a.state()).toBe('MASTER');
      expect(vl.lab.addresses('a')).toContain(VIP1);
      expect(a.running, 'a still running with its link down').toBe(true);
      expect(statesAfter(vl, 'b', 'VI_1', tDown)).toEqual(['FAULT']);

      const tUp = Date.now();
      vl.setLink('a', true);
      vl.setLink('b', true);
      await waitFor(() => b.state() === 'MASTER', 5000, 'b MASTER again after link up');
      await waitFor(() => vl.vipHolders(VIP2).join() === 'b', 3000, "b's VIP back");
      expect(statesAfter(vl, 'b', 'VI_1', tUp)).toEqual(['BACKUP', 'MASTER']);
      // a advertises again once its link is up, still MASTER, never faulted.
      await waitFor(() => vl.capture.advertsWhere({ src: vl.srcOf('a', 4), after: tUp + 100, minPriority: 150 }).length >= 2, 3000, 'adverts from a after link up');
      expect(statesAfter(vl, 'a', 'VI_1', tDown)).toEqual([]);
      expect(vl.lab.addresses('a')).toContain(VIP1);
    });
  }, 60_000);

  it('track_script { chk weight -60 } overrides the script weight -10 on the wire', async () => {
    await inLab(['a', 'b'], async (vl) => {
      const ok = vl.writeFile('ok', '');
      const conf = withTracking(renderConfig(V3, vl.peerView('a'), { priority: 150, extra: trackBlock('track_script', ['chk weight -60']) }), {
        blocks: [vrrpScript({ name: 'chk', script: `/usr/bin/test -f ${ok}`, interval: 1, weight: -10 })],
      });
      const a = await vl.start('a', 'keepvip', conf);
      const b = await vl.start('b', 'keepalived', renderConfig(V3, vl.peerView('b'), { priority: 100 }));
      await waitFor(() => a.state() === 'MASTER' && b.state() === 'BACKUP', 10_000, 'a MASTER, b BACKUP');
      const srcA = vl.srcOf('a', 4);

      const t0 = Date.now();
      rmSync(ok);
      const low = await waitFor(() => vl.capture.advertsWhere({ src: srcA, after: t0, minPriority: 1 }).find((x) => x.priority !== 150), 3000, 'a changed priority');
      expect(low.priority, 'effective priority 150 - 60 (the override), not 150 - 10').toBe(90);
      await waitFor(() => b.state() === 'MASTER' && a.state() === 'BACKUP', 5000, 'b MASTER, a BACKUP');
      await waitFor(() => vl.vipHolders(VIP1).join() === 'b', 3000, 'the VIP on b only');
      expect(statesAfter(vl, 'a', 'VI_1', t0)).toEqual(['BACKUP']);

      const t1 = Date.now();
      writeFileSync(ok, '');
      await waitFor(() => a.state() === 'MASTER' && b.state() === 'BACKUP', 5000, 'a MASTER again');
      await waitFor(() => vl.vipHolders(VIP1).join() === 'a', 3000, 'the VIP back on a');
      const later = Date.now();
      await waitFor(() => vl.capture.advertsWhere({ src: srcA, after: later }).length >= 2, 2000, 'adverts from a');
      expect(new Set(vl.capture.advertsWhere({ src: srcA, after: later }).map((x) => x.priority))).toEqual(new Set([150]));
      expect(statesAfter(vl, 'a', 'VI_1', t1)).toEqual(['MASTER']);
    });
  }, 60_000);

  it('sync group: a weight-0 tracker failing in one member faults and moves the whole group', async () => {
    await inLab(['a', 'b'], async (vl) => {
      const ok = vl.writeFile('ok', '');
      const conf = withTracking(groupConfig(vl.peerView('a'), 150, trackBlock('track_script', ['chk'])), {
        blocks: [vrrpScript({ name: 'chk', script: `/usr/bin/test -f ${ok}`, interval: 1, weight: 0 })],
      });
      const a = await vl.start('a', 'keepvip', conf);
      const b = await vl.start('b', 'keepalived', groupConfig(vl.peerView('b'), 100));
      const both = (d: typeof a, s: string) => d.state('VI_1') === s && d.state('VI_2') === s;
      const holders = () => `${vl.vipHolders(VIP1).join()}|${vl.vipHolders(VIP2).join()}`;
      await waitFor(() => both(a, 'MASTER') && both(b, 'BACKUP'), 10_000, 'a MASTER of both, b BACKUP of both');
      await waitFor(() => holders() === 'a|a', 3000, 'both VIPs on a');

      const t0 = Date.now();
      rmSync(ok);
      await waitFor(() => both(a, 'FAULT'), 4000, 'a: VI_1 and VI_2 in FAULT');
      await waitFor(() => both(b, 'MASTER'), 5000, 'b MASTER of both');
      await waitFor(() => holders() === 'b|b', 3000, 'both VIPs on b only', { explain: holders });
      // VI_1 tracks nothing itself: it went FAULT because its group did.
      expect(statesAfter(vl, 'a', 'VI_1', t0)).toEqual(['FAULT']);
      expect(statesAfter(vl, 'a', 'VI_2', t0)).toEqual(['FAULT']);
      // Both VRIDs were left with a priority-0 advert from a.
      for (const vrid of [51, 52]) expect(vl.capture.advertsWhere({ vrid, src: vl.srcOf('a', 4), after: t0, priority: 0 }).length, `priority-0 advert for VRID ${vrid}`).toBeGreaterThan(0);

      const t1 = Date.now();
      writeFileSync(ok, '');
      await waitFor(() => both(a, 'MASTER') && both(b, 'BACKUP'), 6000, 'a MASTER of both again');
      await waitFor(() => holders() === 'a|a', 3000, 'both VIPs back on a', { explain: holders });
      expect(statesAfter(vl, 'a', 'VI_1', t1)).toEqual(['BACKUP', 'MASTER']);
      expect(statesAfter(vl, 'a', 'VI_2', t1)).toEqual(['BACKUP', 'MASTER']);
    });
  }, 60_000);
});
