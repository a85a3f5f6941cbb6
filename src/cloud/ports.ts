/**
 * The Neutron port representation shared by the Huawei VPC API (v2.0 and v1) and
 * OpenStack Neutron, with the small pure helpers the claims are built from.
 */
import { canonicalIp, familyOf } from '../core/ip.js';

export interface FixedIp {
  subnet_id?: string;
  ip_address: string;
}

export interface AddressPair {
  ip_address: string;
  mac_address?: string;
}

export interface Port {
  id: string;
  name?: string;
  network_id?: string;
  mac_address?: string;
  device_id?: string;
  device_owner?: string;
  status?: string;
  fixed_ips?: FixedIp[];
  allowed_address_pairs?: AddressPair[];
  port_security_enabled?: boolean;
  project_id?: string;
  tenant_id?: string;
}

export interface FloatingIp {
  id: string;
  floating_ip_address: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  status?: string;
}

/** Huawei Cloud's device_owner for a virtual IP port. */
export const VIP_DEVICE_OWNER = 'neutron:VIP_PORT';

/** The allowed-address-pair entry that turns off source/destination checking on Huawei Cloud. */
export const SOURCE_CHECK_OFF = '1.1.1.1/0';

/**
 * Canonical form of a pair's address (an IP or a CIDR; a host prefix /32 or /128 is the
 * plain address); unknown text is returned as is.
 */
export function canonicalPair(ip: string): string {
  const [addr, len] = ip.split('/') as [string, string | undefined];
  const fam = familyOf(addr);
  if (!fam) return ip;
  const c = canonicalIp(addr);
  if (len === undefined || Number(len) === (fam === 4 ? 32 : 128)) return c;
  return `${c}/${len}`;
}

export function pairAddresses(port: Port): string[] {
  return (port.allowed_address_pairs ?? []).map((p) => canonicalPair(p.ip_address));
}

export function hasPair(port: Port, ip: string): boolean {
  const want = canonicalPair(ip);
  return pairAddresses(port).some((p) => p === want);
}

/** The port's pairs without the given address. */
export function pairsWithout(port: Port, ip: string): AddressPair[] {
  const want = canonicalPair(ip);
  return (port.allowed_address_pairs ?? []).filter((p) => canonicalPair(p.ip_address) !== want);
}

export function fixedAddresses(port: Port): string[] {
  return (port.fixed_ips ?? []).map((f) => canonicalIp(f.ip_address));
}

/** The port's fixed IP of the given family (the first one when several). */
export function fixedIpOfFamily(port: Port, family: 4 | 6): FixedIp | undefined {
  return (port.fixed_ips ?? []).find((f) => familyOf(f.ip_address) === family);
}

export function normaliseMac(mac: string): string {
  return mac.trim().toLowerCase().replace(/-/g, ':');
}

export function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size !== sb.size) return false;
  for (const x of sa) if (!sb.has(x)) return false;
  return true;
}
