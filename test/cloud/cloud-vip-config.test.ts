/**
 * cloud_vip from the configuration text to the cloud: which addresses an instance claims
 * when `address` is absent (one cloud VIP per address: on Huawei Cloud a VIP is a port
 * holding one address), the `floating_ip_id` keyword (OpenStack floating-IP move), and
 * the daemon's claim driver holding several VIPs of one instance against the simulator.
 */
import { describe, expect, it } from 'vitest';
import { cloudVipAddresses, vipFromModel, vipsFromModel } from '../../src/cloud/config.js';
import type { CloudEvent } from '../../src/cloud/events.js';
import type { CloudSim } from '../../src/cloud/sim/server.js';
import type { SimFixture } from '../../src/cloud/sim/state.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseConfigText } from '../../src/config/load.js';
import { CloudManager, type CloudClaimState } from '../../src/shell/cloud.js';
import { cloudTestRig, AK, EIP, FIP, IP_A, MAC_A, NET, OS_PASSWORD, OS_USER, PORT_A, PORT_VIP, PROJECT, SK, SRV_A, startSim, SUBNET, VIP, world } from './helpers.js';

const { capture, sims, objects } = cloudTestRig();

const FILE = 'keepalived.conf';
function load(text: string) {
  return parseConfigText(text, { configId: 'n1', name: FILE, env: { interfaceExists: (n: string) => n === 'eth0' } });
}
const diag = (r: ReturnType<typeof load>) => r.diagnostics.map((d) => formatDiagnostic(d));

const HW = 'cloud_provider hw {\n type huaweicloud\n region sim-region-1\n}\n';
const OS = 'cloud_provider os {\n type openstack\n auth_url https://keystone.example/v3\n}\n';

