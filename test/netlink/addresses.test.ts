/**
 * VIP add/delete/list in a lab namespace, through both backends (netlink and the iproute2
 * fallback), checked against `ip -j addr` run in the same namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, skipReason, type Lab } from '../helpers/netns.js';
import { Driver, RpcError } from './rpc.js';

const reason = skipReason();

interface IpAddr {
  family: string;
  local: string;
  prefixlen: number;
  scope: string;
  label?: string;
  broadcast?: string;
  nodad?: boolean;
  tentative?: boolean;
  deprecated?: boolean;
}

function ipAddrs(lab: Lab, ns: string, dev = 'eth0'): IpAddr[] {
  const out = JSON.parse(lab.exec(ns, ['ip', '-j', 'addr', 'show', 'dev', dev])) as Array<{ addr_info: IpAddr[] }>;
  return out.flatMap((l) => l.addr_info);
}

function find(lab: Lab, ns: string, local: string): IpAddr[] {
  return ipAddrs(lab, ns).filter((a) => a.local === local);
}

async function rejected(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!!reason)('VIP addresses in a namespace', () => {
  let lab: Lab;
  const drivers = new Map<string, Driver>();

  beforeAll(async () => {
    lab = createLab({ nodes: ['a', 'b'] });
    // DAD on for eth0, so an IPv6 address added without IFA_F_NODAD is visibly tentative.
    for (const n of ['a', 'b']) lab.exec(lab.node(n).ns, ['sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=1']);
    drivers.set('netlink', await Driver.start(lab, lab.node('a').ns));
    drivers.set('iproute2', await Driver.start(lab, lab.node('b').ns));
  });

  afterAll(async () => {
    for (const d of drivers.values()) await d.stop();
    await lab?.cleanup();
  });

  it('control: without nodad an IPv6 address is tentative here (so the nodad checks can fail)', () => {
    const ns = lab.node('a').ns;
    lab.exec(ns, ['ip', '-6', 'addr', 'add', '2001:db8::ff:1/128', 'dev', 'eth0']);
    expect(find(lab, ns, '2001:db8::ff:1')[0]?.tentative).toBe(true);
    lab.exec(ns, ['ip', '-6', 'addr', 'del', '2001:db8::ff:1/128', 'dev', 'eth0']);
  });

  describe.each([
    ['netlink', 'a'],
    ['iproute2', 'b'],
  ])('backend %s', (backend, node) => {
    const ns = () => lab.node(node).ns;
    const call = <T = unknown>(op: string, args: Record<string, unknown>) => drivers.get(backend)!.call<T>(op, { backend, ...args });

    it('adds an IPv4 VIP with /prefix, brd and label, then reports EEXIST as no-op', async () => {
      const line = '198.51.100.7/24 brd 198.51.100.255 dev eth0 label eth0:vip';
      const r1 = await call<{ result: string }>('add', { line });
      expect(r1.result).toBe('added');
      const seen = find(lab, ns(), '198.51.100.7');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ family: 'inet', prefixlen: 24, label: 'eth0:vip', broadcast: '198.51.100.255', scope: 'global' });

      const r2 = await call<{ result: string; reason: string }>('add', { line });
      expect(r2).toMatchObject({ result: 'no-op', reason: 'EEXIST' });
      expect(find(lab, ns(), '198.51.100.7')).toHaveLength(1);
    });

    it('brd + computes the broadcast address', async () => {
      await call('add', { line: '198.51.100.33/27 brd +' });
      expect(find(lab, ns(), '198.51.100.33')[0]).toMatchObject({ prefixlen: 27, broadcast: '198.51.100.63' });
      await call('del', { line: '198.51.100.33/27' });
    });

    it('defaults to /32 on the instance interface', async () => {
      const r = await call<{ result: string; vip: { prefixLen: number; dev: string } }>('add', { line: '198.51.100.50', dev: 'eth0' });
      expect(r.vip).toMatchObject({ prefixLen: 32, dev: 'eth0' });
      expect(find(lab, ns(), '198.51.100.50')[0]).toMatchObject({ prefixlen: 32 });
      await call('del', { line: '198.51.100.50' });
    });

    it('honours scope names and numbers', async () => {
      await call('add', { line: '198.51.100.8/32 scope link' });
      await call('add', { line: '198.51.100.9/32 scope host' });
      await call('add', { line: '198.51.100.10/32 scope 200' });
      expect(find(lab, ns(), '198.51.100.8')[0]?.scope).toBe('link');
      expect(find(lab, ns(), '198.51.100.9')[0]?.scope).toBe('host');
      expect(find(lab, ns(), '198.51.100.10')[0]?.scope).toBe('site');
      for (const a of ['198.51.100.8/32', '198.51.100.9/32', '198.51.100.10/32']) await call('del', { line: a });
    });

    it('deletes a VIP, then reports EADDRNOTAVAIL as no-op', async () => {
      await call('add', { line: '198.51.100.11/24 label eth0:del' });
      const r1 = await call<{ result: string }>('del', { line: '198.51.100.11/24' });
      expect(r1.result).toBe('removed');
      expect(find(lab, ns(), '198.51.100.11')).toHaveLength(0);
      const r2 = await call<{ result: string; reason: string }>('del', { line: '198.51.100.11/24' });
      expect(r2).toMatchObject({ result: 'no-op', reason: 'EADDRNOTAVAIL' });
    });

    it('adds an IPv6 VIP with nodad: usable at once, not tentative; idempotent', async () => {
      const r1 = await call<{ result: string; vip: { nodad: boolean } }>('add', { line: '2001:db8::7:100' });
      expect(r1).toMatchObject({ result: 'added', vip: { nodad: true } });
      const seen = find(lab, ns(), '2001:db8::7:100');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ family: 'inet6', prefixlen: 128, nodad: true });
      expect(seen[0]?.tentative).toBeUndefined();
      const r2 = await call<{ result: string }>('add', { line: '2001:db8::7:100/128' });
      expect(r2.result).toBe('no-op');
      expect((await call<{ result: string }>('del', { line: '2001:db8::7:100' })).result).toBe('removed');
      expect((await call<{ result: string }>('del', { line: '2001:db8::7:100' })).result).toBe('no-op');
      expect(find(lab, ns(), '2001:db8::7:100')).toHaveLength(0);
    });

    it('-nodad leaves DAD on (the address starts tentative)', async () => {
      await call('add', { line: '2001:db8::7:101/64 -nodad' });
      const seen = find(lab, ns(), '2001:db8::7:101')[0];
      expect(seen?.tentative).toBe(true);
      expect(seen?.nodad).toBeUndefined();
      await call('del', { line: '2001:db8::7:101/64' });
    });

    it('preferred_lft 0 makes the VIP deprecated (not chosen as a source)', async () => {
      await call('add', { line: '198.51.100.12/32 preferred_lft 0' });
      expect(find(lab, ns(), '198.51.100.12')[0]?.deprecated).toBe(true);
      await call('del', { line: '198.51.100.12/32' });
    });

    it('lists the interface addresses as ip shows them', async () => {
      const list = await call<Array<{ address: string; prefixLen: number; label?: string; family: number }>>('list', { ifname: 'eth0' });
      const fromIp = ipAddrs(lab, ns()).map((a) => `${a.local}/${a.prefixlen}`).sort();
      expect(list.map((a) => `${a.address}/${a.prefixLen}`).sort()).toEqual(fromIp);
      expect(list.find((a) => a.address === '198.51.100.7')).toMatchObject({ label: 'eth0:vip', family: 4 });
      const v4only = await call<Array<{ family: number }>>('list', { ifname: 'eth0', family: 4 });
      expect(v4only.length).toBeGreaterThan(0);
      expect(v4only.every((a) => a.family === 4)).toBe(true);
    });

    it('adding on an unknown interface is VIP_NO_SUCH_DEVICE; deleting there is a no-op (ENODEV)', async () => {
      const e = await rejected(call('add', { line: '198.51.100.13/32 dev nope0' }));
      expect(e.detail.code).toBe('VIP_NO_SUCH_DEVICE');
      expect(await call('del', { line: '198.51.100.13/32 dev nope0' })).toMatchObject({ result: 'no-op', reason: 'ENODEV' });
    });

    it('a refusal by the kernel is VIP_REJECTED (scope differs from the /24 prefix route)', async () => {
      // 192.0.2.10/24 (scope global) already has the 192.0.2.0/24 prefix route on eth0.
      const e = await rejected(call('add', { line: '192.0.2.99/24 scope link' }));
      expect(e.detail.code).toBe('VIP_REJECTED');
      if (backend === 'netlink') expect(e.detail.errno).toBe('EINVAL');
      expect(find(lab, ns(), '192.0.2.99')).toHaveLength(0);
    });

    it('a syntax error is VIP_SYNTAX', async () => {
      const e = await rejected(call('add', { line: '198.51.100.14/24 colour blue' }));
      expect(e.detail.code).toBe('VIP_SYNTAX');
    });
  });
});
