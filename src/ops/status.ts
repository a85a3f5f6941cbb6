/**
 * The status snapshot: one plain JSON value describing the running daemon. The control
 * socket serves it (`keepvip status`), the dumps (SIGUSR1 data, SIGUSR2 stats, JSON) are
 * rendered from it, and the systemd STATUS= line summarises it. The daemon builds it on
 * request; nothing here reads live state.
 *
 * Times are wall-clock milliseconds since the epoch; ages shown to people are computed
 * against `generatedAt`, so a snapshot renders the same wherever it is printed.
 * A snapshot never holds a secret: authentication is reported by type only.
 */
import type { DropReason } from '../core/codec/errors.js';
import { DROP_REASONS } from '../core/codec/errors.js';
import type { InstanceParams, VrrpState } from '../core/fsm/types.js';
import type { Family } from '../core/ip.js';

export const STATUS_SCHEMA = 1;

export interface StatusSnapshot {
  schema: typeof STATUS_SCHEMA;
  generatedAt: number;
  daemon: DaemonStatus;
  instances: InstanceStatus[];
  trackers: TrackerStatus[];
  syncGroups: SyncGroupStatus[];
}

export interface DaemonStatus {
  pid: number;
  version: string;
  startedAt: number;
  configFile: string;
  /** global_defs router_id (default: the host name). */
  routerId: string;
  lastReload: { at: number; ok: boolean; error?: string } | null;
  /** global_defs values shown in the data dump; any may be left out. */
  globals?: GlobalsStatus;
  /**
   * Adverts dropped before an instance was known, by reason: 'vrid' (no instance for the
   * VRID on that interface and family), 'length' (too short to carry a VRID).
   */
  globalDrops?: Partial<Record<DropReason, number>>;
}

export interface GlobalsStatus {
  vrrpVersion?: 2 | 3;
  mcastGroup4?: string;
  mcastGroup6?: string;
  garpDelayMs?: number;
  garpRepeat?: number;
  garpRefreshMs?: number;
  garpRefreshRepeat?: number;
  downTimerAdverts?: number;
  checkUnicastSrc?: boolean;
  skipCheckAdvAddr?: boolean;
  strictMode?: boolean;
  scriptSecurity?: boolean;
  /** "uid:gid" of the default script user. */
  scriptUser?: string;
}

export type TrackerKind = 'script' | 'interface' | 'file' | 'process';

/** One tracker's current contribution to an instance's effective priority. */
export interface PriorityAdjustment {
  /** Tracker name (script or file name, interface name). */
  source: string;
  kind: TrackerKind;
  /** Signed change applied now (e.g. +10 while a weight-10 script succeeds). */
  delta: number;
}

export interface MasterSeen {
  /** Source address of the master's adverts. */
  ip: string;
  priority: number;
  intervalCs: number;
  /** When its last advert arrived. */
  at: number;
}

export interface Transition {
  at: number;
  from: VrrpState;
  to: VrrpState;
  reason: string;
}

export type CloudClaimState = 'idle' | 'claiming' | 'claimed' | 'releasing' | 'released' | 'failed';

export interface CloudStatus {
  provider: string;
  state: CloudClaimState;
  /** When the current state was entered. */
  since: number;
  /** Attempts in the current (or last) operation. */
  attempts: number;
  lastError?: { code: string; message: string };
  /** Duration of the last completed claim. */
  lastDurationMs?: number;
}

/** Per-instance counters; names follow keepalived's stats (see dump-stats.ts). */
export interface InstanceStats {
  advertRcvd: number;
  advertSent: number;
  becomeMaster: number;
  releaseMaster: number;
  priZeroRcvd: number;
  priZeroSent: number;
  garpSent: number;
  drops: Record<DropReason, number>;
}

export interface GarpStatus {
  delayMs: number;
  repeat: number;
  refreshMs: number;
  refreshRepeat: number;
}

