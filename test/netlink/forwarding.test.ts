/**
 * IP forwarding in a lab namespace: the ForwardingManager runs inside the namespace (driver)
 * and every value is checked by reading /proc/sys in that namespace with sysctl(8).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLab, skipReason, type Lab } from '../helpers/netns.js';
import { Driver, RpcError } from './rpc.js';

const reason = skipReason();

describe.skipIf(!!reason)('ForwardingManager in a namespace', () => {
  let lab: Lab;
  let d: Driver;
  let ns: string;
  const get = (key: string) => Number(lab.sysctl('a', key));
  const set = (key: string, v: number) => lab.exec(ns, ['sysctl', '-qw', `${key}=${v}`]);

  beforeAll(async () => {
    lab = createLab({ nodes: ['a'] });
    ns = lab.node('a').ns;
    d = await Driver.start(lab, ns);
  });

  afterAll(async () => {
    await d?.stop();
    await lab?.cleanup();
  });

  beforeEach(() => {
    set('net.ipv4.ip_forward', 0);
    set('net.ipv6.conf.all.forwarding', 0);
  });

  it('kernel behaviour the manager depends on: writing ip_forward resets every interface', () => {
    set('net.ipv4.ip_forward', 1);
    set('net.ipv4.conf.eth0.forwarding', 0);
    expect(get('net.ipv4.conf.all.accept_redirects')).toBe(0);
    set('net.ipv4.ip_forward', 0);
    set('net.ipv4.ip_forward', 1);
    expect(get('net.ipv4.conf.eth0.forwarding')).toBe(1); // the per-interface 0 is gone
    set('net.ipv4.ip_forward', 0);
    expect(get('net.ipv4.conf.all.accept_redirects')).toBe(1); // set to !ip_forward
  });

  it('global scope: records, disables, and restores the start-up values (0 stays 0)', async () => {
    set('net.ipv4.ip_forward', 1);
    const r = await d.call<{ startup: Array<{ key: string; value: number }> }>('fwdCreate', { targets: [{ family: 4 }, { family: 6 }] });
    expect(r.startup).toEqual([
      expect.objectContaining({ key: 'net.ipv4.ip_forward', value: 1 }),
      expect.objectContaining({ key: 'net.ipv6.conf.all.forwarding', value: 0 }),
    ]);
    expect((await d.call<Array<{ value: number }>>('fwdRead')).map((x) => x.value)).toEqual([1, 0]);

    const off = await d.call<Array<{ key: string; from: number; to: number }>>('fwdDisable');
    // ip_forward written; IPv6 already 0 so not written; accept_redirects put back after the kernel flipped it.
    expect(off.map((c) => `${c.key}:${c.from}->${c.to}`)).toEqual([
      'net.ipv4.ip_forward:1->0',
      'net.ipv4.conf.all.accept_redirects:1->0',
    ]);
    expect(get('net.ipv4.ip_forward')).toBe(0);
    expect(get('net.ipv6.conf.all.forwarding')).toBe(0);
    expect(get('net.ipv4.conf.eth0.forwarding')).toBe(0);

    await d.call('fwdRestore');
    expect(get('net.ipv4.ip_forward')).toBe(1);
    expect(get('net.ipv6.conf.all.forwarding')).toBe(0); // not forced to 1
  });

  it('IPv6 global forwarding found on at start-up is turned off and back on', async () => {
    set('net.ipv6.conf.all.forwarding', 1);
    await d.call('fwdCreate', { targets: [{ family: 6 }] });
    await d.call('fwdDisable');
    expect(get('net.ipv6.conf.all.forwarding')).toBe(0);
    expect(get('net.ipv6.conf.eth0.forwarding')).toBe(0);
    await d.call('fwdRestore');
    expect(get('net.ipv6.conf.all.forwarding')).toBe(1);
    expect(get('net.ipv6.conf.eth0.forwarding')).toBe(1);
  });

  it('global scope keeps per-interface values and accept_redirects the kernel would clobber', async () => {
    set('net.ipv4.ip_forward', 1);
    set('net.ipv4.conf.eth0.forwarding', 0); // administrator's choice: forward, but not on eth0
    const redirects = get('net.ipv4.conf.all.accept_redirects');
    const r = await d.call<{ preserved: Array<{ key: string; value: number }> }>('fwdCreate', { targets: [{ family: 4 }] });
    expect(r.preserved).toContainEqual(expect.objectContaining({ key: 'net.ipv4.conf.eth0.forwarding', value: 0 }));

    await d.call('fwdDisable');
    expect(get('net.ipv4.ip_forward')).toBe(0);
    expect(get('net.ipv4.conf.all.accept_redirects')).toBe(redirects);

    await d.call('fwdRestore');
    expect(get('net.ipv4.ip_forward')).toBe(1);
    expect(get('net.ipv4.conf.eth0.forwarding')).toBe(0);
    expect(get('net.ipv4.conf.lo.forwarding')).toBe(1);
    expect(get('net.ipv4.conf.all.accept_redirects')).toBe(redirects);
  });

  it('without preserveInterfaces the kernel clobbers the per-interface value (documented)', async () => {
    set('net.ipv4.ip_forward', 1);
    set('net.ipv4.conf.eth0.forwarding', 0);
    await d.call('fwdCreate', { targets: [{ family: 4 }], preserveInterfaces: false });
    await d.call('fwdDisable');
    await d.call('fwdRestore');
    expect(get('net.ipv4.conf.eth0.forwarding')).toBe(1);
  });

  it('interface scope touches only that interface', async () => {
    set('net.ipv4.conf.eth0.forwarding', 1);
    set('net.ipv6.conf.eth0.forwarding', 1);
    const r = await d.call<{ startup: Array<{ key: string; value: number }>; preserved: unknown[] }>('fwdCreate', {
      targets: [
        { family: 4, ifname: 'eth0' },
        { family: 6, ifname: 'eth0' },
      ],
    });
    expect(r.startup.map((s) => s.key)).toEqual(['net.ipv4.conf.eth0.forwarding', 'net.ipv6.conf.eth0.forwarding']);
    expect(r.preserved).toEqual([]);
    await d.call('fwdDisable');
    expect(get('net.ipv4.conf.eth0.forwarding')).toBe(0);
    expect(get('net.ipv6.conf.eth0.forwarding')).toBe(0);
    expect(get('net.ipv4.ip_forward')).toBe(0);
    await d.call('fwdRestore');
    expect(get('net.ipv4.conf.eth0.forwarding')).toBe(1);
    expect(get('net.ipv6.conf.eth0.forwarding')).toBe(1);
    expect(get('net.ipv4.conf.lo.forwarding')).toBe(0);
  });

  it('restoreOnExit (async and sync) put the start-up values back', async () => {
    set('net.ipv4.ip_forward', 1);
    await d.call('fwdCreate', { targets: [{ family: 4 }] });
    await d.call('fwdDisable');
    const rep = await d.call<{ changes: Array<{ key: string; to: number }>; errors: unknown[] }>('fwdRestoreOnExit');
    expect(rep.errors).toEqual([]);
    expect(rep.changes).toContainEqual(expect.objectContaining({ key: 'net.ipv4.ip_forward', to: 1 }));
    expect(get('net.ipv4.ip_forward')).toBe(1);
    await d.call('fwdDisable');
    const sync = await d.call<{ changes: Array<{ key: string }>; errors: unknown[] }>('fwdRestoreOnExitSync');
    expect(sync.errors).toEqual([]);
    expect(get('net.ipv4.ip_forward')).toBe(1);
  });

  it('an unknown interface fails with a typed read error naming the path', async () => {
    try {
      await d.call('fwdCreate', { targets: [{ family: 4, ifname: 'nope0' }] });
      expect.unreachable('fwdCreate should fail');
    } catch (e) {
      expect(e).toBeInstanceOf(RpcError);
      expect((e as RpcError).detail).toMatchObject({
        code: 'SYSCTL_READ_FAILED',
        errno: 'ENOENT',
        path: '/proc/sys/net/ipv4/conf/nope0/forwarding',
      });
    }
  });
});
