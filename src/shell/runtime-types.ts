/**
 * The runtime's boundary types: what it needs from the platform (sockets, addresses,
 * forwarding) and what it reports to operations (logs, metrics, notify, cloud).
 */
import type { PacketMeta } from '../core/codec/types.js';
import type { DropReason } from '../core/codec/errors.js';
import type { InstanceParams, NotifyState, VrrpState } from '../core/fsm/types.js';
import type { Family } from '../core/ip.js';
import type { VipSpec as NetVipSpec } from './net/addresses.js';

/** One virtual_ipaddress line, resolved. */
export interface VipSpec {
  address: string;
  family: Family;
  prefixLen: number;
  dev: string;
  label?: string;
  scope?: string;
  brd?: string;
  /** No gratuitous ARP / NA for this address (e.g. host scope). */
  noGarp?: boolean;
  /** The full `ip address` options of the line (peer, nodad, ...), when known. */
  net?: NetVipSpec;
}

/** Everything the runtime needs for one instance. */
export interface InstanceConfig {
  params: InstanceParams;
  vips: VipSpec[];
  /** virtual_ipaddress_excluded: added with the VIPs, never advertised. */
  excludedVips: VipSpec[];
  /** garp_master_repeat (keepalived default 5). */
  garpRepeat: number;
  /** vrrp_garp_interval / vrrp_gna_interval in ms (default 0). */
  garpIntervalMs: number;
  gnaIntervalMs: number;
  /** Multicast group override (vrrp_mcast_group4/6). */
  mcastGroup?: string;
  /** keepalived v3_checksum_as_v2 (IPv4 VRRPv3 only). */
  v3ChecksumAsV2?: boolean;
  /** Tracker state known before start. */
  initialFaults?: string[];
  initialAdjustment?: number;
}

export interface ReceivedPacket {
  payload: Buffer;
  meta: PacketMeta;
  /** When the kernel received it, on the scheduler's clock (ms); absent when unknown. */
  rxTime?: number;
}

/** Handle for the instance, as the platform sees it (name and params). */
export interface PlatformInstance {
  readonly name: string;
  readonly params: InstanceParams;
}

export interface Platform {
  /** Send one encoded advert to `dst` from the instance's socket (synchronous sendmsg). */
  sendVrrp(inst: PlatformInstance, payload: Buffer, dst: string): void;
  /** One gratuitous ARP (IPv4) or unsolicited NA (IPv6) for a VIP (synchronous). */
  sendGarp(inst: PlatformInstance, vip: VipSpec): void;
  /** Optional: build an instance's GARP / NA frames ahead of its first MASTER transition. */
  prepareAnnouncements?(inst: PlatformInstance, vips: VipSpec[]): void;
  addAddresses(vips: VipSpec[]): Promise<void>;
  removeAddresses(vips: VipSpec[]): Promise<void>;
  /** enabled=false: turn forwarding off; true: restore the value found at start-up. */
  setForwarding(inst: PlatformInstance, enabled: boolean): Promise<void>;
}

export interface RuntimeHooks {
  onTransition(instance: string, from: VrrpState, to: VrrpState, reason: string, priority: number): void;
  onGroupTransition?(group: string, from: VrrpState, to: VrrpState, reason: string): void;
  /** instance null: dropped before an instance was known (unknown VRID, runt). */
  onDrop(instance: string | null, reason: DropReason, detail: string): void;
  onAdvertSent?(instance: string, priority: number): void;
  /** An advert could not be sent to `dst` (link down, no route); the transition goes on. */
  onSendError?(instance: string, dst: string, err: unknown): void;
  onAdvertReceived?(instance: string, priority: number): void;
  onGarpSent?(instance: string, count: number): void;
  onNotify(target: { kind: 'INSTANCE' | 'GROUP'; name: string }, state: NotifyState, priority: number): void;
  onCloud?(instance: string, op: 'claim' | 'release'): void;
  /**
   * Entering MASTER with a cloud claim: called in the wire pass right after the
   * instance's advert (before its GARP / NA burst) to put an armed claim request on the
   * wire; onCloud(claim) follows after the packets.
   */
  onClaimNow?(instance: string): void;
  onError(instance: string, what: string, err: unknown): void;
  /** Awaited at the end of shutdown (e.g. notify_stop scripts, cloud release). */
  onIdle?(): Promise<void>;
}
