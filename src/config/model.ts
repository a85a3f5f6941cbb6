/**
 * The typed configuration model: what a keepalived.conf (plus keepvip's own blocks) means
 * once keepalived 2.2.7's defaults and cross-field rules are applied. Plain JSON values;
 * `keepvip --dump-config` prints it (secrets redacted).
 */
import type { Position } from './diagnostics.js';
import type { Family } from '../core/ip.js';

/** A command line to run (notify, tracking script) and the user/group to run it as. */
export interface ScriptCommand {
  /** The command as written (after quote removal). */
  command: string;
  /** The command split into argv (quotes respected; no shell). */
  argv: string[];
  user?: string;
  group?: string;
  pos: Position;
}

export interface Fifo {
  path: string;
  user?: string;
  group?: string;
  pos: Position;
}

export interface GlobalDefs {
  routerId?: string;
  /** vrrp_mcast_group4 (default 224.0.0.18). */
  mcastGroup4: string;
  /** vrrp_mcast_group6 (default ff02::12). */
  mcastGroup6: string;
  /** vrrp_garp_master_delay, seconds (default 5; 0 = no second burst). */
  garpMasterDelay: number;
  /** vrrp_garp_master_repeat (default 5). */
  garpMasterRepeat: number;
  /** vrrp_garp_master_refresh, seconds (default 0 = off). */
  garpMasterRefresh: number;
  /** vrrp_garp_master_refresh_repeat (default 1). */
  garpMasterRefreshRepeat: number;
  /** vrrp_garp_lower_prio_delay, seconds (default: garpMasterDelay). */
  garpLowerPrioDelay?: number;
  /** vrrp_garp_lower_prio_repeat (default: garpMasterRepeat). */
  garpLowerPrioRepeat?: number;
  /** vrrp_garp_interval, seconds between GARPs on one interface (default 0). */
  garpInterval: number;
  /** vrrp_gna_interval, seconds between unsolicited NAs (default 0). */
  gnaInterval: number;
  /** vrrp_min_garp: one GARP/NA, no second burst. */
  minGarp: boolean;
  /** vrrp_version (default 2). */
  vrrpVersion: 2 | 3;
  checkUnicastSrc: boolean;
  skipCheckAdvAddr: boolean;
  strict: boolean;
  /** vrrp_lower_prio_no_advert (default false, true under vrrp_strict). */
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  /** vrrp_down_timer_adverts (default 3). */
  downTimerAdverts: number;
  notifyPriorityChanges: boolean;
  enableScriptSecurity: boolean;
  scriptUser?: { user: string; group?: string };
  notifyFifo?: Fifo;
  notifyFifoScript?: ScriptCommand;
  vrrpNotifyFifo?: Fifo;
  vrrpNotifyFifoScript?: ScriptCommand;
  /** vrrp_priority: nice value of the VRRP process (-20..19). */
  vrrpPriority?: number;
  dynamicInterfaces: boolean;
  allowIfChanges: boolean;
  /** vrrp_startup_delay, seconds. */
  startupDelay: number;
  /** Parsed, not acted upon by keepvip (no e-mail is sent). */
  smtp: {
    server?: string;
    port?: number;
    heloName?: string;
    connectTimeout?: number;
    from?: string;
    emails: string[];
    alert?: boolean;
    alertVrrp?: boolean;
  };
  /** vrrp_iptables chains (parsed, not supported by keepvip). */
  vrrpIptables?: string[];
}

export interface VipEntry {
  /** Canonical address text. */
  address: string;
  family: Family;
  prefixLen: number;
  brd?: string;
  dev?: string;
  scope?: string;
  label?: string;
  noTrack: boolean;
  /** Other `ip address add` options keepalived accepts (peer, home, -nodad, ...), as written. */
  options: string[];
  pos: Position;
}

export interface UnicastPeer {
  address: string;
  minTtl?: number;
  maxTtl?: number;
  pos: Position;
}

export interface TrackRef {
  name: string;
  /** Weight given at the reference (overrides the tracked object's own weight). */
  weight?: number;
  reverse?: boolean;
  pos: Position;
}

export interface CloudVip {
  provider: string;
  /**
   * The VIP to claim: the one given, or the instance's only one. Absent when the block
   * names none and the instance has several virtual addresses: each of them is claimed
   * (one cloud VIP, hence one VIP port, per address; `vip_port_id` and `floating_ip_id`,
   * which name one port or one floating IP, then cannot be given).
   */
  address?: string;
  /**
   * Every address claimed, one cloud VIP each (resolved: `address` when given, else the
   * instance's routable virtual addresses). Read it through cloudVipAddresses().
   */
  addresses?: string[];
  vipPortId?: string;
  nicPortId?: string;
  /** OpenStack: floating IP moved to this node's port on claim (needs a single address). */
  floatingIpId?: string;
  mode: 'exclusive' | 'shared';
  releaseOnBackup: boolean;
  disableSourceCheck: boolean;
  pos: Position;
}

