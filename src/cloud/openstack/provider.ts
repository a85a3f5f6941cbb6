/**
 * OpenStack Neutron VIP claim (generic clouds, Huawei Cloud Stack). Here the VIP goes on
 * the server's own port: this node's port gets `{"ip_address": VIP}` merged into its
 * allowed_address_pairs (read, merge, write: the list is replaced whole), verified by
 * reading back. A 409 means port security is disabled on the port (pairs need it).
 * exclusive mode also removes the VIP from the other ports of the network that list it.
 * Optionally a floating IP is moved to this node's port (PUT /v2.0/floatingips/{id}).
 * The whole-list writes are read-modify-write, so the claims and releases of several VIPs
 * of this node (one cloud_vip claiming each of an instance's addresses) are serialised per
 * port: two merges from the same read would lose one of the VIPs.
 */
import { canonicalIp, familyOf } from '../../core/ip.js';
import { CloudApiError, CloudError } from '../errors.js';
import { keystoneChain, type KeystoneCredentials } from '../credentials.js';
import { configSecret, withoutSecrets, type CloudProviderConfig, type CloudVip } from '../config.js';
import type { CloudEventSink } from '../events.js';
import { fixedIpOfFamily, hasPair, pairsWithout, type Port } from '../ports.js';
import type { BoundAddress, ClaimResult, CloudProvider, ReleaseResult, VipHolder, VipStatus } from '../provider.js';
import { findNic, type NicInfo } from '../huaweicloud/discovery.js';
import { MetadataClient } from '../huaweicloud/metadata.js';
import { KeystoneClient } from './keystone.js';
import { NeutronClient } from './neutron.js';

export interface OpenStackProviderOptions {
  config: CloudProviderConfig;
  keystone?: KeystoneClient;
  metadata?: MetadataClient;
  events?: CloudEventSink;
  /** Read once, at construction, for OS_* (default process.env); not kept. */
  env?: NodeJS.ProcessEnv;
  /** Wall clock for token renewal, for tests. */
  now?: () => number;
}

function portIp(port: Port, family: 4 | 6): string | undefined {
  const f = fixedIpOfFamily(port, family);
  return f ? canonicalIp(f.ip_address) : undefined;
}

export class OpenStackProvider implements CloudProvider {
  readonly type = 'openstack' as const;
  readonly name: string;
  readonly metadata: MetadataClient;
  private keystoneClient: Promise<KeystoneClient> | undefined;
  private neutronClient: NeutronClient | undefined;
  private readonly nics = new Map<string, NicInfo>();
  private readonly opts: Omit<OpenStackProviderOptions, 'env'>;
  private readonly loadCredentials: () => Promise<KeystoneCredentials>;
  /** Per port id: the tail of the read-modify-write sections queued on it. */
  private readonly portQueues = new Map<string, Promise<void>>();

  constructor(options: OpenStackProviderOptions) {
    const { env, ...opts } = options;
    const cfg = withoutSecrets(opts.config);
    this.opts = { ...opts, config: cfg };
    this.name = cfg.name;
    const chain = keystoneChain({
      ...(inlineKeystone(opts.config) ? { inline: inlineKeystone(opts.config)! } : {}),
      ...(cfg.credentialsFile ? { file: cfg.credentialsFile } : {}),
      ...(env ? { env } : {}),
    });
    // Scope given in the cloud_provider block wins over the credentials' own.
    this.loadCredentials = async () => {
      const c = { ...(await chain()) };
      if (cfg.projectId) {
        c.projectId = cfg.projectId;
        delete c.projectName;
      } else if (cfg.projectName) {
        c.projectName = cfg.projectName;
        delete c.projectId;
        if (cfg.domain) c.projectDomainName = cfg.domain;
      }
      return c;
    };
    this.metadata =
      opts.metadata ??
      new MetadataClient({
        ...(opts.config.metadataUrl ? { baseUrl: opts.config.metadataUrl } : {}),
        timeoutMs: opts.config.requestTimeoutMs,
        events: opts.events,
      });
    if (opts.keystone) this.keystoneClient = Promise.resolve(opts.keystone);
  }

  keystone(): Promise<KeystoneClient> {
    if (!this.keystoneClient) {
      const cfg = this.opts.config;
      this.keystoneClient = this.loadCredentials().then(
        (credentials) =>
          new KeystoneClient({
            credentials,
            ...(cfg.authUrl ? { authUrl: cfg.authUrl } : {}),
            ...(cfg.interface ? { interface: cfg.interface } : {}),
            ...(cfg.region ? { region: cfg.region } : {}),
            timeoutMs: cfg.requestTimeoutMs,
            events: this.opts.events,
            ...(this.opts.now ? { now: this.opts.now } : {}),
          }),
      );
      this.keystoneClient.catch(() => (this.keystoneClient = undefined));
    }
    return this.keystoneClient;
  }

