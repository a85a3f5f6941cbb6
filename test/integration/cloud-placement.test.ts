/**
 * The cloud vendor's VIP constraints are checked at start-up and reported as warnings: a
 * VIP outside its interface's subnet (it cannot be bound to the NIC), several NICs in one
 * subnet (asymmetric return path), more than 8 cloud VIPs on the server (Huawei's
 * recommendation) and more than 10 on one NIC (Huawei's limit), counted over every
 * instance, a cloud_vip without `address` claiming each of its instance's VIPs.
 * Needs root, iproute2, tcpdump.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import { VrrpLab, waitFor } from '../helpers/vrrp-lab.js';

const reason = skipReason('tcpdump');

describe.skipIf(!!reason)('cloud VIP placement warnings at start-up', () => {
  let vl: VrrpLab;
  beforeAll(async () => {
    vl = await VrrpLab.create({ nodes: ['a'], capture: false });
    const ns = vl.node('a').ns;
    // A second NIC in the same subnet as eth0.
    vl.lab.exec(ns, ['ip', 'link', 'add', 'nic2', 'type', 'veth', 'peer', 'name', 'nic2p']);
    vl.lab.exec(ns, ['ip', 'addr', 'add', '192.0.2.60/24', 'dev', 'nic2']);
    vl.lab.exec(ns, ['ip', 'link', 'set', 'nic2', 'up']);
    vl.lab.exec(ns, ['ip', 'link', 'set', 'nic2p', 'up']);
    const conf = [
      'keepvip_defs {',
      `    control_socket ${vl.dir}/a.sock`,
      '}',
      'cloud_provider sim {',
      '    type huaweicloud',
      '    region test-1',
      '    project_id 0123456789abcdef0123456789abcdef',
      '    endpoint http://192.0.2.250:9',
      '    metadata_url http://192.0.2.250:9',
      '    access_key PLACEMENTTESTAK',
      '    secret_key PLACEMENTTESTSKdoesnotmatter',
      '}',
      'vrrp_instance VI_1 {',
      '    state BACKUP',
      '    interface eth0',
      '    virtual_router_id 51',
      '    priority 150',
      '    advert_int 1',
      '    virtual_ipaddress {',
      '        198.51.100.7/24 dev eth0',
      '    }',
      '    cloud_vip {',
      '        provider sim',
      '        mode exclusive',
      '    }',
      '}',
      // 11 more VIPs on eth0, all claimed (no address): 12 on the server and on eth0.
      'vrrp_instance VI_2 {',
      '    state BACKUP',
      '    interface eth0',
      '    virtual_router_id 52',
      '    priority 100',
      '    advert_int 1',
      '    virtual_ipaddress {',
      ...Array.from({ length: 11 }, (_, i) => `        192.0.2.${101 + i}/24`),
      '    }',
      '    cloud_vip {',
      '        provider sim',
      '    }',
      '}',
      '',
    ].join('\n');
    await vl.start('a', 'keepvip', conf);
  }, 60_000);
  afterAll(async () => {
    await vl?.close();
  });

  it('warns about a VIP outside the interface subnet, two NICs in one subnet, and too many VIPs on the server and on one NIC', async () => {
    const d = vl.daemon('a');
    const codes = () => d.events('cloud_warning').map((e) => String(e.code));
    await waitFor(() => codes().includes('VIP_OUTSIDE_SUBNET') && codes().includes('NICS_SAME_SUBNET'), 10_000, 'both warnings', {
      explain: () => d.output(),
    });
    const outside = d.events('cloud_warning').find((e) => e.code === 'VIP_OUTSIDE_SUBNET')!;
    expect(outside.vip).toBe('198.51.100.7');
    expect(String(outside.message)).toMatch(/198\.51\.100\.7/);
    const same = d.events('cloud_warning').find((e) => e.code === 'NICS_SAME_SUBNET')!;
    expect(String(same.message)).toMatch(/eth0/);
    expect(String(same.message)).toMatch(/nic2/);
    // The numbers, counted over both instances.
    await waitFor(() => codes().includes('TOO_MANY_VIPS_PER_SERVER') && codes().includes('TOO_MANY_VIPS_PER_NIC'), 10_000, 'the VIP count warnings', {
      explain: () => d.output(),
    });
    const server = d.events('cloud_warning').find((e) => e.code === 'TOO_MANY_VIPS_PER_SERVER')!;
    expect(String(server.message)).toBe('12 cloud VIPs on this server (on eth0): at most 8 virtual IPs per server are recommended');
    const nic = d.events('cloud_warning').find((e) => e.code === 'TOO_MANY_VIPS_PER_NIC')!;
    expect(String(nic.message)).toMatch(/^12 cloud VIPs would be bound to the NIC of eth0: the cloud binds at most 10 virtual IPs to one NIC/);
    // The secret key never shows up in the output.
    expect(d.lines.join('\n')).not.toContain('PLACEMENTTESTSKdoesnotmatter');
  });
});