export interface InstanceStatus {
  name: string;
  vrid: number;
  version: 2 | 3;
  family: Family;
  ifname: string;
  /** Our advert source (the primary address on the interface). */
  srcIp: string;
  state: VrrpState;
  /** The state configured with `state` (keepalived's "Wantstate"). */
  wantState: 'MASTER' | 'BACKUP';
  priority: { base: number; effective: number; adjustments: PriorityAdjustment[] };
  /** The current master as last seen in its adverts; null when we are master or none seen. */
  master: MasterSeen | null;
  vips: string[];
  /** Whether the VIPs are currently configured on the interface. */
  vipsSet: boolean;
  unicastPeers: string[];
  intervalCs: number;
  preempt: boolean;
  preemptDelayMs: number;
  downTimerAdverts: number;
  /** Master_Down_Interval in ms (RFC 9568 §6.1, "Parameters Per Virtual Router"). */
  masterDownMs: number;
  authType: 'none' | 'pass' | 'ah';
  skipCheckAdvAddr: boolean;
  checkUnicastSrc: boolean;
  garp: GarpStatus;
  /** Active fault sources (failed weight-0 trackers, interface down). */
  faults: string[];
  syncGroup: string | null;
  lastTransition: Transition | null;
  cloud: CloudStatus | null;
  stats: InstanceStats;
}

export interface TrackerStatus {
  name: string;
  kind: TrackerKind;
  up: boolean;
  /** Human detail: last exit code, file value, link state. */
  detail?: string;
  /** vrrp_script settings (kind 'script'). */
  script?: {
    command: string[];
    intervalMs: number;
    timeoutMs: number;
    weight: number;
    rise: number;
    fall: number;
    user?: string;
  };
  /** The instances it adjusts, with the weight for each. */
  instances: { name: string; weight: number }[];
}

export interface SyncGroupStatus {
  name: string;
  state: VrrpState;
  members: string[];
}

/** Zeroed counters. */
export function emptyStats(): InstanceStats {
  const drops = {} as Record<DropReason, number>;
  for (const r of DROP_REASONS) drops[r] = 0;
  return {
    advertRcvd: 0,
    advertSent: 0,
    becomeMaster: 0,
    releaseMaster: 0,
    priZeroRcvd: 0,
    priZeroSent: 0,
    garpSent: 0,
    drops,
  };
}

/**
 * The configuration part of an InstanceStatus, taken from the state machine's
 * parameters. The password is left behind: only the auth type crosses over.
 */
export function instanceConfigFromParams(
  p: InstanceParams,
  masterDownMs: number,
): Pick<
  InstanceStatus,
  | 'name'
  | 'vrid'
  | 'version'
  | 'family'
  | 'ifname'
  | 'srcIp'
  | 'wantState'
  | 'vips'
  | 'unicastPeers'
  | 'intervalCs'
  | 'preempt'
  | 'preemptDelayMs'
  | 'downTimerAdverts'
  | 'masterDownMs'
  | 'authType'
  | 'skipCheckAdvAddr'
  | 'checkUnicastSrc'
> & { garpDelayMs: number; garpRefreshMs: number } {
  return {
    name: p.name,
    vrid: p.vrid,
    version: p.version,
    family: p.family,
    ifname: p.ifname,
    srcIp: p.primaryIp,
    wantState: p.initialState,
    vips: [...p.vips],
    unicastPeers: [...p.unicastPeers],
    intervalCs: p.intervalCs,
    preempt: p.preempt,
    preemptDelayMs: p.preemptDelayMs,
    downTimerAdverts: p.downTimerAdverts,
    masterDownMs,
    authType: p.auth.type,
    skipCheckAdvAddr: p.skipCheckAdvAddr,
    checkUnicastSrc: p.checkUnicastSrc,
    garpDelayMs: p.garpMasterDelayMs,
    garpRefreshMs: p.garpMasterRefreshMs,
  };
}

/** keepalived's numeric state codes (its JSON dump; our state gauge uses them too). */
export const STATE_CODES: Record<VrrpState, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 4 };
