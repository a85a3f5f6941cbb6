/**
 * The lab harness's own pure parts (no root needed): the timer theory the interop tests
 * compare against, and the generated configurations as keepvip's parser reads them
 * (keepalived reading the same text is what the interop suites prove).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { LabNode } from '../helpers/netns.js';
import { masterDownIntervalMs, MODES, renderConfig, skewTimeMs, vipAddress, type VrrpMode } from '../helpers/vrrp-lab.js';

describe('timer theory', () => {
  it('RFC 3768 §6.1 (v2): Skew_Time ignores the interval', () => {
    expect(skewTimeMs(2, 200, 1)).toBe(218.75);
    expect(skewTimeMs(2, 200, 5)).toBe(218.75);
    // REFERENCE.md: advert 1 s, priority 200 -> 3.21875 s.
    expect(masterDownIntervalMs(2, 200, 1)).toBe(3218.75);
    expect(masterDownIntervalMs(2, 100, 1)).toBe(3609.375);
  });

  it('RFC 9568 §6.1 (v3): Skew_Time scales with Master_Adver_Interval', () => {
    expect(skewTimeMs(3, 100, 1)).toBe(609.375);
    expect(skewTimeMs(3, 100, 0.2)).toBeCloseTo(121.875, 9);
    expect(masterDownIntervalMs(3, 100, 0.2)).toBeCloseTo(721.875, 9);
    expect(masterDownIntervalMs(3, 150, 0.2)).toBeCloseTo(682.8125, 9);
  });
});

describe('generated configurations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keepvip-harness-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const node = (i: number): LabNode => ({
    ns: `t-n${i}`,
    ifname: 'eth0',
    ipv4: `192.0.2.${10 + i}`,
    ipv6: `2001:db8::${(10 + i).toString(16)}`,
    mac: `02:00:00:00:00:0${i}`,
  });

  it.each(Object.entries(MODES) as Array<[string, VrrpMode]>)('%s: keepvip reads it as intended', (key, mode) => {
    const text = renderConfig(mode, { self: node(0), peers: [node(1)], controlSocket: '/run/test/a.ctl' }, { priority: 150, nopreempt: true });
    const file = join(dir, `${key}.conf`);
    writeFileSync(file, text);
    const { model, diagnostics, ok } = loadConfig(file, { configId: 'a', env: { interfaceExists: (n) => n === 'eth0' } });
    // The only remark allowed is keepalived's own about IPv6 VIP lists (it warns too).
    const remarks = diagnostics.map((d) => `${d.severity}: ${d.message}`);
    expect(remarks).toEqual(mode.family === 6 ? ['warning: (VI_1) the first IPv6 virtual address should be link-local'] : []);
    expect(ok).toBe(true);
    expect(model.keepvip).toMatchObject({ manageIpForward: true, controlSocket: '/run/test/a.ctl' });
    const inst = model.instances[0]!;
    expect(inst).toMatchObject({
      name: 'VI_1',
      interface: 'eth0',
      vrid: 51,
      priority: 150,
      advertInt: mode.advertInt,
      version: mode.version,
      family: mode.family,
      preempt: false,
      initialState: 'BACKUP',
    });
    expect(inst.vips.map((v) => v.address)).toEqual([vipAddress(mode)]);
    if (mode.unicast) {
      expect(inst.unicastSrcIp).toBe(mode.family === 4 ? node(0).ipv4 : node(0).ipv6);
      expect(inst.unicastPeers.map((p) => p.address)).toEqual([mode.family === 4 ? node(1).ipv4 : node(1).ipv6]);
    } else {
      expect(inst.unicastPeers).toEqual([]);
    }
  });
});
