/**
 * ForwardingManager against a sysctl tree of plain files (procSysRoot): the bookkeeping,
 * ordering and error handling, without root. The kernel's own behaviour is covered by
 * forwarding.test.ts in a namespace.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ForwardingManager,
  SysctlError,
  forwardingKnob,
  readSysctl,
  writeSysctl,
} from '../../src/shell/net/sysctl.js';

let root: string;
const file = (rel: string) => join(root, rel);
const put = (rel: string, v: string | number) => {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(file(rel), `${v}\n`);
};
const val = (rel: string) => Number(readFileSync(file(rel), 'utf8').trim());

async function sysctlError(p: Promise<unknown>): Promise<SysctlError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SysctlError) return e;
    throw e;
  }
  throw new Error('expected a SysctlError');
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kv-sysctl-'));
  put('net/ipv4/ip_forward', 1);
  for (const d of ['all', 'default', 'eth0', 'lo']) put(`net/ipv4/conf/${d}/forwarding`, 1);
  put('net/ipv4/conf/eth0/forwarding', 0);
  put('net/ipv4/conf/all/accept_redirects', 0);
  for (const d of ['all', 'default', 'eth0', 'lo']) put(`net/ipv6/conf/${d}/forwarding`, 0);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('forwardingKnob', () => {
  it('names the global and per-interface knobs', () => {
    expect(forwardingKnob({ family: 4 }, '/p')).toMatchObject({ key: 'net.ipv4.ip_forward', path: '/p/net/ipv4/ip_forward', global: true });
    expect(forwardingKnob({ family: 6 }, '/p')).toMatchObject({ key: 'net.ipv6.conf.all.forwarding', path: '/p/net/ipv6/conf/all/forwarding' });
    expect(forwardingKnob({ family: 4, ifname: 'eth0.100' }, '/p')).toMatchObject({
      key: 'net.ipv4.conf.eth0.100.forwarding',
      path: '/p/net/ipv4/conf/eth0.100/forwarding',
      global: false,
    });
  });

  it('refuses names that are not interface names', () => {
    for (const bad of ['', '..', 'a/b', 'x'.repeat(16), 'a b']) {
      expect(() => forwardingKnob({ family: 4, ifname: bad })).toThrow(expect.objectContaining({ code: 'SYSCTL_BAD_NAME' }));
    }
  });
});

describe('readSysctl / writeSysctl', () => {
  it('reads integers and reports typed errors with the path', async () => {
    expect(await readSysctl(file('net/ipv4/ip_forward'))).toBe(1);
    put('net/ipv4/bad', 'yes');
    expect(await sysctlError(readSysctl(file('net/ipv4/bad')))).toMatchObject({ code: 'SYSCTL_BAD_VALUE', path: file('net/ipv4/bad') });
    expect(await sysctlError(readSysctl(file('net/ipv4/missing')))).toMatchObject({
      code: 'SYSCTL_READ_FAILED',
      errno: 'ENOENT',
      path: file('net/ipv4/missing'),
    });
    expect(await sysctlError(writeSysctl(file('net/nope/dir/x'), 1))).toMatchObject({ code: 'SYSCTL_WRITE_FAILED', errno: 'ENOENT' });
    await writeSysctl(file('net/ipv4/ip_forward'), 0);
    expect(readFileSync(file('net/ipv4/ip_forward'), 'utf8')).toBe('0\n');
  });
});

describe('ForwardingManager (files)', () => {
  it('records start-up values, globals first, and the knobs a global write clobbers', async () => {
    const m = await ForwardingManager.create([{ family: 4, ifname: 'eth0' }, { family: 6 }, { family: 4 }], { procSysRoot: root });
    expect(m.startup.map((s) => `${s.key}=${s.value}`)).toEqual([
      'net.ipv6.conf.all.forwarding=0',
      'net.ipv4.ip_forward=1',
      'net.ipv4.conf.eth0.forwarding=0',
    ]);
    const preserved = m.preserved.map((s) => s.key);
    expect(preserved).toContain('net.ipv4.conf.lo.forwarding');
    expect(preserved).toContain('net.ipv4.conf.default.forwarding');
    expect(preserved).toContain('net.ipv4.conf.all.accept_redirects');
    expect(preserved).toContain('net.ipv6.conf.eth0.forwarding');
    expect(preserved).not.toContain('net.ipv4.conf.eth0.forwarding'); // managed, not preserved
    expect(preserved).not.toContain('net.ipv4.conf.all.forwarding'); // the global knob itself
  });

  it('disable writes 0 only where needed; restore writes back the start-up values', async () => {
    const m = await ForwardingManager.create([{ family: 4 }, { family: 6 }], { procSysRoot: root });
    const off = await m.disable();
    expect(off.map((c) => `${c.key}:${c.from}->${c.to}`)).toEqual(['net.ipv4.ip_forward:1->0']);
    expect(val('net/ipv4/ip_forward')).toBe(0);
    expect(await m.disable()).toEqual([]);
    // Simulate the kernel's propagation of the global write.
    put('net/ipv4/conf/lo/forwarding', 0);
    put('net/ipv4/conf/all/accept_redirects', 1);
    const on = await m.restore();
    expect(on.map((c) => c.key)).toEqual(['net.ipv4.ip_forward', 'net.ipv4.conf.lo.forwarding', 'net.ipv4.conf.all.accept_redirects']);
    expect(val('net/ipv4/ip_forward')).toBe(1);
    expect(val('net/ipv6/conf/all/forwarding')).toBe(0); // was 0 at start-up: stays 0
    expect(val('net/ipv4/conf/lo/forwarding')).toBe(1);
    expect(val('net/ipv4/conf/eth0/forwarding')).toBe(0);
    expect(await m.restore()).toEqual([]);
  });

  it('restores a value changed behind its back, and serializes concurrent calls', async () => {
    const m = await ForwardingManager.create([{ family: 4, ifname: 'lo' }], { procSysRoot: root });
    const [off, on] = await Promise.all([m.disable(), m.restore()]);
    expect(off).toHaveLength(1);
    expect(on).toHaveLength(1);
    expect(val('net/ipv4/conf/lo/forwarding')).toBe(1);
    expect((await m.read()).map((r) => r.value)).toEqual([1]);
  });

  it('skips preserved knobs of interfaces that went away', async () => {
    const m = await ForwardingManager.create([{ family: 4 }], { procSysRoot: root });
    await m.disable();
    rmSync(file('net/ipv4/conf/lo'), { recursive: true });
    await expect(m.restore()).resolves.toBeDefined();
    expect(val('net/ipv4/ip_forward')).toBe(1);
  });

  it('restoreOnExit carries on past a failing knob and reports it', async () => {
    const m = await ForwardingManager.create([{ family: 4 }, { family: 4, ifname: 'lo' }], { procSysRoot: root, preserveInterfaces: false });
    await m.disable();
    rmSync(file('net/ipv4/conf/lo'), { recursive: true });
    const rep = await m.restoreOnExit();
    expect(rep.changes.map((c) => c.key)).toEqual(['net.ipv4.ip_forward']);
    expect(rep.errors).toHaveLength(1);
    expect(rep.errors[0]).toMatchObject({ code: 'SYSCTL_READ_FAILED', path: file('net/ipv4/conf/lo/forwarding'), errno: 'ENOENT' });
    expect(val('net/ipv4/ip_forward')).toBe(1);
  });

  it('restoreOnExitSync does the same synchronously', async () => {
    const m = await ForwardingManager.create([{ family: 4 }, { family: 6, ifname: 'eth0' }], { procSysRoot: root });
    put('net/ipv6/conf/eth0/forwarding', 1); // pretend someone turned it on
    await m.disable();
    put('net/ipv4/conf/lo/forwarding', 0);
    const rep = m.restoreOnExitSync();
    expect(rep.errors).toEqual([]);
    expect(val('net/ipv4/ip_forward')).toBe(1);
    expect(val('net/ipv4/conf/lo/forwarding')).toBe(1);
    expect(val('net/ipv6/conf/eth0/forwarding')).toBe(0);
  });

  it('fails to start when a managed knob cannot be read', async () => {
    const e = await sysctlError(ForwardingManager.create([{ family: 4, ifname: 'nope0' }], { procSysRoot: root }));
    expect(e).toMatchObject({ code: 'SYSCTL_READ_FAILED', errno: 'ENOENT', path: file('net/ipv4/conf/nope0/forwarding') });
  });
});
