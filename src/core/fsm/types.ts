/**
 * The pure state machine's vocabulary: inputs in, actions out. Both are plain JSON values
 * so a run can be recorded and replayed (test/conformance). Time is injected as `now`,
 * a monotonic millisecond count (fractional allowed); nothing here reads a clock.
 */
import type { Advert, PacketMeta } from '../codec/types.js';
import type { DropReason } from '../codec/errors.js';
import type { Family } from '../ip.js';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** The per-instance timers, named after the RFC where it names them. */
export type TimerName =
  | 'Adver_Timer' // RFC 9568 §6.2 ("Timers")
  | 'Master_Down_Timer' // RFC 9568 §6.2
  | 'Preempt_Delay' // keepalived preempt_delay
  | 'Garp_Delay' // second GARP burst after garp_master_delay
  | 'Garp_Refresh'; // garp_master_refresh

/** What one instance needs to know to run the protocol (built from the config model). */
export interface InstanceParams {
  name: string;
  vrid: number;
  version: 2 | 3;
  family: Family;
  ifname: string;
  /** This node's primary address on the interface (the advert source; the tie-breaker). */
  primaryIp: string;
  /** Configured (base) priority, 1..255. */
  priority: number;
  /** Configured advert interval in centiseconds. */
  intervalCs: number;
  /** The advertised virtual addresses (canonical text, one family). */
  vips: string[];
  /** Initial state requested by `state MASTER|BACKUP` (default from priority). */
  initialState: 'MASTER' | 'BACKUP';
  preempt: boolean;
  /** keepalived preempt_delay, milliseconds (0 = none). */
  preemptDelayMs: number;
  /** keepalived down_timer_adverts (default 3). */
  downTimerAdverts: number;
  /** Unicast peers; empty means multicast. */
  unicastPeers: string[];
  /** v2 auth: none or PASS with its password (only the first 8 bytes count). */
  auth: { type: 'none' } | { type: 'pass'; password: string } | { type: 'ah' };
  /** keepalived skip_check_adv_addr. */
  skipCheckAdvAddr: boolean;
  /** keepalived check_unicast_src. */
  checkUnicastSrc: boolean;
  /** garp_master_delay in ms (0 = no second burst), garp_master_refresh in ms (0 = off). */
  garpMasterDelayMs: number;
  garpMasterRefreshMs: number;
  /** Whether the shell should claim the VIP through a cloud API on MASTER. */
  cloudClaim: boolean;
  /** release_on_backup for the cloud claim. */
  cloudRelease: boolean;
  /** keepvip_defs manage_ip_forward. */
  manageForwarding: boolean;
}

export type Input =
  /** Start the instance (INIT -> BACKUP / MASTER / FAULT). */
  | { type: 'Startup' }
  | { type: 'TimerFired'; timer: TimerName }
  /** A structurally valid advert (decoded by the codec) with its IP facts. */
  | { type: 'AdvertReceived'; meta: PacketMeta; advert: Advert }
  /** Sum of tracker adjustments; the core computes clamp(base + adjustment, 1, 254) for non-owners. */
  | { type: 'PriorityChanged'; adjustment: number }
  /** A weight-0 tracker failed / recovered, or the interface went down / up. */
  | { type: 'FaultChanged'; source: string; fault: boolean }
  | { type: 'Shutdown' }
  | { type: 'Reload'; params: InstanceParams };

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

export type Action =
  | { type: 'SendAdvert'; priority: number; intervalCs: number }
  | { type: 'ArmTimer'; timer: TimerName; at: number }
  | { type: 'CancelTimer'; timer: TimerName }
  | { type: 'AddVips' }
  | { type: 'RemoveVips' }
  /** Gratuitous ARP (IPv4) / unsolicited NA (IPv6) for every VIP. */
  | { type: 'SendGarp'; burst: 'initial' | 'delayed' | 'refresh' | 'reply' }
  | { type: 'Notify'; state: NotifyState; priority: number }
  | { type: 'ClaimVip' }
  | { type: 'ReleaseVip' }
  | { type: 'SetForwarding'; enabled: boolean }
  | { type: 'StateChanged'; from: VrrpState; to: VrrpState; reason: string }
  | { type: 'AdvertDropped'; reason: DropReason; detail: string };
