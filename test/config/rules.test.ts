/** keepalived 2.2.7 defaults and cross-field rules, one configuration each. */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';

const IFACES = ['eth0', 'eth1'];
function load(text: string) {
  return parseConfigText(text, { configId: 'n1', env: { interfaceExists: (n) => IFACES.includes(n) } });
}
function inst(body: string, name = 'VI') {
  return `vrrp_instance ${name} {\n interface eth0\n virtual_router_id 10\n${body}\n}\n`;
}
const V4 = ' virtual_ipaddress {\n  192.0.2.1\n }';
const codes = (r: ReturnType<typeof load>) => r.diagnostics.map((d) => d.code);

describe('priority and state', () => {
  it('state MASTER without priority means 255; no state follows the priority', () => {
    const r = load(inst(` state MASTER\n${V4}`, 'A') + inst(` priority 255\n${V4}`, 'B').replace('id 10', 'id 11') + inst(V4, 'C').replace('id 10', 'id 12'));
    expect(r.model.instances.map((i) => [i.name, i.priority, i.initialState])).toEqual([
      ['A', 255, 'MASTER'],
      ['B', 255, 'MASTER'],
      ['C', 100, 'BACKUP'],
    ]);
    expect(r.ok).toBe(true);
  });

  it('nopreempt is cleared by state MASTER and by priority 255, with a warning', () => {
    const a = load(inst(` state MASTER\n priority 100\n nopreempt\n${V4}`));
    expect(a.model.instances[0]!.preempt).toBe(true);
    expect(codes(a)).toEqual(['nopreempt-cleared']);
    const b = load(inst(` state BACKUP\n nopreempt\n${V4}`));
    expect(b.model.instances[0]!.preempt).toBe(false);
    expect(b.diagnostics).toEqual([]);
  });

  it('priority and VRID ranges', () => {
    const r = load(inst(` priority 0\n${V4}`));
    expect(r.model.instances[0]!.priority).toBe(100);
    expect(codes(r)).toEqual(['out-of-range']);
    const v = load(inst(V4).replace('virtual_router_id 10', 'virtual_router_id 0'));
    expect(v.ok).toBe(false);
    expect(codes(v)).toEqual(['vrid-missing', 'out-of-range']);
  });
});

describe('advert_int (keepalived 2.2.7 rounding)', () => {
  const adv = (version: string, value: string) =>
    load(inst(` ${version}\n advert_int ${value}\n${V4}`)).model.instances[0]!.advertInt;
  it('v2 rounds to whole seconds, half up, at least 1', () => {
    expect(adv('version 2', '1.5')).toBe(2);
    expect(adv('version 2', '2.5')).toBe(3);
    expect(adv('version 2', '0.4')).toBe(1);
    expect(adv('version 2', '255')).toBe(255);
  });
  it('v3 rounds to 10 ms and clamps at 40.95 s', () => {
    expect(adv('version 3', '0.555')).toBe(0.56);
    expect(adv('version 3', '0.01')).toBe(0.01);
    expect(adv('version 3', '41')).toBe(40.95);
  });
  it('rejects values outside 0.01..255 and keeps 1', () => {
    expect(adv('version 3', '0.005')).toBe(1);
    expect(adv('version 2', '256')).toBe(1);
    expect(adv('version 2', '1e1')).toBe(1);
  });
});