  async neutron(): Promise<NeutronClient> {
    if (!this.neutronClient) {
      this.neutronClient = new NeutronClient({
        keystone: await this.keystone(),
        ...(this.opts.config.endpoint ? { endpoint: this.opts.config.endpoint } : {}),
        timeoutMs: this.opts.config.requestTimeoutMs,
        events: this.opts.events,
      });
    }
    return this.neutronClient;
  }

  private family(vip: CloudVip): 4 | 6 {
    const f = familyOf(vip.address);
    if (!f) throw new CloudError('CONFIG_INVALID', `cloud_vip address ${vip.address} is not an IP address`);
    return f;
  }

  async discover(vip: CloudVip, signal?: AbortSignal): Promise<NicInfo> {
    const key = `${vip.nicPortId ?? ''}|${vip.interfaceMac ?? ''}|${this.family(vip)}`;
    const hit = this.nics.get(key);
    if (hit) return hit;
    const nic = await findNic(
      await this.neutron(),
      this.metadata,
      { family: this.family(vip), ...(vip.nicPortId ? { nicPortId: vip.nicPortId } : {}), ...(vip.interfaceMac ? { interfaceMac: vip.interfaceMac } : {}) },
      signal,
    );
    this.nics.set(key, nic);
    return nic;
  }

  /**
   * Run fn alone among this provider's writers of portId (queued behind the ones before it;
   * leaving the queue when the signal aborts).
   */
  private async withPort<T>(portId: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const prev = this.portQueues.get(portId) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((r) => (done = r));
    const tail = prev.then(() => mine);
    this.portQueues.set(portId, tail);
    try {
      await untilAborted(prev, signal);
      return await fn();
    } finally {
      done();
      if (this.portQueues.get(portId) === tail) this.portQueues.delete(portId);
    }
  }

  /** Remove the VIP from another port's pairs, from a fresh read of that port. */
  private async removePair(neutron: NeutronClient, portId: string, vip: string, signal: AbortSignal): Promise<void> {
    await this.withPort(portId, signal, async () => {
      const port = await neutron.getPort(portId, signal);
      if (hasPair(port, vip)) await neutron.setAddressPairs(portId, pairsWithout(port, vip), signal);
    });
  }

  /** Ports of the network, other than ours, whose pairs list the VIP. */
  private async otherHolders(neutron: NeutronClient, nic: NicInfo, vip: string, signal: AbortSignal): Promise<Port[]> {
    if (!nic.networkId) return [];
    const ports = await neutron.listPorts({ network_id: nic.networkId }, signal);
    return ports.filter((p) => p.id !== nic.portId && hasPair(p, vip));
  }

  private addPair(neutron: NeutronClient, portId: string, vip: string, signal: AbortSignal): Promise<boolean> {
    return this.withPort(portId, signal, () => this.addPairNow(neutron, portId, vip, signal));
  }

  private async addPairNow(neutron: NeutronClient, portId: string, vip: string, signal: AbortSignal): Promise<boolean> {
    const port = await neutron.getPort(portId, signal);
    if (hasPair(port, vip)) return false;
    try {
      await neutron.setAddressPairs(portId, [...(port.allowed_address_pairs ?? []), { ip_address: vip }], signal);
    } catch (err) {
      if (err instanceof CloudApiError && err.status === 409) throw portSecurity(portId, err);
      throw err;
    }
    const back = await neutron.getPort(portId, signal);
    if (!hasPair(back, vip)) {
      throw new CloudError('VERIFY_MISMATCH', `port ${portId} reads back without ${vip} in allowed_address_pairs`, { retryable: true });
    }
    return true;
  }

  async claim(vip: CloudVip, signal: AbortSignal): Promise<ClaimResult> {
    const neutron = await this.neutron();
    const nic = await this.discover(vip, signal);
    const address = canonicalIp(vip.address);
    let changed = await this.addPair(neutron, nic.portId, address, signal);
    if (vip.mode === 'exclusive') {
      for (const other of await this.otherHolders(neutron, nic, address, signal)) {
        await this.removePair(neutron, other.id, address, signal);
        changed = true;
      }
      const left = await this.otherHolders(neutron, nic, address, signal);
      if (left.length > 0) {
        throw new CloudError('VERIFY_MISMATCH', `VIP ${address} still listed on port(s) ${left.map((p) => p.id).join(', ')}`, { retryable: true });
      }
    }
    if (vip.floatingIpId) {
      const fip = await neutron.getFloatingIp(vip.floatingIpId, signal);
      if (fip.port_id !== nic.portId || (fip.fixed_ip_address && canonicalIp(fip.fixed_ip_address) !== nic.ip)) {
        await neutron.moveFloatingIp(vip.floatingIpId, nic.portId, nic.ip, signal);
        const back = await neutron.getFloatingIp(vip.floatingIpId, signal);
        if (back.port_id !== nic.portId) {
          throw new CloudError('VERIFY_MISMATCH', `floating IP ${vip.floatingIpId} reads back on port ${back.port_id ?? 'none'}`, {
            retryable: true,
          });
        }
        changed = true;
      }
    }
    const holders = [nic.ip];
    if (vip.mode === 'shared') {
      for (const p of await this.otherHolders(neutron, nic, address, signal)) {
        const ip = portIp(p, this.family(vip));
        if (ip) holders.push(ip);
      }
    }
    return { vip: address, changed, portId: nic.portId, nicPortId: nic.portId, nicIp: nic.ip, holders };
  }

