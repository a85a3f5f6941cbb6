import { describe, expect, it } from 'vitest';
import { checkCloudConstraints, inSubnet, nicsInSameSubnet, tooManyVipsPerNic, vipOutsideSubnet } from '../../src/cloud/constraints.js';

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

  it('warns past 8 VIPs per NIC', () => {
    const vips = (n: number) => Array.from({ length: n }, (_, i) => ({ address: `192.0.2.${100 + i}`, ifname: 'eth0' }));
    expect(tooManyVipsPerNic(vips(8))).toEqual([]);
    expect(tooManyVipsPerNic(vips(9))).toEqual([expect.objectContaining({ code: 'TOO_MANY_VIPS_PER_NIC', ifname: 'eth0' })]);
    expect(checkCloudConstraints(vips(9), [{ ifname: 'eth0', address: '192.0.2.11', prefixLength: 24 }]).map((w) => w.code)).toEqual(['TOO_MANY_VIPS_PER_NIC']);
  });
});
