/**
 * Huawei Cloud VIP claim. On Huawei Cloud the VIP port's allowed_address_pairs list the
 * fixed IPs of the server NICs allowed to use the VIP (the reverse of plain OpenStack):
 *  - exclusive: the list becomes exactly [this NIC's fixed IP];
 *  - shared:    this NIC's fixed IP is merged into the list (at most maxNicsPerVip NICs).
 * Every claim reads first (nothing is written when the state is already right), writes
 * the whole list with PUT, and verifies by reading the port back.
 * Optionally, once per NIC, source/destination checking is turned off by adding the
 * 1.1.1.1/0 pair to the NIC's own port (idempotent).
 */
import { canonicalIp, familyOf } from '../../core/ip.js';
import { CloudApiError, CloudError } from '../errors.js';
import { AkSkCredentialProvider } from '../credentials.js';
import { configSecret, DEFAULT_MAX_NICS_PER_VIP, withoutSecrets, type CloudProviderConfig, type CloudVip } from '../config.js';
import type { CloudEventSink } from '../events.js';
import { canonicalPair, hasPair, pairAddresses, pairsWithout, sameSet, SOURCE_CHECK_OFF, type AddressPair, type Port } from '../ports.js';
import type { ClaimResult, CloudProvider, ReleaseResult, VipHolder, VipStatus } from '../provider.js';
import { findNic, findVipPort, type NicInfo } from './discovery.js';
import { MetadataClient } from './metadata.js';
import { VpcClient, type ArmedPortRead } from './vpc.js';

export interface HuaweiCloudProviderOptions {
  config: CloudProviderConfig;
  credentials?: AkSkCredentialProvider;
  metadata?: MetadataClient;
  events?: CloudEventSink;
  /** Read once, at construction, for HUAWEICLOUD_SDK_* (default process.env); not kept. */
  env?: NodeJS.ProcessEnv;
  /** Signing clock, for tests. */
  signingNow?: () => Date;
}

/** How often an armed read is signed again (the gateway accepts 15 minutes of skew). */
export const ARM_REFRESH_MS = 5 * 60_000;
/** How long a fired read waits for its claim. */
const FIRED_KEEP_MS = 5000;

interface ArmedSlot {
  vip: CloudVip;
  read?: ArmedPortRead;
  timer?: NodeJS.Timeout;
  /** Armed connections in a row that died young. */
  failures: number;
}

interface Discovered {
  nic: NicInfo;
  vipPortId: string;
}

export class HuaweiCloudProvider implements CloudProvider {
  readonly type = 'huaweicloud' as const;
  readonly name: string;
  readonly metadata: MetadataClient;
  readonly credentials: AkSkCredentialProvider;
  private vpcClient: Promise<VpcClient> | undefined;
  /** The VPC client once built (for the claim's synchronous start). */
  private vpcReady: VpcClient | undefined;
  private readonly discovered = new Map<string, Discovered>();
  private readonly sourceCheckDone = new Set<string>();
  /** Armed first reads per VIP (arm / fire), and reads fired for the next claim(). */
  private readonly armed = new Map<string, ArmedSlot>();
  private readonly fired = new Map<string, Promise<Port>>();
  private closed = false;

  private readonly opts: Omit<HuaweiCloudProviderOptions, 'env'>;

  constructor(options: HuaweiCloudProviderOptions) {
    const { env, ...opts } = options;
    // Secrets from the configuration go into Secret; the kept config has none.
    const cfg = withoutSecrets(opts.config);
    this.opts = { ...opts, config: cfg };
    const ak = configSecret(opts.config.accessKey);
    const sk = configSecret(opts.config.secretKey);
    this.name = cfg.name;
    this.metadata =
      opts.metadata ??
      new MetadataClient({ ...(cfg.metadataUrl ? { baseUrl: cfg.metadataUrl } : {}), timeoutMs: cfg.requestTimeoutMs, events: opts.events });
    this.credentials =
      opts.credentials ??
      new AkSkCredentialProvider({
        ...(ak || sk ? { inline: { ...(ak ? { ak } : {}), ...(sk ? { sk } : {}) } } : {}),
        ...(cfg.credentialsFile ? { file: cfg.credentialsFile } : {}),
        ...(env ? { env } : {}),
        metadata: this.metadata,
      });
  }

