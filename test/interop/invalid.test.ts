/**
 * Invalid adverts against a running keepvip BACKUP, with keepalived 2.2.7 beside it as the
 * referee. A node of the lab sends priority-0 adverts for the VRID (which, if accepted,
 * start Skew_Time and make every backup MASTER: RFC 9568 §6.4.2, RFC 3768 §6.4.2):
 *   - TTL / hop limit 254 (RFC 9568 §7.1, RFC 3768 §7.1: must be 255): dropped, reason ttl;
 *   - a corrupted checksum (RFC 9568 §5.2.8, RFC 3768 §5.3.8): dropped, reason checksum;
 *   - then the same advert, valid: the keepvip backup takes over after its Skew_Time (the
 *     injection path works, so the two drops above are the receivers' doing).
 * keepalived runs with a lower priority (a longer Skew_Time), so in the last step it hears
 * keepvip's first advert and stays BACKUP; its log shows how it judged each packet.
 * keepvip must stay BACKUP, log advert_dropped with the reason (JSON logs) and count the
 * drop (stats over the control socket). advert_int is 10 s, so no backup's own
 * Master_Down_Timer (30+ s) fires during the test.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DropReason } from '../../src/core/codec/errors.js';
import { controlRequest } from '../../src/ops/control.js';
import { skipReason } from '../helpers/netns.js';
import {
  DEFAULT_INSTANCE,
  DEFAULT_VRID,
  renderConfig,
  skewTimeMs,
  vipAddress,
  VrrpLab,
  waitFor,
  type VrrpMode,
} from '../helpers/vrrp-lab.js';
import type { InjectSpec } from './inject-advert.js';

const reason = skipReason('keepalived', 'tcpdump');
const INJECT = fileURLToPath(new URL('./inject-advert.ts', import.meta.url));

interface Variant {
  mode: VrrpMode;
  /** keepvip's priority (v3's Skew_Time scales with the interval: keep it short). */
  priority: number;
  /** keepalived's: lower, so that its Skew_Time ends well after keepvip's. */
  refereePriority: number;
  /**
   * What keepalived logs for the bad checksum. None for IPv6: its socket has IPV6_CHECKSUM
   * set, so the kernel drops the packet before keepalived sees it.
   */
  refereeChecksumLine: RegExp | null;
}

const VARIANTS: Variant[] = [
  {
    mode: { name: 'VRRPv2 IPv4 multicast', version: 2, family: 4, unicast: false, advertInt: 10, vip: '192.0.2.100/24' },
    priority: 100,
    refereePriority: 50,
    refereeChecksumLine: /Invalid VRRPv2 checksum/,
  },
  {
    mode: { name: 'VRRPv3 IPv6 multicast', version: 3, family: 6, unicast: false, advertInt: 10, vip: '2001:db8::100/64' },
    priority: 250,
    refereePriority: 200,
    refereeChecksumLine: null,
  },
];

