/** keepvip's cloud blocks: providers and each instance's cloud_vip. Problems are errors. */
import type { Diagnostics } from './diagnostics.js';
import type { CloudProvider, VrrpInstance } from './model.js';
import type { DraftInstance, DraftProvider } from './keywords/drafts.js';
import { familyOf, ipToBytes } from '../core/ip.js';

/** fe80::/10 (RFC 4291 2.5.6). */
function isLinkLocal(address: string): boolean {
  if (familyOf(address) !== 6) return false;
  const b = ipToBytes(address);
  return b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

export function resolveProviders(list: DraftProvider[], diags: Diagnostics): CloudProvider[] {
  const out: CloudProvider[] = [];
  for (const p of list) {
    if (!p.type) {
      diags.error('cloud', `cloud_provider ${p.name}: 'type huaweicloud|openstack' is required`, p.pos);
      continue;
    }
    if (p.type === 'huaweicloud' && !p.region && !p.endpoint) {
      diags.error('cloud', `cloud_provider ${p.name}: huaweicloud needs 'region' or 'endpoint'`, p.pos);
      continue;
    }
    if (p.type === 'openstack' && !p.authUrl && !p.credentialsFile) {
      diags.error('cloud', `cloud_provider ${p.name}: openstack needs 'auth_url' or 'credentials_file'`, p.pos);
      continue;
    }
    if (p.password !== undefined || p.secretKey !== undefined || p.applicationCredentialSecret !== undefined) {
      diags.note(
        'cloud',
        `cloud_provider ${p.name}: credentials are written in the configuration file; keep it readable by root only or use credentials_file`,
        p.seen.password ?? p.seen.secret_key ?? p.pos,
      );
    }
    const { seen: _seen, seq: _seq, ...rest } = p as DraftProvider & { seq?: number };
    out.push({ ...rest, type: p.type } as CloudProvider);
  }
  return out;
}

/** Attach the resolved cloud_vip to the instance; returns false on an error. */
export function resolveCloudVip(
  d: DraftInstance,
  inst: VrrpInstance,
  providers: CloudProvider[],
  declared: Set<string>,
  diags: Diagnostics,
): boolean {
  const c = d.cloudVip;
  if (!c) return true;
  const who = `(${d.name})`;
  if (!c.provider) {
    diags.error('cloud', `${who} cloud_vip needs 'provider NAME'`, c.pos);
    return false;
  }
  if (!providers.some((p) => p.name === c.provider)) {
    // A provider that was declared but rejected already has its own error.
    if (!declared.has(c.provider)) {
      diags.error('unknown-reference', `${who} cloud_vip provider '${c.provider}' is not a declared cloud_provider`, c.seen.provider ?? c.pos);
    }
    return false;
  }
  const all = [...inst.vips, ...inst.excludedVips].map((v) => v.address);
  if (c.address && !all.includes(c.address)) {
    diags.error('cloud', `${who} cloud_vip address ${c.address} is not one of the instance's virtual addresses`, c.seen.address ?? c.pos);
    return false;
  }
  // Without 'address', every virtual_ipaddress is claimed: on Huawei Cloud a VIP is a port
  // holding one address (device_owner neutron:VIP_PORT), so each address is its own cloud
  // VIP with its own VIP port, found by address. IPv6 link-local addresses (fe80::/10) are
  // left out: they are never forwarded beyond the link (RFC 4291 2.5.6) and no VIP port
  // holds one, yet an IPv6 instance lists one first (RFC 5798 5.2.9).
  const addresses = c.address ? [c.address] : inst.vips.map((v) => v.address).filter((a) => !isLinkLocal(a));
  if (addresses.length === 0) {
    diags.error(
      'cloud',
      inst.vips.length
        ? `${who} cloud_vip needs 'address': the instance's virtual addresses are all link-local, which the cloud does not route`
        : `${who} cloud_vip needs 'address' (the instance has no virtual address)`,
      c.pos,
    );
    return false;
  }
  if (addresses.length > 1) {
    // One VIP port and one floating IP each belong to one address.
    const several = `the instance has ${addresses.length} virtual addresses (${addresses.join(', ')}), each claimed as its own cloud VIP`;
    if (c.vipPortId) {
      diags.error('cloud', `${who} cloud_vip vip_port_id names one VIP port but ${several}: add 'address'`, c.seen.vip_port_id ?? c.pos);
      return false;
    }
    if (c.floatingIpId) {
      diags.error('cloud', `${who} cloud_vip floating_ip_id names one floating IP but ${several}: add 'address'`, c.seen.floating_ip_id ?? c.pos);
      return false;
    }
  }
  const provider = providers.find((p) => p.name === c.provider)!;
  if (c.floatingIpId && provider.type !== 'openstack') {
    // Huawei Cloud: an EIP bound to the VIP port follows whichever NIC the port names.
    diags.warning(
      'cloud',
      `${who} cloud_vip floating_ip_id is only used with openstack providers (ignored: on huaweicloud an EIP bound to the VIP port follows the holder)`,
      c.seen.floating_ip_id ?? c.pos,
    );
  }
  inst.cloudVip = {
    provider: c.provider,
    ...(addresses.length === 1 ? { address: addresses[0]! } : {}),
    addresses,
    mode: c.mode ?? 'exclusive',
    releaseOnBackup: c.releaseOnBackup ?? false,
    disableSourceCheck: c.disableSourceCheck ?? false,
    pos: c.pos,
  };
  if (c.vipPortId) inst.cloudVip.vipPortId = c.vipPortId;
  if (c.nicPortId) inst.cloudVip.nicPortId = c.nicPortId;
  if (c.floatingIpId && provider.type === 'openstack') inst.cloudVip.floatingIpId = c.floatingIpId;
  return true;
}
