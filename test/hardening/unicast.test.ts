/**
 * keepalived `check_unicast_src`, live: a keepvip MASTER whose instances (VRRPv3 and VRRPv2
 * with PASS auth) list one unicast peer (pa) drops adverts from any other source (reason
 * unicast_src), however attractive they are: x sends it valid, priority-255 unicast adverts
 * (which, from a peer, make a MASTER step down at once: RFC 9568 §6.4.3, RFC 3768 §6.4.3).
 * The control: the very same adverts from pa are accepted and kv steps down, so the only
 * thing that differed was the source.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import { VrrpLab, waitFor } from '../helpers/vrrp-lab.js';
import type { FloodReport, SenderSpec } from './flood-sender.js';
import { counters, modelOf, renderInstances, SENDER, type LabInstance } from './lab.js';

const reason = skipReason('tcpdump');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe.skipIf(!!reason)(`check_unicast_src: adverts from outside unicast_peer are dropped${reason ? ` (${reason})` : ''}`, () => {
  let vl: VrrpLab | undefined;
  let instances: LabInstance[] = [];
  let socket = '';

  beforeAll(async () => {
    vl = await VrrpLab.create({ nodes: ['kv', 'pa', 'x'], forwarding: false });
    const kvIp = vl.node('kv').ipv4;
    const peer = vl.node('pa').ipv4;
    const common = { unicastSrc: kvIp, unicastPeers: [peer], checkUnicastSrc: true };
    instances = [
      { name: 'VI_1', vrid: 51, version: 3, advertInt: 0.2, vip: '192.0.2.100', ...common },
      { name: 'VI_2', vrid: 52, version: 2, advertInt: 1, vip: '192.0.2.101', password: 'pässwört', ...common },
    ];
    socket = vl.controlSocket('kv');
    const kv = await vl.start('kv', 'keepvip', renderInstances('kv', 100, instances, socket), { waitInstance: null });
    await waitFor(() => kv.state('VI_1') === 'MASTER' && kv.state('VI_2') === 'MASTER', 20_000, 'kv MASTER of both', {
      explain: () => kv.output(),
    });
    // Neighbour entries first, so that no advert waits for ARP.
    for (const n of ['pa', 'x']) vl.lab.exec(vl.node(n).ns, ['ping', '-c', '1', '-W', '2', kvIp]);
  });
  afterAll(async () => {
    await vl?.close();
  });

  const send = async (from: 'x' | 'pa', count: number): Promise<FloodReport> => {
    const kvIp = vl!.node('kv').ipv4;
    const spec: SenderSpec = {
      ifname: 'eth0',
      src: vl!.node(from).ipv4,
      targets: instances.map((i) => ({ inst: modelOf(i, kvIp), usedVrids: [51, 52] })),
      kinds: ['valid'],
      rate: 100,
      count,
      priority: 255,
      seed: 7,
      pool: 200,
    };
    const out = await vl!.runScript(from, SENDER, [JSON.stringify(spec)]);
    return JSON.parse(out.trim().split('\n').at(-1)!) as FloodReport;
  };

  it('drops priority-255 adverts from a source outside unicast_peer, counts them, stays MASTER', async () => {
    const kv = vl!.daemon('kv');
    const xIp = vl!.node('x').ipv4;
    const before = await counters(socket);
    const states = kv.states.length;
    const mark = Date.now();
    const report = await send('x', 20);
    expect(report.sent).toBe(20);
    // Let at least one Master_Down_Interval pass: an accepted 255 would have demoted kv at once.
    await sleep(1500);
    const after = await counters(socket);
    for (const i of instances) {
      const sent = report.byKind[`${i.name}/valid`] ?? 0;
      expect(sent, i.name).toBeGreaterThan(0);
      expect(after.drops[i.name]!.unicast_src! - (before.drops[i.name]!.unicast_src ?? 0), `${i.name} unicast_src drops`).toBe(sent);
      expect(after.advertRcvd[i.name], `${i.name} advertRcvd`).toBe(before.advertRcvd[i.name]);
    }
    expect(kv.states.slice(states), kv.output()).toEqual([]);
    expect(vl!.vipHolders('192.0.2.100')).toEqual(['kv']);
    // They were on the wire as valid adverts (the capture decodes them), from x to kv.
    const seen = vl!.capture.advertsWhere({ src: xIp, after: mark - 1 });
    expect(seen).toHaveLength(20);
    expect(seen.every((a) => a.ok && a.priority === 255 && a.dst === vl!.node('kv').ipv4)).toBe(true);
    const logged = kv.events('advert_dropped').filter((e) => e.reason === 'unicast_src');
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(String(logged[0]!.detail)).toContain(xIp);
  });

  it('control: the same adverts from the peer are accepted, and kv steps down', async () => {
    const kv = vl!.daemon('kv');
    const before = await counters(socket);
    const states = kv.states.length;
    const report = await send('pa', 6);
    expect(report.sent).toBe(6);
    await waitFor(
      () => ['VI_1', 'VI_2'].every((n) => kv.states.slice(states).some((s) => s.instance === n && s.state === 'BACKUP')),
      5000,
      'kv to step down on both instances',
      { explain: () => kv.output() },
    );
    const after = await counters(socket);
    for (const i of instances) {
      expect(after.drops[i.name]!.unicast_src, i.name).toBe(before.drops[i.name]!.unicast_src);
      expect(after.advertRcvd[i.name]! - before.advertRcvd[i.name]!, `${i.name} accepted`).toBe(report.byKind[`${i.name}/valid`] ?? 0);
    }
  });
});