describe('families, versions and authentication', () => {
  it('IPv6 VIPs imply VRRPv3; one family per VIP list', () => {
    const r = load(inst(' virtual_ipaddress {\n  fe80::1\n  2001:db8::1/64\n  192.0.2.1\n }'));
    const i = r.model.instances[0]!;
    expect([i.family, i.version, i.vips.map((v) => `${v.address}/${v.prefixLen}`)]).toEqual([6, 3, ['fe80::1/128', '2001:db8::1/64']]);
    expect(codes(r)).toEqual(['family-mismatch']);
  });

  it('authentication only with v2, password truncated to 8 characters and never printed', () => {
    const r = load(inst(` authentication {\n  auth_type PASS\n  auth_pass sup3rsecretvalue\n }\n${V4}`));
    expect(r.model.instances[0]!.auth).toEqual({ type: 'PASS', password: 'sup3rsec' });
    const text = r.diagnostics.map(formatDiagnostic).join('\n');
    expect(text).toContain('truncated');
    expect(text).not.toContain('sup3rsec');
    const v3 = load(inst(` version 3\n authentication {\n  auth_type PASS\n  auth_pass abc\n }\n${V4}`));
    expect(v3.model.instances[0]!.auth).toBeUndefined();
    expect(codes(v3)).toEqual(['auth-ignored']);
  });

  it('secrets registered anywhere are scrubbed from every message', () => {
    const r = load(
      'cloud_provider p {\n type huaweicloud\n secret_key abcSECRETxyz\n region abcSECRETxyz\n}\n' + inst(V4),
    );
    expect(r.diagnostics.map(formatDiagnostic).join('\n')).not.toContain('abcSECRETxyz');
  });
});

describe('duplicate VRIDs', () => {
  it('same interface and family is an error; another family or disjoint unicast peers are fine', () => {
    const two = inst(V4, 'A') + inst(' virtual_ipaddress {\n  192.0.2.2\n }', 'B');
    expect(codes(load(two))).toEqual(['vrid-duplicate']);
    const fam = inst(V4, 'A') + inst(' virtual_ipaddress {\n  fe80::2\n }', 'B');
    expect(load(fam).ok).toBe(true);
    const uni = inst(` unicast_peer {\n  192.0.2.8\n }\n${V4}`, 'A') + inst(` unicast_peer {\n  192.0.2.9\n }\n${V4}`, 'B');
    expect(load(uni).ok).toBe(true);
  });
});

describe('interfaces', () => {
  it('a missing interface is an error unless dynamic_interfaces is set', () => {
    const text = inst(V4).replace('interface eth0', 'interface eth9');
    expect(codes(load(text))).toEqual(['interface-unknown']);
    expect(load(text).ok).toBe(false);
    const dyn = load(`global_defs {\n dynamic_interfaces\n}\n${text}`);
    expect(dyn.ok).toBe(true);
    expect(dyn.diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });
});

describe('tracking', () => {
  it('a track_script weight overrides the script weight', () => {
    const r = load(`vrrp_script s {\n script /bin/true\n weight -10\n}\n` + inst(` track_script {\n  s weight 20 reverse\n }\n${V4}`));
    expect(r.model.instances[0]!.trackScripts).toMatchObject([{ name: 's', weight: 20, reverse: true }]);
    expect(r.model.scripts[0]).toMatchObject({ weight: -10, interval: 1, timeout: 1, rise: 1, fall: 1 });
  });

  it('weights outside -253..253 drop the entry', () => {
    const r = load(inst(` track_interface {\n  eth1 weight 254\n }\n${V4}`));
    expect(r.model.instances[0]!.trackInterfaces).toEqual([]);
    expect(codes(r)).toEqual(['out-of-range']);
  });
});

describe('keepvip blocks', () => {
  it('cloud_vip defaults to the first VIP and exclusive mode', () => {
    const r = load('cloud_provider p {\n type openstack\n auth_url https://k.example/v3\n}\n' + inst(`${V4}\n cloud_vip {\n  provider p\n }`));
    expect(r.ok).toBe(true);
    expect(r.model.instances[0]!.cloudVip).toMatchObject({ provider: 'p', address: '192.0.2.1', mode: 'exclusive', releaseOnBackup: false });
  });

  it('unknown keys in keepvip blocks are errors', () => {
    const r = load('keepvip_defs {\n metrics_listen [::1]:9650\n bogus 1\n}\n' + inst(V4));
    expect(r.model.keepvip.metricsListen).toEqual({ host: '::1', port: 9650 });
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['unknown-keyword', 'error']]);
    expect(r.ok).toBe(false);
  });
});
