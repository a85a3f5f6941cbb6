import { describe, expect, it } from 'vitest';
import {
  checkCloudConstraints,
  inSubnet,
  MAX_VIPS_PER_NIC,
  nicsInSameSubnet,
  RECOMMENDED_VIPS_PER_SERVER,
  tooManyVipsPerNic,
  tooManyVipsPerServer,
  vipOutsideSubnet,
} from '../../src/cloud/constraints.js';

describe('vendor constraints', () => {
  it('subnet membership, IPv4 and IPv6, odd prefix lengths', () => {
    expect(inSubnet('192.0.2.100', '192.0.2.11', 24)).toBe(true);
    expect(inSubnet('192.0.3.1', '192.0.2.11', 24)).toBe(false);
    expect(inSubnet('192.0.2.130', '192.0.2.11', 25)).toBe(false);
    expect(inSubnet('192.0.2.126', '192.0.2.11', 25)).toBe(true);
    expect(inSubnet('2001:db8::100', '2001:db8::11', 64)).toBe(true);
    expect(inSubnet('2001:db8:1::1', '2001:db8::11', 64)).toBe(false);
    expect(inSubnet('2001:db8::1', '192.0.2.1', 0)).toBe(false);
  });

  it('warns when a VIP is outside its interface subnet', () => {
    const nics = [{ ifname: 'eth0', address: '192.0.2.11', prefixLength: 24 }];
    expect(vipOutsideSubnet([{ address: '192.0.2.100', ifname: 'eth0' }], nics)).toEqual([]);
    const w = vipOutsideSubnet([{ address: '198.51.100.7', ifname: 'eth0' }], nics);
    expect(w).toEqual([expect.objectContaining({ code: 'VIP_OUTSIDE_SUBNET', vip: '198.51.100.7', ifname: 'eth0' })]);
    expect(w[0]!.message).toContain('192.0.2.11/24');
    // Unknown interface: no opinion.
    expect(vipOutsideSubnet([{ address: '198.51.100.7', ifname: 'eth9' }], nics)).toEqual([]);
  });

  it('warns about several NICs in one subnet', () => {
    const w = nicsInSameSubnet([
      { ifname: 'eth0', address: '192.0.2.11', prefixLength: 24 },
      { ifname: 'eth1', address: '192.0.2.57', prefixLength: 24 },
      { ifname: 'eth2', address: '198.51.100.2', prefixLength: 24 },
    ]);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ code: 'NICS_SAME_SUBNET' });
    expect(w[0]!.message).toContain('eth0, eth1');
    expect(nicsInSameSubnet([{ ifname: 'eth0', address: '192.0.2.11', prefixLength: 24 }, { ifname: 'eth0', address: '192.0.2.12', prefixLength: 24 }])).toEqual([]);
  });

  // Huawei Cloud: at most 10 VIPs per NIC and 10 NICs per VIP, 8 VIPs per server recommended.
  const on = (ifname: string, n: number, from = 100, net = '192.0.2') =>
    Array.from({ length: n }, (_, i) => ({ address: `${net}.${from + i}`, ifname }));
  const nics = [
    { ifname: 'eth0', address: '192.0.2.11', prefixLength: 24 },
    { ifname: 'eth1', address: '198.51.100.11', prefixLength: 24 },
  ];

  it('the vendor numbers', () => {
    expect(RECOMMENDED_VIPS_PER_SERVER).toBe(8);
    expect(MAX_VIPS_PER_NIC).toBe(10);
  });

  it('warns past 8 VIPs per server, counted over every instance and interface', () => {
    // 5 + 4 = 9 on the server, no NIC past 8: the per-interface count would have said nothing.
    const nine = [...on('eth0', 5), ...on('eth1', 4, 100, '198.51.100')];
    expect(tooManyVipsPerServer(nine)).toEqual([expect.objectContaining({ code: 'TOO_MANY_VIPS_PER_SERVER' })]);
    expect(tooManyVipsPerServer(nine)[0]!.message).toBe('9 cloud VIPs on this server (on eth0, eth1): at most 8 virtual IPs per server are recommended');
    expect(checkCloudConstraints(nine, nics).map((w) => w.code)).toEqual(['TOO_MANY_VIPS_PER_SERVER']);
    // 8 is fine, and the same address named by two instances counts once.
    const eight = [...on('eth0', 4), ...on('eth1', 4, 100, '198.51.100')];
    expect(tooManyVipsPerServer(eight)).toEqual([]);
    expect(tooManyVipsPerServer([...eight, { address: '192.0.2.100', ifname: 'eth0' }])).toEqual([]);
    expect(checkCloudConstraints(eight, nics)).toEqual([]);
  });

  it('warns when more than 10 VIPs would be bound to one NIC, and says the limit is 10', () => {
    expect(tooManyVipsPerNic(on('eth0', 10))).toEqual([]);
    const w = tooManyVipsPerNic([...on('eth0', 11), ...on('eth1', 3, 100, '198.51.100')]);
    expect(w).toEqual([expect.objectContaining({ code: 'TOO_MANY_VIPS_PER_NIC', ifname: 'eth0' })]);
    expect(w[0]!.message).toBe('11 cloud VIPs would be bound to the NIC of eth0: the cloud binds at most 10 virtual IPs to one NIC, so some claims will be refused');
    expect(w[0]!.message).not.toMatch(/at most 8/);
    // 10 on one NIC: past the server recommendation only.
    expect(checkCloudConstraints(on('eth0', 10), nics).map((w) => w.code)).toEqual(['TOO_MANY_VIPS_PER_SERVER']);
    // 11: both.
    expect(checkCloudConstraints(on('eth0', 11), nics).map((w) => w.code)).toEqual(['TOO_MANY_VIPS_PER_SERVER', 'TOO_MANY_VIPS_PER_NIC']);
  });
});