  async release(vip: CloudVip, signal: AbortSignal): Promise<ReleaseResult> {
    const neutron = await this.neutron();
    const nic = await this.discover(vip, signal);
    const address = canonicalIp(vip.address);
    const changed = await this.withPort(nic.portId, signal, async () => {
      const port = await neutron.getPort(nic.portId, signal);
      if (!hasPair(port, address)) return false;
      await neutron.setAddressPairs(nic.portId, pairsWithout(port, address), signal);
      const back = await neutron.getPort(nic.portId, signal);
      if (hasPair(back, address)) {
        throw new CloudError('VERIFY_MISMATCH', `port ${nic.portId} still lists ${address} after release`, { retryable: true });
      }
      return true;
    });
    const holders: string[] = [];
    for (const p of await this.otherHolders(neutron, nic, address, signal)) {
      const ip = portIp(p, this.family(vip));
      if (ip) holders.push(ip);
    }
    return { vip: address, changed, holders };
  }

  async status(vip: CloudVip, signal: AbortSignal): Promise<VipStatus> {
    const neutron = await this.neutron();
    const nic = await this.discover(vip, signal);
    const address = canonicalIp(vip.address);
    const ports = nic.networkId ? await neutron.listPorts({ network_id: nic.networkId }, signal) : [await neutron.getPort(nic.portId, signal)];
    const holders: VipHolder[] = ports
      .filter((p) => hasPair(p, address))
      .map((p) => {
        const ip = portIp(p, this.family(vip));
        return { ...(ip ? { ip } : {}), portId: p.id, ...(p.device_id ? { deviceId: p.device_id } : {}), self: p.id === nic.portId };
      });
    const fips = await neutron.listFloatingIps({ fixed_ip_address: address }, signal);
    if (vip.floatingIpId && !fips.some((f) => f.id === vip.floatingIpId)) fips.push(await neutron.getFloatingIp(vip.floatingIpId, signal));
    const eips: BoundAddress[] = fips.map((f) => ({
      id: f.id,
      address: f.floating_ip_address,
      ...(f.port_id ? { portId: f.port_id } : {}),
      ...(f.fixed_ip_address ? { fixedIp: f.fixed_ip_address } : {}),
      ...(f.status ? { status: f.status } : {}),
    }));
    return {
      vip: address,
      provider: this.name,
      type: this.type,
      nicPortId: nic.portId,
      nicIp: nic.ip,
      holders,
      heldByThisNode: holders.some((h) => h.self),
      eips,
    };
  }
}

/** Keystone credentials written in the cloud_provider block, if any. */
function inlineKeystone(cfg: CloudProviderConfig): KeystoneCredentials | undefined {
  const password = configSecret(cfg.password);
  const appSecret = configSecret(cfg.applicationCredentialSecret);
  if (!password && !appSecret) return undefined;
  const c: KeystoneCredentials = { kind: 'keystone', source: 'config' };
  if (cfg.authUrl) c.authUrl = cfg.authUrl;
  if (cfg.user) c.username = cfg.user;
  if (password) c.password = password;
  if (cfg.domain) {
    c.userDomainName = cfg.domain;
    c.projectDomainName = cfg.domain;
  }
  if (cfg.projectId) c.projectId = cfg.projectId;
  if (cfg.projectName) c.projectName = cfg.projectName;
  if (cfg.applicationCredentialId) c.applicationCredentialId = cfg.applicationCredentialId;
  if (appSecret) c.applicationCredentialSecret = appSecret;
  if (cfg.region) c.regionName = cfg.region;
  if (cfg.interface) c.interface = cfg.interface;
  return c;
}

function portSecurity(portId: string, cause?: CloudApiError): CloudError {
  return new CloudError(
    'PORT_SECURITY_DISABLED',
    `port ${portId}: port security is disabled, so allowed_address_pairs cannot be set` +
      (cause ? ` (${cause.code}: ${cause.message})` : '') +
      '; enable port_security_enabled on the port, or leave it disabled and skip the cloud claim',
    { cause },
  );
}

/** Wait for p, or reject with CANCELLED when the signal aborts first. */
function untilAborted(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new CloudError('CANCELLED', 'cancelled while waiting for another update of the port'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new CloudError('CANCELLED', 'cancelled while waiting for another update of the port'));
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
