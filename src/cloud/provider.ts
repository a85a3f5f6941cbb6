/**
 * What every cloud provider offers the claim driver and `keepvip cloud status`.
 * claim() must be idempotent (reading first, writing only when needed) and must verify
 * the result by reading it back; it throws CloudError/CloudApiError on failure and
 * honours the AbortSignal for every request it makes.
 */
import type { CloudProviderType, CloudVip } from './config.js';

export interface ClaimResult {
  vip: string;
  /** false when the cloud already had the wanted state. */
  changed: boolean;
  /** The port whose allowed_address_pairs were set (Huawei: the VIP port; OpenStack: ours). */
  portId: string;
  /** This node's NIC port and fixed IP. */
  nicPortId: string;
  nicIp: string;
  /** Addresses named by the VIP's allowed_address_pairs after the claim (read back). */
  holders: string[];
}

export interface ReleaseResult {
  vip: string;
  changed: boolean;
  holders: string[];
}

export interface VipHolder {
  /** The NIC's fixed IP (Huawei) or the port's fixed IP (OpenStack). */
  ip?: string;
  portId?: string;
  deviceId?: string;
  self: boolean;
}

export interface BoundAddress {
  id: string;
  address: string;
  portId?: string;
  fixedIp?: string;
  status?: string;
}

export interface VipStatus {
  vip: string;
  provider: string;
  type: CloudProviderType;
  /** Huawei: the VIP port. */
  vipPortId?: string;
  nicPortId?: string;
  nicIp?: string;
  holders: VipHolder[];
  heldByThisNode: boolean;
  /** EIPs / floating IPs bound to the VIP. */
  eips: BoundAddress[];
}

export interface CloudProvider {
  readonly name: string;
  readonly type: CloudProviderType;
  claim(vip: CloudVip, signal: AbortSignal): Promise<ClaimResult>;
  release(vip: CloudVip, signal: AbortSignal): Promise<ReleaseResult>;
  status(vip: CloudVip, signal: AbortSignal): Promise<VipStatus>;
  /**
   * Find (and keep) what a claim acts on, with reads only: credentials, this node's NIC,
   * the VIP port. Run ahead of the first claim so a failover's claim is only the read,
   * the write and the read-back.
   */
  discover?(vip: CloudVip, signal?: AbortSignal): Promise<unknown>;
  /** After discovery: hold the claim's first request ready on an open connection. */
  arm?(vip: CloudVip): void;
  /**
   * Put the armed first request on the wire now (the transition's turn), for the claim()
   * that follows to use; false when nothing was armed.
   */
  fire?(vip: CloudVip): boolean;
  /** Release connections and timers (daemon stop, reload). */
  close?(): void;
}
