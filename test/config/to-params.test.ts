import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { toInstanceParams, InstanceParamsError } from '../../src/config/to-params.js';

const text = `
keepvip_defs {
 manage_ip_forward on
}
cloud_provider p {
 type huaweicloud
 region r
}
vrrp_instance VI {
 interface eth0
 virtual_router_id 7
 priority 120
 advert_int 2
 nopreempt
 preempt_delay 1.5
 authentication {
  auth_type PASS
  auth_pass pw
 }
 unicast_peer {
  192.0.2.9
 }
 garp_master_delay 3
 garp_master_refresh 60
 virtual_ipaddress {
  192.0.2.1/24
  192.0.2.2
 }
 cloud_vip {
  provider p
  release_on_backup on
 }
}
vrrp_instance V6 {
 interface eth0
 virtual_router_id 8
 mcast_src_ip 2001:db8::5
 virtual_ipaddress {
  fe80::8
 }
}
`;

describe('toInstanceParams', () => {
  const r = parseConfigText(text, { configId: 'x' });
  const globals = { ...r.model.globalDefs, keepvip: r.model.keepvip };

  it('maps a v2 unicast instance', () => {
    expect(r.ok).toBe(true);
    const calls: string[] = [];
    const p = toInstanceParams(r.model.instances[0]!, globals, (ifname, family) => {
      calls.push(`${ifname}/${family}`);
      return '192.0.2.10';
    });
    expect(calls).toEqual(['eth0/4']);
    expect(p).toEqual({
      name: 'VI',
      vrid: 7,
      version: 2,
      family: 4,
      ifname: 'eth0',
      primaryIp: '192.0.2.10',
      priority: 120,
      intervalCs: 200,
      vips: ['192.0.2.1', '192.0.2.2'],
      initialState: 'BACKUP',
      preempt: false,
      preemptDelayMs: 0,
      downTimerAdverts: 3,
      unicastPeers: ['192.0.2.9'],
      auth: { type: 'pass', password: 'pw' },
      skipCheckAdvAddr: false,
      checkUnicastSrc: false,
      garpMasterDelayMs: 3000,
      garpMasterRefreshMs: 60000,
      cloudClaim: true,
      cloudRelease: true,
      manageForwarding: true,
    });
  });

  it('uses mcast_src_ip as the primary address and fails clearly without one', () => {
    const v6 = r.model.instances[1]!;
    expect(toInstanceParams(v6, globals, () => undefined)).toMatchObject({ primaryIp: '2001:db8::5', version: 3, family: 6, intervalCs: 100 });
    const { mcastSrcIp: _m, ...noSrc } = v6;
    expect(() => toInstanceParams(noSrc, globals, () => undefined)).toThrow(InstanceParamsError);
  });
});
