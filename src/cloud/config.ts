/**
 * Typed model of the cloud configuration blocks as the cloud code consumes them
 * (docs/cloud.md documents the keywords; src/config parses them):
 *
 *   cloud_provider NAME { type huaweicloud|openstack  region ...  project_id ... }   (top level)
 *   vrrp_instance X { ... cloud_vip { provider NAME  address 192.0.2.10  mode exclusive ... } }
 *
 * providerConfigFromModel / vipFromModel map the parser's model onto these types.
 */
import type { CloudProvider as ModelProvider, CloudVip as ModelVip, VrrpInstance } from '../config/model.js';
import { Secret } from './secret.js';

export type CloudProviderType = 'huaweicloud' | 'openstack';
export type ClaimMode = 'exclusive' | 'shared';

export interface CloudProviderConfig {
  name: string;
  type: CloudProviderType;
  /** Huawei: used to build the VPC endpoint (derived from the availability zone when absent). OpenStack: catalog region. */
  region?: string;
  /** Huawei: the project (from the credentials or the metadata when absent). OpenStack: token scope. */
  projectId?: string;
  /** OpenStack: token scope by name (with `domain`) when no project_id. */
  projectName?: string;
  /** Huawei: VPC endpoint; OpenStack: network endpoint overriding the Keystone catalog. */
  endpoint?: string;
  /** ECS / OpenStack metadata service (default http://169.254.169.254). */
  metadataUrl?: string;
  credentialsFile?: string;
  /** OpenStack: Keystone URL (overrides OS_AUTH_URL / the file's auth_url). */
  authUrl?: string;
  /** OpenStack: catalog interface public|internal|admin (default public). */
  interface?: 'public' | 'internal' | 'admin';
  /** OpenStack: user and project domain name (default "Default"). */
  domain?: string;
  /** Inline credentials (the configuration file then holds secrets: prefer credentials_file). */
  user?: string;
  password?: string | Secret;
  accessKey?: string | Secret;
  secretKey?: string | Secret;
  applicationCredentialId?: string;
  applicationCredentialSecret?: string | Secret;
  /** Huawei: VPC API flavour for ports, v2.0 (default) or v1. */
  apiVersion?: 'v2.0' | 'v1';
  /** Per-request timeout (default 5000 ms). */
  requestTimeoutMs?: number;
  /** Retries of one claim before giving up (default: until success or cancellation). */
  retries?: number;
  /** Huawei: NICs a VIP may be bound to at once (default 10). */
  maxNicsPerVip?: number;
}

/** Fields of CloudProviderConfig that hold secrets (never kept in plain text by providers). */
export const SECRET_CONFIG_FIELDS = ['password', 'accessKey', 'secretKey', 'applicationCredentialSecret'] as const;

export interface CloudVipConfig {
  /** Name of a cloud_provider block. */
  provider: string;
  /** The virtual IP. */
  address: string;
  /** Huawei: the VIP port (found from the address when absent). */
  vipPortId?: string;
  /** This node's NIC port (found from the interface's MAC through the metadata when absent). */
  nicPortId?: string;
  /** exclusive: only this node may use the VIP; shared: add this node to the holders. */
  mode: ClaimMode;
  /** On leaving MASTER, remove this node from the VIP's holders. */
  releaseOnBackup: boolean;
  /** Huawei: turn off source/destination checking on this NIC once (1.1.1.1/0 pair). */
  disableSourceCheck: boolean;
  /** OpenStack: also move this floating IP to this node's port on claim. */
  floatingIpId?: string;
}

/** What a provider is asked to act on: the config plus facts the shell knows. */
export interface CloudVip extends CloudVipConfig {
  /** MAC of the vrrp_instance's interface (selects this node's NIC). */
  interfaceMac?: string;
  /** vrrp_instance name, for events. */
  instance?: string;
}

export const DEFAULT_MAX_NICS_PER_VIP = 10;

/** The provider config without its secrets (what a provider keeps). */
export function withoutSecrets(cfg: CloudProviderConfig): CloudProviderConfig {
  const out = { ...cfg };
  for (const k of SECRET_CONFIG_FIELDS) delete out[k];
  return out;
}

/** Wrap a config secret. */
export function configSecret(v: string | Secret | undefined): Secret | undefined {
  if (v === undefined || v === '') return undefined;
  return v instanceof Secret ? v : new Secret(v);
}

/** Map the parser's cloud_provider onto CloudProviderConfig (timeout is in seconds there). */
export function providerConfigFromModel(p: ModelProvider): CloudProviderConfig {
  const c: CloudProviderConfig = { name: p.name, type: p.type };
  const copy = <K extends keyof CloudProviderConfig & keyof ModelProvider>(k: K): void => {
    if (p[k] !== undefined) (c as unknown as Record<string, unknown>)[k] = p[k];
  };
  for (const k of [
    'region',
    'projectId',
    'projectName',
    'endpoint',
    'metadataUrl',
    'credentialsFile',
    'authUrl',
    'interface',
    'domain',
    'user',
    'applicationCredentialId',
    'retries',
  ] as const) {
    copy(k);
  }
  if (p.password !== undefined) c.password = new Secret(p.password);
  if (p.accessKey !== undefined) c.accessKey = new Secret(p.accessKey);
  if (p.secretKey !== undefined) c.secretKey = new Secret(p.secretKey);
  if (p.applicationCredentialSecret !== undefined) c.applicationCredentialSecret = new Secret(p.applicationCredentialSecret);
  if (p.timeout !== undefined) c.requestTimeoutMs = p.timeout * 1000;
  return c;
}

/**
 * The addresses an instance's cloud_vip claims, one cloud VIP each: the resolved list,
 * else `address`, else (a hand-built model) every virtual_ipaddress.
 */
export function cloudVipAddresses(inst: Pick<VrrpInstance, 'cloudVip' | 'vips'>): string[] {
  const v = inst.cloudVip;
  if (!v) return [];
  if (v.addresses?.length) return [...v.addresses];
  if (v.address) return [v.address];
  return inst.vips.map((x) => x.address);
}

/** Map an instance's resolved cloud_vip onto CloudVip; the shell adds the interface MAC. */
export function vipFromModel(inst: Pick<VrrpInstance, 'name' | 'cloudVip'>, interfaceMac?: string): CloudVip | undefined {
  const v: ModelVip | undefined = inst.cloudVip;
  if (!v?.address) return undefined;
  return {
    provider: v.provider,
    address: v.address,
    mode: v.mode,
    releaseOnBackup: v.releaseOnBackup,
    disableSourceCheck: v.disableSourceCheck,
    instance: inst.name,
    ...(v.vipPortId ? { vipPortId: v.vipPortId } : {}),
    ...(v.nicPortId ? { nicPortId: v.nicPortId } : {}),
    ...(v.floatingIpId ? { floatingIpId: v.floatingIpId } : {}),
    ...(interfaceMac ? { interfaceMac } : {}),
  };
}

/** One CloudVip per claimed address of the instance (see cloudVipAddresses). */
export function vipsFromModel(inst: Pick<VrrpInstance, 'name' | 'cloudVip' | 'vips'>, interfaceMac?: string): CloudVip[] {
  const cv = inst.cloudVip;
  if (!cv) return [];
  const out: CloudVip[] = [];
  for (const address of cloudVipAddresses(inst)) {
    const v = vipFromModel({ name: inst.name, cloudVip: { ...cv, address } }, interfaceMac);
    if (v) out.push(v);
  }
  return out;
}
