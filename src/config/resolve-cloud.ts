/** keepvip's cloud blocks: providers and each instance's cloud_vip. Problems are errors. */
import type { Diagnostics } from './diagnostics.js';
import type { CloudProvider, VrrpInstance } from './model.js';
import type { DraftInstance, DraftProvider } from './keywords/drafts.js';

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
  const address = c.address ?? inst.vips[0]?.address;
  if (!address) {
    diags.error('cloud', `${who} cloud_vip needs 'address' (the instance has no virtual address)`, c.pos);
    return false;
  }
  if (c.address && !all.includes(c.address)) {
    diags.error('cloud', `${who} cloud_vip address ${c.address} is not one of the instance's virtual addresses`, c.seen.address ?? c.pos);
    return false;
  }
  inst.cloudVip = {
    provider: c.provider,
    address,
    mode: c.mode ?? 'exclusive',
    releaseOnBackup: c.releaseOnBackup ?? false,
    disableSourceCheck: c.disableSourceCheck ?? false,
    pos: c.pos,
  };
  if (c.vipPortId) inst.cloudVip.vipPortId = c.vipPortId;
  if (c.nicPortId) inst.cloudVip.nicPortId = c.nicPortId;
  return true;
}