/** One instance; `vips` one per line, `cloudVip` the block's lines. */
function inst(vips: string[], cloudVip: string[], extra = ''): string {
  return [
    'vrrp_instance VI {',
    ' interface eth0',
    ' virtual_router_id 10',
    extra,
    ' virtual_ipaddress {',
    ...vips.map((v) => `  ${v}`),
    ' }',
    ' cloud_vip {',
    ...cloudVip.map((l) => `  ${l}`),
    ' }',
    '}',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

describe('cloud_vip addresses', () => {
  it('without address, an instance with one VIP claims it', () => {
    const r = load(HW + inst(['192.0.2.100/24'], ['provider hw']));
    expect(diag(r)).toEqual([]);
    const i = r.model.instances[0]!;
    expect(i.cloudVip).toMatchObject({ address: '192.0.2.100', addresses: ['192.0.2.100'] });
    expect(vipsFromModel(i).map((v) => v.address)).toEqual(['192.0.2.100']);
  });

  it('without address, every virtual_ipaddress is its own cloud VIP (ports discovered per address)', () => {
    const r = load(HW + inst(['192.0.2.100/24', '192.0.2.101/24', '192.0.2.102/24'], ['provider hw', 'nic_port_id nic-1', 'mode shared']));
    expect(diag(r)).toEqual([]);
    const i = r.model.instances[0]!;
    expect(i.cloudVip!.address).toBeUndefined();
    expect(cloudVipAddresses(i)).toEqual(['192.0.2.100', '192.0.2.101', '192.0.2.102']);
    const vips = vipsFromModel(i, MAC_A);
    expect(vips).toEqual(
      ['192.0.2.100', '192.0.2.101', '192.0.2.102'].map((address) => ({
        provider: 'hw',
        address,
        mode: 'shared',
        releaseOnBackup: false,
        disableSourceCheck: false,
        instance: 'VI',
        nicPortId: 'nic-1',
        interfaceMac: MAC_A,
      })),
    );
    // No VIP port id: each is found by its own address.
    expect(vips.every((v) => v.vipPortId === undefined)).toBe(true);
  });

  it('an explicit address claims that one only (virtual_ipaddress_excluded allowed)', () => {
    const r = load(HW + inst(['192.0.2.100/24', '192.0.2.101/24'], ['provider hw', 'address 192.0.2.101']));
    expect(diag(r)).toEqual([]);
    expect(cloudVipAddresses(r.model.instances[0]!)).toEqual(['192.0.2.101']);
    const x = load(
      HW + inst(['192.0.2.100/24'], ['provider hw', 'address 192.0.2.120'], ' virtual_ipaddress_excluded {\n  192.0.2.120/24\n }'),
    );
    expect(diag(x)).toEqual([]);
    expect(cloudVipAddresses(x.model.instances[0]!)).toEqual(['192.0.2.120']);
  });

  it('IPv6: link-local VIPs (fe80::/10, never routed) are not claimed', () => {
    const r = load(HW + inst(['fe80::10/64', '2001:db8::10/64', '2001:db8::11/64'], ['provider hw'], ' native_ipv6'));
    expect(r.ok, diag(r).join('\n')).toBe(true);
    expect(cloudVipAddresses(r.model.instances[0]!)).toEqual(['2001:db8::10', '2001:db8::11']);
    const only = load(HW + inst(['fe80::10/64'], ['provider hw'], ' native_ipv6'));
    expect(only.ok).toBe(false);
    expect(diag(only)).toContainEqual(expect.stringMatching(/^keepalived\.conf:\d+:\d+: error: \(VI\) cloud_vip needs 'address': .*link-local/));
    expect(only.model.instances).toEqual([]);
  });

  it('vip_port_id names one VIP port: refused with several addresses and no address, at its file:line:col', () => {
    const text = HW + inst(['192.0.2.100/24', '192.0.2.101/24'], ['provider hw', 'vip_port_id vp-1']);
    const r = load(text);
    expect(r.ok).toBe(false);
    const line = text.split('\n').findIndex((l) => l.includes('vip_port_id')) + 1;
    expect(diag(r)).toEqual([
      `${FILE}:${line}:3: error: (VI) cloud_vip vip_port_id names one VIP port but the instance has 2 virtual addresses (192.0.2.100, 192.0.2.101), each claimed as its own cloud VIP: add 'address' [cloud]`,
    ]);
    // With address it is fine.
    expect(load(HW + inst(['192.0.2.100/24', '192.0.2.101/24'], ['provider hw', 'address 192.0.2.100', 'vip_port_id vp-1'])).ok).toBe(true);
  });
});

describe('floating_ip_id', () => {
  it('reaches the provider through vipFromModel (openstack)', () => {
    const r = load(OS + inst(['192.0.2.100/24'], ['provider os', `floating_ip_id ${FIP}`]));
    expect(diag(r)).toEqual([]);
    const i = r.model.instances[0]!;
    expect(i.cloudVip!.floatingIpId).toBe(FIP);
    expect(vipFromModel(i)).toMatchObject({ address: '192.0.2.100', floatingIpId: FIP });
    expect(vipsFromModel(i)).toEqual([expect.objectContaining({ floatingIpId: FIP })]);
  });

  it('is refused with several addresses and no address, and when it is not an id', () => {
    const text = OS + inst(['192.0.2.100/24', '192.0.2.101/24'], ['provider os', `floating_ip_id ${FIP}`]);
    const r = load(text);
    const line = text.split('\n').findIndex((l) => l.includes('floating_ip_id')) + 1;
    expect(r.ok).toBe(false);
    expect(diag(r)).toEqual([
      `${FILE}:${line}:3: error: (VI) cloud_vip floating_ip_id names one floating IP but the instance has 2 virtual addresses (192.0.2.100, 192.0.2.101), each claimed as its own cloud VIP: add 'address' [cloud]`,
    ]);
    const bad = load(OS + inst(['192.0.2.100/24'], ['provider os', 'floating_ip_id ../../ports?x=1']));
    expect(bad.ok).toBe(false);
    expect(diag(bad)).toEqual([expect.stringMatching(/^keepalived\.conf:\d+:18: error: cloud_vip floating_ip_id: '\.\.\/\.\.\/ports\?x=1' is not a floating IP id \[invalid-value\]$/)]);
  });

  it('is ignored with a warning for huaweicloud (an EIP bound to the VIP port follows the holder)', () => {
    const text = HW + inst(['192.0.2.100/24'], ['provider hw', `floating_ip_id ${FIP}`]);
    const r = load(text);
    expect(r.ok).toBe(true);
    const line = text.split('\n').findIndex((l) => l.includes('floating_ip_id')) + 1;
    expect(diag(r)).toEqual([expect.stringMatching(new RegExp(`^${FILE}:${line}:3: warning: \\(VI\\) cloud_vip floating_ip_id is only used with openstack providers`))]);
    expect(r.model.instances[0]!.cloudVip!.floatingIpId).toBeUndefined();
  });
});

/** A second Huawei VIP port (one VIP port per address). */
const VIP2 = '192.0.2.101';
const PORT_VIP2 = 'e0000000-0000-4000-8000-000000000101';
function twoVipWorld(): SimFixture {
  const w = world({ vipPairs: [] });
  w.ports!.push({
    id: PORT_VIP2,
    network_id: NET,
    device_owner: 'neutron:VIP_PORT',
    fixed_ips: [{ subnet_id: SUBNET, ip_address: VIP2 }],
    allowed_address_pairs: [],
  });
  return w;
}
const pairs = (sim: CloudSim, id: string) => (sim.state.getPort(id)!.allowed_address_pairs ?? []).map((p) => p.ip_address);

async function claimAll(model: ReturnType<typeof load>['model'], timeoutMs = 10_000): Promise<{ cm: CloudManager; states: CloudClaimState[]; events: CloudEvent[] }> {
  const events: CloudEvent[] = [];
  const cm = new CloudManager(
    model,
    (_i, _p, ev) => {
      events.push(ev);
      capture.sink(ev);
    },
    () => MAC_A,
  );
  objects.push(cm);
  cm.run('VI', 'claim');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = cm.status('VI');
    if (states.every((s) => s.state === 'claimed' || s.state === 'failed')) return { cm, states, events };
    if (Date.now() > deadline) throw new Error(`claims not done: ${JSON.stringify(states)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the claim driver holds several VIPs of one instance', () => {
  it('huaweicloud: each address is claimed on its own VIP port, found by address', async () => {
    const sim = await startSim(twoVipWorld());
    sims.push(sim);
    const provider = [
      'cloud_provider hw {',
      ' type huaweicloud',
      ` endpoint ${sim.url}`,
      ` metadata_url ${sim.url}/_instance/${SRV_A}`,
      ` project_id ${PROJECT}`,
      ` access_key ${AK}`,
      ` secret_key ${SK}`,
      '}',
      '',
    ].join('\n');
    const r = load(provider + inst([`${VIP}/24`, `${VIP2}/24`], ['provider hw']));
    expect(r.ok, diag(r).join('\n')).toBe(true);
    const { cm, states } = await claimAll(r.model);
    try {
      expect(states.map((s) => [s.vip, s.state])).toEqual([
        [VIP, 'claimed'],
        [VIP2, 'claimed'],
      ]);
      expect(pairs(sim, PORT_VIP)).toEqual([IP_A]);
      expect(pairs(sim, PORT_VIP2)).toEqual([IP_A]);
      // Each VIP port was looked up by its own address and written once.
      const log = sim.log.all();
      for (const a of [VIP, VIP2]) expect(log.some((e) => e.method === 'GET' && e.query.includes(a))).toBe(true);
      expect(log.filter((e) => e.method === 'PUT' && e.api === 'vpc').map((e) => e.path).sort()).toEqual([`/v2.0/ports/${PORT_VIP}`, `/v2.0/ports/${PORT_VIP2}`]);
    } finally {
      await cm.close();
    }
  });

  it('openstack: several VIPs merged into one port concurrently all stay, and the floating IP moves', async () => {
    const sim = await startSim(world({ portsHoldingVip: [] }));
    sims.push(sim);
    // Every Neutron request is slowed so that the claims' read-modify-writes of this port
    // overlap: without serialising them, one merge would overwrite the other.
    sim.setFaults([{ api: 'neutron', latencyMs: 15 }]);
    const provider = [
      'cloud_provider os {',
      ' type openstack',
      ` auth_url ${sim.url}`,
      ' region sim-region-1',
      ` project_id ${PROJECT}`,
      ` user ${OS_USER}`,
      ` password ${OS_PASSWORD}`,
      ` metadata_url ${sim.url}/_instance/${SRV_A}`,
      '}',
      '',
    ].join('\n');
    const three = load(provider + inst([`${VIP}/24`, `${VIP2}/24`, '192.0.2.102/24'], ['provider os', 'mode shared']));
    expect(three.ok, diag(three).join('\n')).toBe(true);
    const a = await claimAll(three.model);
    try {
      expect(a.states.map((s) => s.state)).toEqual(['claimed', 'claimed', 'claimed']);
      expect(pairs(sim, PORT_A).sort()).toEqual([VIP, VIP2, '192.0.2.102']);
      // Serialised: no claim had to be retried after a lost update.
      expect(a.events.filter((e) => e.type === 'claim_failure')).toEqual([]);
    } finally {
      await a.cm.close();
    }

    // floating_ip_id from the configuration: the claim moves it to this node's port.
    expect(sim.state.floatingips.get(FIP)).not.toMatchObject({ port_id: PORT_A });
    const one = load(provider + inst([`${VIP}/24`], ['provider os', `floating_ip_id ${FIP}`]));
    expect(one.ok, diag(one).join('\n')).toBe(true);
    const b = await claimAll(one.model);
    try {
      expect(b.states.map((s) => s.state)).toEqual(['claimed']);
      expect(sim.state.floatingips.get(FIP)).toMatchObject({ floating_ip_address: EIP, port_id: PORT_A, fixed_ip_address: IP_A });
      expect(sim.log.all().some((e) => e.method === 'PUT' && e.path.endsWith(`/floatingips/${FIP}`) && e.status === 200)).toBe(true);
    } finally {
      await b.cm.close();
    }
  });
});
