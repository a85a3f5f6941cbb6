/**
 * The cloud vendor's VIP constraints are checked at start-up and reported as warnings: a
 * VIP outside its interface's subnet (it cannot be bound to the NIC), and several NICs in
 * one subnet (asymmetric return path). Needs root, iproute2, tcpdump.
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
      '',
    ].join('\n');
    await vl.start('a', 'keepvip', conf);
  }, 60_000);
  afterAll(async () => {
    await vl?.close();
  });

  it('warns about a VIP outside the interface subnet and about two NICs in one subnet', async () => {
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
    // The secret key never shows up in the output.
    expect(d.lines.join('\n')).not.toContain('PLACEMENTTESTSKdoesnotmatter');
  });
});