export interface VrrpInstance {
  name: string;
  pos: Position;
  /** state as written (undefined when absent). */
  state?: 'MASTER' | 'BACKUP';
  /** Resolved initial state (keepalived: MASTER if priority 255 and no state). */
  initialState: 'MASTER' | 'BACKUP';
  interface?: string;
  vrid?: number;
  /** Resolved base priority 1..255 (default 100, 255 for `state MASTER` without priority). */
  priority: number;
  /** Resolved advert interval, seconds (v2 whole seconds, v3 10 ms steps). */
  advertInt: number;
  /** Resolved protocol version. */
  version: 2 | 3;
  /** Resolved address family of the VIP list. */
  family: Family;
  preempt: boolean;
  /** preempt_delay, seconds (0..1000). */
  preemptDelay: number;
  vips: VipEntry[];
  excludedVips: VipEntry[];
  /** virtual_routes / virtual_rules lines as written (parsed, not supported by keepvip). */
  virtualRoutes: string[];
  virtualRules: string[];
  unicastSrcIp?: string;
  mcastSrcIp?: string;
  mcastDstIp?: string;
  unicastPeers: UnicastPeer[];
  unicastTtl?: number;
  auth?: { type: 'PASS' | 'AH'; password?: string };
  trackInterfaces: TrackRef[];
  trackScripts: TrackRef[];
  trackFiles: TrackRef[];
  trackProcesses: TrackRef[];
  notify: {
    master?: ScriptCommand;
    backup?: ScriptCommand;
    fault?: ScriptCommand;
    stop?: ScriptCommand;
    generic?: ScriptCommand;
    masterRxLowerPri?: ScriptCommand;
  };
  notifyPriorityChanges: boolean;
  smtpAlert?: boolean;
  /** GARP settings, resolved from global_defs where not set on the instance. */
  garp: {
    masterDelay: number;
    masterRepeat: number;
    masterRefresh: number;
    masterRefreshRepeat: number;
    lowerPrioDelay: number;
    lowerPrioRepeat: number;
  };
  /** accept / no_accept (undefined: keepalived default, accept unless strict mode). */
  accept: boolean;
  dontTrackPrimary: boolean;
  skipCheckAdvAddr: boolean;
  checkUnicastSrc: boolean;
  downTimerAdverts: number;
  nativeIpv6: boolean;
  strictMode: boolean;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  debug?: number;
  /** use_vmac (parsed, not supported by keepvip). */
  useVmac?: { name?: string; mac?: string };
  cloudVip?: CloudVip;
  /** Name of the vrrp_sync_group this instance belongs to. */
  syncGroup?: string;
}

export interface VrrpScript {
  name: string;
  pos: Position;
  script?: ScriptCommand;
  /** Seconds between runs (default 1). */
  interval: number;
  /** Seconds before a run counts as failed (default: interval). */
  timeout: number;
  /** -253..253 (default 0: failure means FAULT). */
  weight: number;
  reverse: boolean;
  rise: number;
  fall: number;
  user?: string;
  group?: string;
  initFail: boolean;
}

export interface TrackFile {
  name: string;
  pos: Position;
  file?: string;
  /** Default weight (1). */
  weight: number;
  reverse: boolean;
  initFile?: { value: number; overwrite: boolean };
}

export interface TrackProcess {
  name: string;
  pos: Position;
  /** Process name and optional parameters to match. */
  process: string[];
  /** exact (bare `param_match`), initial or partial; absent: the process name alone. */
  paramMatch?: 'exact' | 'initial' | 'partial';
  weight: number;
  reverse: boolean;
  quorum: number;
  quorumMax?: number;
  forkDelay: number;
  terminateDelay: number;
  fullCommand: boolean;
}

export interface SyncGroup {
  name: string;
  pos: Position;
  members: string[];
  trackInterfaces: TrackRef[];
  trackScripts: TrackRef[];
  trackFiles: TrackRef[];
  trackProcesses: TrackRef[];
  notify: {
    master?: ScriptCommand;
    backup?: ScriptCommand;
    fault?: ScriptCommand;
    stop?: ScriptCommand;
    generic?: ScriptCommand;
  };
  notifyPriorityChanges: boolean;
  smtpAlert?: boolean;
  globalTracking: boolean;
  trackingWeight: boolean;
}

export interface KeepvipDefs {
  /** ADDR:PORT for the Prometheus endpoint. */
  metricsListen?: { host: string; port: number };
  controlSocket?: string;
  /** dump_dir DIR: where SIGUSR1/SIGUSR2 write keepalived.data / .stats / .json (default /tmp, as keepalived). */
  dumpDir?: string;
  /** manage_ip_forward on|off (default on: forwarding off on the standby, as the cloud vendor HA guidance asks). */
  manageIpForward: boolean;
  ipForwardScope: 'global' | 'interface';
  /** log_format json|text. */
  logFormat?: 'json' | 'text';
  /** status_file PATH. */
  statusFile?: string;
  pos?: Position;
}

export interface CloudProvider {
  name: string;
  pos: Position;
  type: 'huaweicloud' | 'openstack';
  region?: string;
  projectId?: string;
  endpoint?: string;
  metadataUrl?: string;
  credentialsFile?: string;
  authUrl?: string;
  interface?: 'public' | 'internal' | 'admin';
  domain?: string;
  projectName?: string;
  user?: string;
  password?: string;
  accessKey?: string;
  secretKey?: string;
  applicationCredentialId?: string;
  applicationCredentialSecret?: string;
  /** Request timeout, seconds. */
  timeout?: number;
  /** Retries on throttling / transient errors. */
  retries?: number;
}

export interface ConfigModel {
  /** The main configuration file and every included file, in reading order. */
  files: string[];
  configId: string;
  globalDefs: GlobalDefs;
  keepvip: KeepvipDefs;
  cloudProviders: CloudProvider[];
  scripts: VrrpScript[];
  trackFiles: TrackFile[];
  trackProcesses: TrackProcess[];
  instances: VrrpInstance[];
  syncGroups: SyncGroup[];
}
