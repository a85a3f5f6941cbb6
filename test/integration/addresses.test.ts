/**
 * The daemon and the interface's addresses (issue: data plane): a VIP deleted by someone
 * else while MASTER comes back (keepalived does the same), and the interface losing the
 * instance's own address is a FAULT (priority-0 advert, VIP removed) until it returns.
 * Needs root, iproute2, tcpdump (namespaces and a capture).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import { MODES, renderConfig, VrrpLab, waitFor } from '../helpers/vrrp-lab.js';

const reason = skipReason('tcpdump');
const VIP = '192.0.2.100';

describe.skipIf(!!reason)('keepvip and the interface addresses', () => {
  let vl: VrrpLab;
  beforeAll(async () => {
    vl = await VrrpLab.create({ nodes: ['a'] });
    const conf = renderConfig(MODES.v3, vl.peerView('a'), { priority: 150 });
    await vl.start('a', 'keepvip', conf);
    await waitFor(() => vl.daemon('a').state() === 'MASTER', 10_000, 'a MASTER', { explain: () => vl.explain() });
    await waitFor(() => vl.vipHolders(VIP).includes('a'), 5_000, 'the VIP on a');
  }, 60_000);
  afterAll(async () => {
    await vl?.close();
  });

  it('re-adds a VIP deleted by someone else while MASTER', async () => {
    const ns = vl.node('a').ns;
    const readds = () => vl.daemon('a').events('vips_added').length;
    const before = readds();
    vl.lab.exec(ns, ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
    // The daemon may put it back within milliseconds: wait for its log of doing so.
    await waitFor(() => readds() > before, 5_000, 'keepvip to re-add the VIP', { explain: () => vl.explain() });
    await waitFor(() => vl.vipHolders(VIP).includes('a'), 5_000, 'the VIP back on a', { explain: () => vl.explain() });
    expect(vl.daemon('a').state()).toBe('MASTER');
  });

  it('goes to FAULT when the interface loses the advert source address, and back when it returns', async () => {
    const ns = vl.node('a').ns;
    const src = vl.srcOf('a', 4);
    const t0 = Date.now();
    vl.lab.exec(ns, ['ip', 'addr', 'del', `${src}/24`, 'dev', 'eth0']);
    await waitFor(() => vl.daemon('a').state() === 'FAULT', 5_000, 'a in FAULT', { explain: () => vl.explain(t0) });
    await waitFor(() => !vl.vipHolders(VIP).includes('a'), 5_000, 'the VIP removed from a');
    // The priority-0 advert goes out from the address being removed; it may or may not make
    // it to the wire, so it is not asserted. No advert with priority > 0 follows.
    const tFault = Date.now();
    await new Promise((r) => setTimeout(r, 800));
    expect(vl.capture.advertsWhere({ src, after: tFault, minPriority: 1 })).toEqual([]);

    vl.lab.exec(ns, ['ip', 'addr', 'add', `${src}/24`, 'dev', 'eth0']);
    await waitFor(() => vl.daemon('a').state() === 'MASTER', 10_000, 'a MASTER again', { explain: () => vl.explain(t0) });
    await waitFor(() => vl.vipHolders(VIP).includes('a'), 5_000, 'the VIP back on a');
  });
});