describe.skipIf(!!reason)(`invalid adverts are dropped and counted${reason ? ` (${reason})` : ''}`, () => {
  for (const { mode, priority, refereePriority, refereeChecksumLine } of VARIANTS) {
    describe.sequential(mode.name, () => {
      let vl: VrrpLab | undefined;
      const skew = skewTimeMs(mode.version, priority, mode.advertInt);

      beforeAll(async () => {
        vl = await VrrpLab.create({ nodes: ['kv', 'ka', 'x'] });
        await Promise.all([
          vl.start('kv', 'keepvip', renderConfig(mode, vl.peerView('kv'), { priority })),
          vl.start('ka', 'keepalived', renderConfig(mode, vl.peerView('ka'), { priority: refereePriority })),
        ]);
        expect(vl.daemon('kv').state()).toBe('BACKUP');
        expect(vl.daemon('ka').state()).toBe('BACKUP');
      });
      afterAll(async () => {
        await vl?.close();
      });

      const inject = async (o: { ttl: number; badChecksum?: boolean }): Promise<number> => {
        const spec: InjectSpec = {
          family: mode.family,
          version: mode.version,
          vrid: DEFAULT_VRID,
          priority: 0,
          intervalCs: mode.advertInt * 100,
          addresses: [vipAddress(mode)],
          src: vl!.srcOf('x', mode.family),
          dst: mode.family === 4 ? '224.0.0.18' : 'ff02::12',
          ifname: 'eth0',
          ttl: o.ttl,
          ...(o.badChecksum ? { badChecksum: true } : {}),
        };
        const mark = Date.now();
        const out = await vl!.runScript('x', INJECT, [JSON.stringify(spec)]);
        expect(JSON.parse(out.trim())).toMatchObject({ sent: expect.any(Number) });
        // The packet is on the wire as crafted.
        const seen = await waitFor(
          () => vl!.capture.advertsWhere({ vrid: DEFAULT_VRID, src: spec.src, after: mark - 1 })[0],
          3000,
          'the injected advert in the capture',
        );
        expect(seen.ttl).toBe(o.ttl);
        expect(seen.priority).toBe(0);
        expect(seen.ok, seen.error).toBe(!o.badChecksum);
        return seen.t;
      };

      const drops = async (r: DropReason): Promise<number> => {
        const res = await controlRequest(vl!.controlSocket('kv'), { cmd: 'stats' });
        if (!res.ok || res.cmd !== 'stats') throw new Error(`stats: ${JSON.stringify(res)}`);
        return res.result.instances.find((i) => i.name === DEFAULT_INSTANCE)!.stats.drops[r];
      };

      /** keepalived's verdict on the injected packet, from its log. */
      const referee = (line: RegExp) =>
        waitFor(() => vl!.daemon('ka').lines.find((l) => line.test(l)), 3000, `keepalived to log ${line}`, {
          explain: () => vl!.daemon('ka').output(),
        });

      const expectDropped = async (r: DropReason, detail: RegExp) => {
        const kv = vl!.daemon('kv');
        const rec = await waitFor(
          () => kv.events('advert_dropped').find((e) => e.reason === r),
          3000,
          `keepvip to log advert_dropped reason ${r}`,
          { explain: () => kv.output() },
        );
        expect(rec).toMatchObject({ instance: DEFAULT_INSTANCE, reason: r, level: 'warn' });
        expect(String(rec.detail)).toMatch(detail);
        expect(await drops(r)).toBe(1);
        // Had it been accepted, Skew_Time would have made both backups MASTER by now.
        await new Promise((res) => setTimeout(res, skew + 700));
        for (const n of ['kv', 'ka']) {
          expect(vl!.daemon(n).states.map((s) => s.state), `${n} states`).toEqual(['BACKUP']);
        }
        expect(vl!.vipHolders(vipAddress(mode))).toEqual([]);
      };

      it(`a ${mode.family === 4 ? 'TTL' : 'hop limit'} 254 advert is dropped (reason ttl) and counted`, async () => {
        await inject({ ttl: 254 });
        await referee(/invalid TTL\/HL\. Received 254 and expect 255/);
        await expectDropped('ttl', /254/);
      });

      it('a bad-checksum advert is dropped (reason checksum) and counted', async () => {
        await inject({ ttl: 255, badChecksum: true });
        if (refereeChecksumLine) await referee(refereeChecksumLine);
        await expectDropped('checksum', /checksum/);
        expect(await drops('ttl')).toBe(1);
      });

      it('control: the same advert, valid, makes keepvip take over after Skew_Time', async () => {
        const t = await inject({ ttl: 255 });
        await referee(/Backup received priority 0 advertisement/);
        await waitFor(() => vl!.daemon('kv').state() === 'MASTER', skew + 3000, 'keepvip to take over', {
          explain: () => vl!.explain(t - 1000),
        });
        const first = vl!.capture.advertsWhere({ vrid: DEFAULT_VRID, src: vl!.srcOf('kv', mode.family), after: t, minPriority: 1 })[0];
        expect(first).toBeDefined();
        // RFC 9568 §6.4.2: a priority-0 advert sets Master_Down_Timer to Skew_Time.
        expect(first!.t - t).toBeGreaterThanOrEqual(skew - 50);
        expect(first!.t - t).toBeLessThanOrEqual(skew + 100);
        expect(vl!.daemon('kv').events('advert_dropped')).toHaveLength(2);
      });
    });
  }
});
