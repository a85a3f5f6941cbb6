/**
 * virtual_ipaddress_excluded (issue 4, "Addresses, links, forwarding"): a keepvip MASTER
 * adds the excluded addresses to its interface together with the VIPs, but its adverts
 * carry only the virtual_ipaddress list (keepalived.conf(5): "addresses not included in
 * the VRRP packet"); a node leaving MASTER (to BACKUP, or on SIGTERM) removes them.
 *
 * Node a (keepvip, priority 150) and node b (keepvip, priority 200, started later), both
 * with one VIP and two excluded addresses, VRRPv3 IPv4 multicast, advert_int 0.2 s. The
 * adverts are decoded from the bridge capture (saved as pcap and re-read).
 * Needs root, iproute2, tcpdump.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAdvert } from '../../src/core/codec/vrrp.js';
import { skipReason } from '../helpers/netns.js';
import { parseIpFrame, readPcap } from '../helpers/pcap.js';
import { MODES, renderConfig, vipAddress, VrrpLab, waitFor } from '../helpers/vrrp-lab.js';

const reason = skipReason('tcpdump');
const mode = MODES.v3;
const VIP = vipAddress(mode);
const EXCLUDED = ['192.0.2.200', '198.51.100.7'];
const EXTRA = ['virtual_ipaddress_excluded {', '    192.0.2.200/24 dev eth0', '    198.51.100.7/32 dev eth0', '}'];

interface DecodedAdvert {
  t: number;
  src: string;
  priority: number;
  count: number;
  addresses: readonly string[];
}

/** Every VRRP advert on the bridge so far, fully decoded (the capture's frames via pcap). */
function decodedAdverts(vl: VrrpLab): DecodedAdvert[] {
  const file = join(vl.dir, `capture-${Date.now()}.pcap`);
  vl.capture.savePcap(file);
  const pcap = readPcap(readFileSync(file), { allowTruncated: true });
  const out: DecodedAdvert[] = [];
  for (const r of pcap.records) {
    const ip = parseIpFrame(pcap.linktype, r.data);
    if (!ip || ip.proto !== 112) continue;
    const d = decodeAdvert(ip.payload, { family: ip.family, src: ip.src, dst: ip.dst, ttl: ip.ttl, ifname: 'br0' });
    if (!d.ok) throw new Error(`undecodable advert from ${ip.src}: ${d.reason} ${d.detail}`);
    out.push({ t: r.tsSec * 1000 + r.tsUsec / 1000, src: ip.src, priority: d.advert.priority, count: ip.payload[3]!, addresses: d.advert.addresses });
  }
  return out;
}

describe.skipIf(!!reason)(`virtual_ipaddress_excluded on keepvip${reason ? ` (${reason})` : ''}`, () => {
  let vl: VrrpLab;
  const has = (n: string, addr: string) => vl.lab.addresses(n).includes(addr);
  const conf = (n: string, priority: number) => renderConfig(mode, vl.peerView(n), { priority, extra: EXTRA });

  beforeAll(async () => {
    vl = await VrrpLab.create({ nodes: ['a', 'b'] });
  });
  afterAll(async () => {
    await vl?.close();
  });

  it('MASTER adds the excluded addresses; its adverts list only the VIP; BACKUP removes them', async () => {
    // Before any daemon: nothing there.
    for (const x of [VIP, ...EXCLUDED]) expect(has('a', x)).toBe(false);
    const d = await vl.start('a', 'keepvip', conf('a', 150));
    expect(d.state()).toBe('BACKUP');
    // While BACKUP (before the Master_Down_Timer fires) nothing is added.
    for (const x of [VIP, ...EXCLUDED]) expect(has('a', x), `${x} on a while BACKUP`).toBe(false);
    await waitFor(() => d.state() === 'MASTER', 10_000, 'a MASTER', { explain: () => vl.explain() });
    await waitFor(() => [VIP, ...EXCLUDED].every((x) => has('a', x)), 5000, 'VIP and excluded addresses on a', {
      explain: () => vl.lab.addresses('a').join(' '),
    });
    const tMaster = Date.now();
    await waitFor(() => vl.capture.advertsWhere({ src: vl.srcOf('a', 4), after: tMaster }).length >= 5, 5000, 'five adverts from a');

    const fromA = decodedAdverts(vl).filter((x) => x.src === vl.srcOf('a', 4) && x.priority > 0);
    expect(fromA.length).toBeGreaterThanOrEqual(5);
    for (const adv of fromA) {
      expect(adv.count, 'Count IPv4 Addr in a MASTER advert').toBe(1);
      expect(adv.addresses).toEqual([VIP]);
    }
    // The capture helper's own header field agrees.
    expect(new Set(vl.capture.advertsWhere({ src: vl.srcOf('a', 4) }).map((x) => x.count))).toEqual(new Set([1]));

    // b, priority 200, preempts: a goes BACKUP and removes VIP and excluded addresses; b adds them.
    const tB = Date.now();
    const b = await vl.start('b', 'keepvip', conf('b', 200));
    await waitFor(() => b.state() === 'MASTER' && d.state() === 'BACKUP', 10_000, 'b MASTER, a BACKUP', { explain: () => vl.explain(tB) });
    await waitFor(() => [VIP, ...EXCLUDED].every((x) => !has('a', x)), 5000, 'a to remove the VIP and the excluded addresses', {
      explain: () => vl.lab.addresses('a').join(' '),
    });
    await waitFor(() => [VIP, ...EXCLUDED].every((x) => has('b', x)), 5000, 'b to add the VIP and the excluded addresses', {
      explain: () => vl.lab.addresses('b').join(' '),
    });
    const fromB = decodedAdverts(vl).filter((x) => x.src === vl.srcOf('b', 4) && x.priority > 0);
    expect(fromB.length).toBeGreaterThan(0);
    for (const adv of fromB) expect(adv.addresses).toEqual([VIP]);
  });

  it('SIGTERM removes the excluded addresses (and b handing back: a re-adds them)', async () => {
    const tStop = Date.now();
    const exitB = await vl.terminate('b');
    expect(exitB.code).toBe(0);
    for (const x of [VIP, ...EXCLUDED]) expect(has('b', x), `${x} on b after SIGTERM`).toBe(false);
    // b's goodbye (priority 0) still lists only the VIP.
    const zero = decodedAdverts(vl).filter((x) => x.src === vl.srcOf('b', 4) && x.priority === 0 && x.t > tStop);
    expect(zero.length).toBeGreaterThan(0);
    for (const adv of zero) expect(adv.addresses).toEqual([VIP]);

    const a = vl.daemon('a');
    await waitFor(() => a.state() === 'MASTER', 5000, 'a MASTER again', { explain: () => vl.explain(tStop) });
    await waitFor(() => [VIP, ...EXCLUDED].every((x) => has('a', x)), 5000, 'the VIP and excluded addresses back on a');

    const exitA = await vl.terminate('a');
    expect(exitA.code).toBe(0);
    for (const x of [VIP, ...EXCLUDED]) expect(has('a', x), `${x} on a after SIGTERM`).toBe(false);
  });
});
