/**
 * Vendor constraints worth a warning at start-up (pure functions over plain data; the
 * shell supplies the interface addresses):
 *  - a VIP outside the subnet of the interface it is configured on cannot be claimed
 *    (the VIP port lives in one subnet and pairs only with NICs of that subnet);
 *  - several NICs of one server in the same subnet make replies leave through the wrong
 *    NIC (asymmetric routing) unless policy routing is set up;
 *  - Huawei Cloud's VIP limits: at most 10 virtual IPs per NIC and 10 NICs per virtual IP,
 *    8 virtual IPs per server recommended. Past 8 on this server (every cloud_vip of every
 *    instance and interface) is a warning; past 10 on one NIC is a warning too (the cloud
 *    refuses the 11th binding). 10 NICs per VIP is enforced by the claim (VIP_PAIR_LIMIT).
 */
import { familyOf, ipToBytes } from '../core/ip.js';

export interface NicAddress {
  ifname: string;
  address: string;
  prefixLength: number;
}

export interface VipPlacement {
  address: string;
  ifname: string;
}

export type ConstraintCode = 'VIP_OUTSIDE_SUBNET' | 'NICS_SAME_SUBNET' | 'TOO_MANY_VIPS_PER_NIC' | 'TOO_MANY_VIPS_PER_SERVER';

export interface ConstraintWarning {
  code: ConstraintCode;
  message: string;
  vip?: string;
  ifname?: string;
}

/** Huawei Cloud: a NIC can be bound to at most 10 virtual IPs. */
export const MAX_VIPS_PER_NIC = 10;
/** Huawei Cloud: at most 8 virtual IPs per server are recommended. */
export const RECOMMENDED_VIPS_PER_SERVER = 8;

/** Whether addr lies in network/prefixLength (same family only). */
export function inSubnet(addr: string, network: string, prefixLength: number): boolean {
  if (familyOf(addr) !== familyOf(network)) return false;
  const a = ipToBytes(addr);
  const n = ipToBytes(network);
  let bits = prefixLength;
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & mask) !== (n[i]! & mask)) return false;
  }
  return true;
}

function subnetKey(n: NicAddress): string {
  const b = ipToBytes(n.address);
  let bits = n.prefixLength;
  for (let i = 0; i < b.length; i++, bits -= 8) {
    b[i] = bits >= 8 ? b[i]! : bits <= 0 ? 0 : b[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return `${b.toString('hex')}/${n.prefixLength}`;
}

export function vipOutsideSubnet(vips: VipPlacement[], nics: NicAddress[]): ConstraintWarning[] {
  const out: ConstraintWarning[] = [];
  for (const v of vips) {
    const fam = familyOf(v.address);
    const mine = nics.filter((n) => n.ifname === v.ifname && familyOf(n.address) === fam);
    if (mine.length === 0) continue; // nothing known about the interface yet
    if (!mine.some((n) => inSubnet(v.address, n.address, n.prefixLength))) {
      out.push({
        code: 'VIP_OUTSIDE_SUBNET',
        vip: v.address,
        ifname: v.ifname,
        message: `VIP ${v.address} is outside the subnet of ${v.ifname} (${mine
          .map((n) => `${n.address}/${n.prefixLength}`)
          .join(', ')}): the cloud only pairs a VIP with NICs of its own subnet`,
      });
    }
  }
  return out;
}

export function nicsInSameSubnet(nics: NicAddress[]): ConstraintWarning[] {
  const bySubnet = new Map<string, Set<string>>();
  for (const n of nics) {
    if (!familyOf(n.address)) continue;
    const key = subnetKey(n);
    const set = bySubnet.get(key) ?? new Set<string>();
    set.add(n.ifname);
    bySubnet.set(key, set);
  }
  const out: ConstraintWarning[] = [];
  for (const ifnames of bySubnet.values()) {
    if (ifnames.size < 2) continue;
    const names = [...ifnames].sort();
    out.push({
      code: 'NICS_SAME_SUBNET',
      ifname: names[0]!,
      message: `NICs ${names.join(', ')} are in the same subnet: replies may leave through the wrong NIC; use one NIC per subnet or policy routing`,
    });
  }
  return out;
}

/** The vendor's hard limit: more than `limit` distinct VIPs bound to one NIC (interface). */
export function tooManyVipsPerNic(vips: VipPlacement[], limit = MAX_VIPS_PER_NIC): ConstraintWarning[] {
  const byIf = new Map<string, Set<string>>();
  for (const v of vips) {
    const set = byIf.get(v.ifname) ?? new Set<string>();
    set.add(v.address);
    byIf.set(v.ifname, set);
  }
  const out: ConstraintWarning[] = [];
  for (const [ifname, set] of byIf) {
    if (set.size > limit) {
      out.push({
        code: 'TOO_MANY_VIPS_PER_NIC',
        ifname,
        message: `${set.size} cloud VIPs would be bound to the NIC of ${ifname}: the cloud binds at most ${limit} virtual IPs to one NIC, so some claims will be refused`,
      });
    }
  }
  return out;
}

/**
 * The vendor's recommendation: more than `recommended` distinct VIPs on this server, counted
 * over every instance and interface (the vips of the whole configuration).
 */
export function tooManyVipsPerServer(vips: VipPlacement[], recommended = RECOMMENDED_VIPS_PER_SERVER): ConstraintWarning[] {
  const all = new Set(vips.map((v) => v.address));
  if (all.size <= recommended) return [];
  const ifnames = [...new Set(vips.map((v) => v.ifname))].sort();
  return [
    {
      code: 'TOO_MANY_VIPS_PER_SERVER',
      message: `${all.size} cloud VIPs on this server (on ${ifnames.join(', ')}): at most ${recommended} virtual IPs per server are recommended`,
    },
  ];
}

/** All the checks. */
export function checkCloudConstraints(vips: VipPlacement[], nics: NicAddress[]): ConstraintWarning[] {
  return [...vipOutsideSubnet(vips, nics), ...nicsInSameSubnet(nics), ...tooManyVipsPerServer(vips), ...tooManyVipsPerNic(vips)];
}