  /** The VPC client, built once the project and endpoint are known. */
  vpc(signal?: AbortSignal): Promise<VpcClient> {
    if (!this.vpcClient) {
      const p = this.buildVpc(signal);
      this.vpcClient = p;
      p.then(
        (c) => {
          if (this.vpcClient === p) this.vpcReady = c;
        },
        () => {
          if (this.vpcClient === p) this.vpcClient = undefined;
        },
      );
    }
    return this.vpcClient;
  }

  private async buildVpc(signal?: AbortSignal): Promise<VpcClient> {
    const cfg = this.opts.config;
    let projectId = cfg.projectId;
    let region = cfg.region;
    if (!projectId) projectId = (await this.credentials.get(signal)).projectId;
    if (!projectId || (!cfg.endpoint && !region)) {
      const md = await this.metadata.metaData(signal);
      projectId ??= md.project_id;
      // The metadata has no region; an availability zone is the region plus a letter.
      if (!region && md.availability_zone) region = md.availability_zone.replace(/[a-z]$/, '');
    }
    if (!projectId) throw new CloudError('CONFIG_INVALID', `cloud_provider ${this.name}: no project_id (config, credentials or metadata)`);
    const endpoint = cfg.endpoint ?? (region ? `https://vpc.${region}.myhuaweicloud.com` : undefined);
    if (!endpoint) throw new CloudError('CONFIG_INVALID', `cloud_provider ${this.name}: set region or endpoint`);
    return new VpcClient({
      endpoint,
      projectId,
      credentials: this.credentials,
      api: cfg.apiVersion ?? 'v2.0',
      timeoutMs: cfg.requestTimeoutMs,
      events: this.opts.events,
      ...(this.opts.signingNow ? { now: this.opts.signingNow } : {}),
    });
  }

  private family(vip: CloudVip): 4 | 6 {
    const f = familyOf(vip.address);
    if (!f) throw new CloudError('CONFIG_INVALID', `cloud_vip address ${vip.address} is not an IP address`);
    return f;
  }

  private discoveryKey(vip: CloudVip): string {
    return `${vip.address}|${vip.vipPortId ?? ''}|${vip.nicPortId ?? ''}|${vip.interfaceMac ?? ''}`;
  }

  /** Discover (once per VIP) this node's NIC and the VIP port. */
  async discover(vip: CloudVip, signal?: AbortSignal): Promise<Discovered> {
    const key = this.discoveryKey(vip);
    const hit = this.discovered.get(key);
    if (hit) return hit;
    const vpc = await this.vpc(signal);
    const nic = await findNic(
      vpc,
      this.metadata,
      { family: this.family(vip), ...(vip.nicPortId ? { nicPortId: vip.nicPortId } : {}), ...(vip.interfaceMac ? { interfaceMac: vip.interfaceMac } : {}) },
      signal,
    );
    const vipPort = await findVipPort(
      vpc,
      { address: vip.address, ...(vip.vipPortId ? { vipPortId: vip.vipPortId } : {}), ...(nic.networkId ? { networkId: nic.networkId } : {}) },
      signal,
    );
    const d = { nic, vipPortId: vipPort.id };
    this.discovered.set(key, d);
    return d;
  }

  /** Forget discovered ports (after a 404: a port was replaced). */
  forget(): void {
    this.discovered.clear();
    for (const key of [...this.armed.keys()]) this.disarm(key);
  }

  /**
   * Hold the claim's first read (the VIP port) ready on an open connection, signed, so
   * that fire() puts it on the wire at once when the instance becomes MASTER. Needs
   * discovery done and credentials cached; re-armed every ARM_REFRESH_MS (a fresh
   * signature) and, with backoff, when the server closes the connection. A no-op when
   * it cannot arm (the claim then reads as usual).
   */
  arm(vip: CloudVip): void {
    const key = this.discoveryKey(vip);
    const known = this.discovered.get(key);
    const vpc = this.vpcReady;
    if (this.closed || !known || !vpc) return;
    const failures = this.armed.get(key)?.failures ?? 0;
    this.disarm(key);
    const slot: ArmedSlot = { vip, failures };
    this.armed.set(key, slot);
    let read: ArmedPortRead | undefined;
    try {
      read = vpc.armGetPort(known.vipPortId, () => this.armDied(key, slot));
    } catch {
      read = undefined;
    }
    if (!read) {
      this.armed.delete(key);
      return;
    }
    slot.read = read;
    slot.timer = setTimeout(() => {
      slot.failures = 0;
      this.arm(vip);
    }, ARM_REFRESH_MS);
    slot.timer.unref();
  }

