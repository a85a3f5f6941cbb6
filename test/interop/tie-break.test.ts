/**
 * Equal-priority elections that keepvip must WIN (RFC 3768 §6.4.3 / RFC 9568 §6.4.3: a
 * MASTER receiving an advert of equal priority goes BACKUP only when the sender's primary
 * address is higher than its own). The interop matrix (scenario.ts tieBreakSuite) covers
 * keepvip on the lower address against keepalived in most modes; here keepvip is on the
 * node with the HIGHER primary address (IPv4: 192.0.2.11 vs .10; IPv6: the higher
 * link-local address, chosen after the lab is built) and keepalived 2.2.7 on the lower one,
 * both at priority 100; and keepvip against keepvip.
 *
 * Both nodes are first made MASTER while their bridge ports are isolated (each elects
 * itself), then the isolation ends: the higher address must stay MASTER with the VIP and be
 * the only one advertising, the lower one must log BACKUP and drop the VIP.
 * Needs root, iproute2, keepalived, tcpdump.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import { closeOpenLabs, DEFAULT_VRID, MODES, renderConfig, vipAddress, waitFor, withVrrpLab, type Impl, type VrrpMode } from '../helpers/vrrp-lab.js';
import { higherAddress } from './scenario.js';

const reason = skipReason('keepalived', 'tcpdump');
const PRIORITY = 100;

afterEach(closeOpenLabs);

const timings: string[] = [];

async function tieBreak(mode: VrrpMode, winnerImpl: Impl, loserImpl: Impl): Promise<void> {
  await withVrrpLab({ nodes: ['a', 'b'] }, async (vl) => {
    const t0 = Date.now();
    const src = (n: string) => vl.srcOf(n, mode.family, mode.unicast);
    const winner = vl.nodeOf(higherAddress(src('a'), src('b')))!;
    const loser = winner === 'a' ? 'b' : 'a';
    if (mode.family === 4) expect(winner, 'IPv4: b has the higher address (192.0.2.11)').toBe('b');
    const vip = vipAddress(mode);
    const intervalMs = mode.advertInt * 1000;
    const isolate = (on: boolean) => {
      for (const n of ['a', 'b']) vl.lab.exec(vl.lab.switchNs, ['bridge', 'link', 'set', 'dev', vl.lab.portOf(n), 'isolated', on ? 'on' : 'off']);
    };

    isolate(true);
    const conf = (n: string) => renderConfig(mode, vl.peerView(n), { priority: PRIORITY });
    await Promise.all([vl.start(winner, winnerImpl, conf(winner)), vl.start(loser, loserImpl, conf(loser))]);
    await waitFor(() => vl.daemon(winner).state() === 'MASTER' && vl.daemon(loser).state() === 'MASTER', 8 * intervalMs + 8000, 'both MASTER while isolated', {
      explain: () => vl.explain(t0),
    });
    expect(vl.vipHolders(vip).sort()).toEqual(['a', 'b']);

    const tJoin = Date.now();
    isolate(false);
    await waitFor(() => vl.daemon(loser).state() === 'BACKUP', 4 * intervalMs + 3000, `${loser} (${loserImpl}, lower address) to go BACKUP`, {
      explain: () => vl.explain(tJoin - 1000),
    });
    const tBackup = Date.now() - tJoin;
    await waitFor(() => vl.vipHolders(vip).join() === winner, 3000, `the VIP only on ${winner}`, { explain: () => `holders: ${vl.vipHolders(vip).join(', ')}` });
    // Stable: over the next three intervals only the winner advertises, and stays MASTER.
    const from = Date.now();
    await new Promise((r) => setTimeout(r, Math.max(3 * intervalMs, 600)));
    const to = Date.now();
    await waitFor(() => vl.capture.advertsWhere({ vrid: DEFAULT_VRID, after: to }).length > 0, 2 * intervalMs + 2000, 'an advert after the window');
    const srcs = [...new Set(vl.capture.advertsWhere({ vrid: DEFAULT_VRID, after: from, before: to, minPriority: 1 }).map((x) => x.src))];
    expect(srcs, 'advertising sources after the join').toEqual([src(winner)]);
    expect(vl.daemon(winner).states.filter((s) => s.t > tJoin).map((s) => s.state), `${winner} (${winnerImpl}) state changes after the join`).toEqual([]);
    expect(vl.daemon(winner).state()).toBe('MASTER');
    expect(vl.daemon(loser).state()).toBe('BACKUP');
    expect(vl.vipHolders(vip)).toEqual([winner]);
    // The winner's adverts after the join carry the configured priority (no priority 0, no change).
    expect(new Set(vl.capture.advertsWhere({ vrid: DEFAULT_VRID, src: src(winner), after: tJoin }).map((x) => x.priority))).toEqual(new Set([PRIORITY]));
    // keepvip manages forwarding: 1 on the MASTER, 0 on a BACKUP.
    for (const [n, want] of [[winner, 1], [loser, 0]] as const) {
      if (vl.daemon(n).impl === 'keepvip') await waitFor(() => vl.forwarding(n, mode.family) === want, 3000, `forwarding ${want} in ${n}`);
    }
    timings.push(`${mode.name} ${winnerImpl}(high) vs ${loserImpl}(low): loser BACKUP ${tBackup} ms after the join`);
  });
}

describe.skipIf(!!reason)(`equal priority, keepvip on the higher primary address wins${reason ? ` (${reason})` : ''}`, () => {
  afterEach(() => {
    if (timings.length) console.log(`[tie-break] ${timings.splice(0).join('; ')}`);
  });
  for (const mode of [MODES.v2, MODES.v3, MODES.v3v6]) {
    it(`${mode.name}: keepvip (higher address) MASTER, keepalived (lower) BACKUP`, () => tieBreak(mode, 'keepvip', 'keepalived'), 60_000);
  }
  for (const mode of [MODES.v2, MODES.v3]) {
    it(`${mode.name}: keepvip vs keepvip, the higher address wins`, () => tieBreak(mode, 'keepvip', 'keepvip'), 60_000);
  }
});
