/**
 * IP forwarding through the daemon (issue 4, "Addresses, links, forwarding"): on BACKUP
 * and FAULT keepvip turns net.ipv4.ip_forward off, on MASTER it restores the value found
 * at start-up, and on exit it restores that value; `keepvip_defs { manage_ip_forward off }`
 * leaves forwarding alone. The reload case: a BACKUP started with forwarding 1 (keepvip
 * set it to 0) that is reloaded (SIGHUP, same configuration) must still restore 1 as
 * MASTER and on exit (src/shell/linux.ts initForwarding keeps the start-up value).
 *
 * Two keepvip nodes, VRRPv3 IPv4 multicast, advert_int 0.2 s: a at priority 150, b at 100.
 * Every step reads the sysctl inside the node's namespace. Needs root, iproute2, tcpdump.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import { MODES, renderConfig, vipAddress, VrrpLab, waitFor, type VrrpDaemon } from '../helpers/vrrp-lab.js';

const reason = skipReason('tcpdump');
const mode = MODES.v3;
const VIP = vipAddress(mode);
const HIGH = 150;
const LOW = 100;

describe.skipIf(!!reason)(`IP forwarding managed by the keepvip daemon${reason ? ` (${reason})` : ''}`, () => {
  let vl: VrrpLab;
  const conf = (n: string, priority: number, manage = true) => {
    const text = renderConfig(mode, vl.peerView(n), { priority });
    return manage ? text : text.replace('    manage_ip_forward on\n', '    manage_ip_forward off\n');
  };
  const fwd = (n: string) => vl.forwarding(n, 4);
  const fwd6 = (n: string) => vl.forwarding(n, 6);
  const until = (n: string, want: number, what: string) =>
    waitFor(() => fwd(n) === want, 3000, `${what}: net.ipv4.ip_forward ${want} in ${n}`, { intervalMs: 25, explain: () => `${n}: ${fwd(n)}\n${vl.explain(Date.now() - 5000)}` });
  const state = (d: VrrpDaemon, s: string, timeoutMs = 10_000) =>
    waitFor(() => d.state() === s, timeoutMs, `${d.name} ${s}`, { explain: () => vl.explain(Date.now() - timeoutMs) });

  beforeAll(async () => {
    // VrrpLab.create sets net.ipv4.ip_forward and net.ipv6.conf.all.forwarding to 1 in every node
    // (the namespace default is 0, so 1 is a value keepvip can only have found, not invented).
    vl = await VrrpLab.create({ nodes: ['a', 'b'] });
  });
  afterAll(async () => {
    await vl?.close();
  });
  // Every case starts with no daemon running and forwarding 1 in both nodes.
  afterEach(async () => {
    for (const [n, d] of vl.daemons) if (d.running) await vl.terminate(n);
    vl.setForwarding('a', 4, true);
    vl.setForwarding('b', 4, true);
  });

  it('start-up value 1: 0 while BACKUP, 1 as MASTER, 1 again after SIGTERM', async () => {
    expect(fwd('a')).toBe(1);
    expect(fwd('b')).toBe(1);
    const a = await vl.start('a', 'keepvip', conf('a', HIGH));
    expect(a.state()).toBe('BACKUP');
    await until('a', 0, 'a BACKUP at start-up');
    await state(a, 'MASTER');
    await until('a', 1, 'a MASTER');
    const b = await vl.start('b', 'keepvip', conf('b', LOW));
    await until('b', 0, 'b BACKUP');
    expect(b.state()).toBe('BACKUP');
    // An IPv4 instance leaves IPv6 forwarding alone.
    expect(fwd6('a')).toBe(1);
    expect(fwd6('b')).toBe(1);

    // a leaves: restores its start-up 1 on exit; b takes over and restores its own 1.
    const exitA = await vl.terminate('a');
    expect(exitA.code).toBe(0);
    expect(fwd('a'), 'a after SIGTERM').toBe(1);
    await state(b, 'MASTER', 5000);
    await until('b', 1, 'b MASTER');
    // BACKUP at start-up (off), MASTER (start-up value back); the STOP transition may log an
    // "off" before the exit restores the start-up value (checked above on the sysctl itself).
    expect(a.events('forwarding_set').map((e) => e.enabled).slice(0, 2)).toEqual([false, true]);
  });

  it('start-up value 0: MASTER restores 0 (not 1), exit leaves 0', async () => {
    const b = await vl.start('b', 'keepvip', conf('b', LOW));
    await state(b, 'MASTER');
    await until('b', 1, 'b MASTER');
    vl.setForwarding('a', 4, false);
    const a = await vl.start('a', 'keepvip', conf('a', HIGH));
    // a preempts b (150 > 100).
    await state(a, 'MASTER');
    await new Promise((r) => setTimeout(r, 500));
    expect(fwd('a'), 'a MASTER with start-up value 0').toBe(0);
    await until('b', 0, 'b back to BACKUP');
    const exitA = await vl.terminate('a');
    expect(exitA.code).toBe(0);
    expect(fwd('a'), 'a after SIGTERM').toBe(0);
    await state(b, 'MASTER', 5000);
    await until('b', 1, 'b MASTER again');
  });

  it('reload: a BACKUP started with 1 (set to 0 by keepvip) reloads, then as MASTER restores 1, and 1 on exit', async () => {
    // b starts as the only node (MASTER, forwarding 1), then a preempts: b is a BACKUP with 0.
    const b = await vl.start('b', 'keepvip', conf('b', LOW));
    await state(b, 'MASTER');
    await until('b', 1, 'b MASTER');
    const a = await vl.start('a', 'keepvip', conf('a', HIGH));
    await state(a, 'MASTER');
    await state(b, 'BACKUP', 5000);
    await until('b', 0, 'b BACKUP');

    // SIGHUP b with the same configuration.
    const reloads = () => b.events('reload_done').length;
    const before = reloads();
    process.kill(b.pid!, 'SIGHUP');
    await waitFor(() => reloads() > before, 10_000, 'b to log reload_done', { explain: () => b.output() });
    expect(b.events('reload_failed')).toEqual([]);
    expect(b.state()).toBe('BACKUP');
    expect(fwd('b'), 'b BACKUP after the reload').toBe(0);

    // a leaves: b becomes MASTER and must restore the start-up 1, not the 0 it had at reload.
    const exitA = await vl.terminate('a');
    expect(exitA.code).toBe(0);
    await state(b, 'MASTER', 5000);
    await until('b', 1, 'b MASTER after the reload');
    const exitB = await vl.terminate('b');
    expect(exitB.code).toBe(0);
    expect(fwd('b'), 'b after SIGTERM').toBe(1);
  });

  it('reload then SIGTERM while still BACKUP: exit restores the start-up 1', async () => {
    const a = await vl.start('a', 'keepvip', conf('a', HIGH));
    await state(a, 'MASTER');
    const b = await vl.start('b', 'keepvip', conf('b', LOW));
    await until('b', 0, 'b BACKUP');
    const before = b.events('reload_done').length;
    process.kill(b.pid!, 'SIGHUP');
    await waitFor(() => b.events('reload_done').length > before, 10_000, 'b to log reload_done', { explain: () => b.output() });
    expect(fwd('b')).toBe(0);
    const exitB = await vl.terminate('b');
    expect(exitB.code).toBe(0);
    expect(fwd('b'), 'b after SIGTERM as BACKUP').toBe(1);
    expect((await vl.terminate('a')).code).toBe(0);
    expect(fwd('a')).toBe(1);
  });

  it('manage_ip_forward off: forwarding is left alone as BACKUP, MASTER and on exit', async () => {
    // Non-default values on purpose: a (will be MASTER) at 0, b (BACKUP) at 1.
    vl.setForwarding('a', 4, false);
    vl.setForwarding('b', 4, true);
    const a = await vl.start('a', 'keepvip', conf('a', HIGH, false));
    const b = await vl.start('b', 'keepvip', conf('b', LOW, false));
    await state(a, 'MASTER');
    await waitFor(() => vl.vipHolders(VIP).join() === 'a', 5000, 'the VIP on a only');
    expect(b.state()).toBe('BACKUP');
    await new Promise((r) => setTimeout(r, 500));
    expect(fwd('a'), 'a MASTER, unmanaged').toBe(0);
    expect(fwd('b'), 'b BACKUP, unmanaged').toBe(1);
    // Failover the other way: still untouched.
    expect((await vl.terminate('a')).code).toBe(0);
    await state(b, 'MASTER', 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(fwd('a')).toBe(0);
    expect(fwd('b')).toBe(1);
    expect((await vl.terminate('b')).code).toBe(0);
    expect(fwd('b')).toBe(1);
    expect(a.events('forwarding_set')).toEqual([]);
    expect(b.events('forwarding_set')).toEqual([]);
  });
});