  private armDied(key: string, slot: ArmedSlot): void {
    if (this.armed.get(key) !== slot || this.closed) return;
    clearTimeout(slot.timer);
    // A connection that lived long was closed for idling: re-arm now; one that died at
    // once (endpoint down) backs off up to a minute.
    const lived = performance.now() - (slot.read?.armed.armedAt ?? 0);
    slot.failures = lived > 10_000 ? 0 : slot.failures + 1;
    const delay = slot.failures === 0 ? 0 : Math.min(60_000, 1000 * 2 ** (slot.failures - 1));
    slot.read = undefined;
    slot.timer = setTimeout(() => this.arm(slot.vip), delay);
    slot.timer.unref();
  }

  private disarm(key: string): void {
    const slot = this.armed.get(key);
    if (!slot) return;
    clearTimeout(slot.timer);
    slot.read?.armed.close();
    this.armed.delete(key);
  }

  /**
   * Fire the armed first read of this VIP's claim now (the transition's turn), for the
   * claim() that follows to take. Returns whether a read was fired; arms the next one.
   */
  fire(vip: CloudVip): boolean {
    const key = this.discoveryKey(vip);
    const slot = this.armed.get(key);
    const read = slot?.read;
    if (!slot || !read?.armed.usable) return false;
    slot.read = undefined;
    clearTimeout(slot.timer);
    const p = read.fire();
    p.catch(() => {});
    this.fired.set(key, p);
    // Not taken by a claim within a few seconds (the instance left MASTER at once): dropped.
    setTimeout(() => {
      if (this.fired.get(key) === p) this.fired.delete(key);
    }, FIRED_KEEP_MS).unref();
    slot.timer = setTimeout(() => this.arm(vip), 0);
    slot.timer.unref();
    return true;
  }

  /** Close armed connections and stop re-arming (daemon stop, reload). */
  close(): void {
    this.closed = true;
    for (const key of [...this.armed.keys()]) this.disarm(key);
    this.fired.clear();
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CloudApiError && err.status === 404) this.forget();
      throw err;
    }
  }

  /** Add the 1.1.1.1/0 pair to this NIC's port unless it is there (once per process). */
  async disableSourceCheck(nic: NicInfo, signal?: AbortSignal): Promise<boolean> {
    if (this.sourceCheckDone.has(nic.portId)) return false;
    const vpc = await this.vpc(signal);
    const port = await vpc.getPort(nic.portId, signal);
    let changed = false;
    if (!hasPair(port, SOURCE_CHECK_OFF)) {
      await vpc.setAddressPairs(nic.portId, [...(port.allowed_address_pairs ?? []), { ip_address: SOURCE_CHECK_OFF }], signal);
      const back = await vpc.getPort(nic.portId, signal);
      if (!hasPair(back, SOURCE_CHECK_OFF)) {
        throw new CloudError('VERIFY_MISMATCH', `port ${nic.portId}: ${SOURCE_CHECK_OFF} pair missing after update`, { retryable: true });
      }
      changed = true;
    }
    this.sourceCheckDone.add(nic.portId);
    return changed;
  }

  private wanted(vip: CloudVip, port: Port, nicIp: string): AddressPair[] {
    if (vip.mode === 'exclusive') return [{ ip_address: nicIp }];
    const current = port.allowed_address_pairs ?? [];
    if (hasPair(port, nicIp)) return current;
    const limit = this.opts.config.maxNicsPerVip ?? DEFAULT_MAX_NICS_PER_VIP;
    if (current.length + 1 > limit) {
      throw new CloudError(
        'VIP_PAIR_LIMIT',
        `VIP ${vip.address} (port ${port.id}) is already bound to ${current.length} NICs (${pairAddresses(port).join(', ')}); ` +
          `adding ${nicIp} would exceed the limit of ${limit} NICs per virtual IP`,
      );
    }
    return [...current, { ip_address: nicIp }];
  }

  private verify(vip: CloudVip, port: Port, nicIp: string): void {
    const ok = vip.mode === 'exclusive' ? sameSet(pairAddresses(port), [canonicalPair(nicIp)]) : hasPair(port, nicIp);
    if (!ok) {
      throw new CloudError(
        'VERIFY_MISMATCH',
        `VIP port ${port.id} reads back allowed_address_pairs [${pairAddresses(port).join(', ')}], expected ${
          vip.mode === 'exclusive' ? `only ${nicIp}` : `to include ${nicIp}`
        }`,
        { retryable: true },
      );
    }
  }

  /**
   * Claim. When discovery is done (prepare() runs it ahead of the first claim), the read
   * of the VIP port is started before this returns, so its request is written in the turn
   * of the transition; otherwise it follows discovery.
   */
  claim(vip: CloudVip, signal: AbortSignal): Promise<ClaimResult> {
    const key = this.discoveryKey(vip);
    const known = this.discovered.get(key);
    const vpcNow = this.vpcReady;
    const ready = known && vpcNow && (!vip.disableSourceCheck || this.sourceCheckDone.has(known.nic.portId));
    // The read fired at the transition (fire()) when there is one.
    const fired = this.fired.get(key);
    this.fired.delete(key);
    const firstRead = ready
      ? fired
        ? fired.catch((err: unknown) => {
            // Its connection failed (closed by the server in the meantime): read again at
            // once. An answer (5xx, 401 ...) is this attempt's outcome, retried as usual.
            if (err instanceof CloudApiError && err.code === 'NETWORK_ERROR') return vpcNow.getPort(known.vipPortId, signal);
            throw err;
          })
        : vpcNow.getPort(known.vipPortId, signal)
      : undefined;
    return this.guard(async () => {
      const { nic, vipPortId } = ready ? known : await this.discover(vip, signal);
      if (!ready && vip.disableSourceCheck) await this.disableSourceCheck(nic, signal);
      const vpc = ready ? vpcNow : await this.vpc(signal);
      const port = await (firstRead ?? vpc.getPort(vipPortId, signal));
      const want = this.wanted(vip, port, nic.ip);
      const changed = !sameSet(pairAddresses(port), want.map((p) => canonicalPair(p.ip_address)));
      let back = port;
      if (changed) {
        await vpc.setAddressPairs(vipPortId, want, signal);
        back = await vpc.getPort(vipPortId, signal);
      }
      this.verify(vip, back, nic.ip);
      return { vip: vip.address, changed, portId: vipPortId, nicPortId: nic.portId, nicIp: nic.ip, holders: pairAddresses(back) };
    });
  }

  async release(vip: CloudVip, signal: AbortSignal): Promise<ReleaseResult> {
    return this.guard(async () => {
      const { nic, vipPortId } = await this.discover(vip, signal);
      const vpc = await this.vpc(signal);
      const port = await vpc.getPort(vipPortId, signal);
      if (!hasPair(port, nic.ip)) return { vip: vip.address, changed: false, holders: pairAddresses(port) };
      await vpc.setAddressPairs(vipPortId, pairsWithout(port, nic.ip), signal);
      const back = await vpc.getPort(vipPortId, signal);
      if (hasPair(back, nic.ip)) {
        throw new CloudError('VERIFY_MISMATCH', `VIP port ${vipPortId} still lists ${nic.ip} after release`, { retryable: true });
      }
      return { vip: vip.address, changed: true, holders: pairAddresses(back) };
    });
  }

  async status(vip: CloudVip, signal: AbortSignal): Promise<VipStatus> {
    const { nic, vipPortId } = await this.discover(vip, signal);
    const vpc = await this.vpc(signal);
    const port = await vpc.getPort(vipPortId, signal);
    const holders: VipHolder[] = [];
    for (const ip of pairAddresses(port)) {
      const h: VipHolder = { ip, self: ip === canonicalPair(nic.ip) };
      if (familyOf(ip)) {
        const owners = await vpc.portsByFixedIp(canonicalIp(ip), signal);
        const owner = owners.find((p) => p.network_id === port.network_id) ?? owners[0];
        if (owner) {
          h.portId = owner.id;
          if (owner.device_id) h.deviceId = owner.device_id;
        }
      }
      holders.push(h);
    }
    const eips = await vpc.publicIpsOfPort(vipPortId, signal);
    return {
      vip: vip.address,
      provider: this.name,
      type: this.type,
      vipPortId,
      nicPortId: nic.portId,
      nicIp: nic.ip,
      holders,
      heldByThisNode: holders.some((h) => h.self),
      eips: eips.map((e) => ({
        id: e.id,
        address: e.public_ip_address,
        ...(e.port_id ? { portId: e.port_id } : {}),
        ...(e.private_ip_address ? { fixedIp: e.private_ip_address } : {}),
        ...(e.status ? { status: e.status } : {}),
      })),
    };
  }
}
