/**
 * What the keyword handlers fill in while walking the tree: the model's shapes with every
 * defaulted field optional, plus where each keyword was seen (for later cross-field
 * diagnostics). resolve.ts turns drafts into the final model.
 */
import type { Position } from '../diagnostics.js';
import type {
  CloudProvider,
  CloudVip,
  Fifo,
  GlobalDefs,
  KeepvipDefs,
  ScriptCommand,
  TrackRef,
  UnicastPeer,
  VipEntry,
  VrrpScript,
  TrackFile,
  TrackProcess,
} from '../model.js';

export type Seen = Partial<Record<string, Position>>;

export interface DraftGlobal extends Partial<Omit<GlobalDefs, 'smtp'>> {
  smtp: GlobalDefs['smtp'];
  seen: Seen;
}

export interface DraftInstance {
  name: string;
  pos: Position;
  /** Reading order among named top-level blocks (keepalived resolves references in that order). */
  seq?: number;
  seen: Seen;
  state?: 'MASTER' | 'BACKUP';
  interface?: string;
  vrid?: number;
  /** A virtual_router_id line was present but its value was unusable. */
  vridInvalid?: boolean;
  priority?: number;
  advertInt?: number;
  version?: 2 | 3;
  nopreempt?: boolean;
  preemptDelay?: number;
  vips: VipEntry[];
  excludedVips: VipEntry[];
  virtualRoutes: Array<{ text: string; pos: Position }>;
  virtualRules: Array<{ text: string; pos: Position }>;
  unicastSrcIp?: { address: string; family: 4 | 6 };
  mcastSrcIp?: { address: string; family: 4 | 6 };
  mcastDstIp?: { address: string; family: 4 | 6 };
  unicastPeers: Array<UnicastPeer & { family: 4 | 6 }>;
  unicastTtl?: number;
  auth?: { type?: 'PASS' | 'AH'; password?: string; pos: Position };
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
  notifyPriorityChanges?: boolean;
  smtpAlert?: boolean;
  garp: {
    masterDelay?: number;
    masterRepeat?: number;
    masterRefresh?: number;
    masterRefreshRepeat?: number;
    lowerPrioDelay?: number;
    lowerPrioRepeat?: number;
  };
  accept?: boolean;
  dontTrackPrimary?: boolean;
  skipCheckAdvAddr?: boolean;
  checkUnicastSrc?: boolean;
  downTimerAdverts?: number;
  nativeIpv6?: boolean;
  strictMode?: boolean;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  debug?: number;
  useVmac?: { name?: string; mac?: string };
  cloudVip?: Partial<CloudVip> & { pos: Position; seen: Seen };
}

export interface DraftSyncGroup {
  name: string;
  pos: Position;
  seq?: number;
  members: Array<{ name: string; pos: Position }>;
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
  notifyPriorityChanges?: boolean;
  smtpAlert?: boolean;
  globalTracking: boolean;
  trackingWeight: boolean;
}

export type DraftScript = Partial<Omit<VrrpScript, 'name' | 'pos'>> & { name: string; pos: Position; seen: Seen; seq?: number };
export type DraftTrackFile = Partial<Omit<TrackFile, 'name' | 'pos'>> & { name: string; pos: Position; seq?: number };
export type DraftTrackProcess = Partial<Omit<TrackProcess, 'name' | 'pos'>> & { name: string; pos: Position; seq?: number };
export type DraftProvider = Partial<Omit<CloudProvider, 'name' | 'pos'>> & { name: string; pos: Position; seen: Seen };

export interface Draft {
  global: DraftGlobal;
  keepvip: Partial<KeepvipDefs> & { seen: Seen };
  providers: DraftProvider[];
  scripts: DraftScript[];
  trackFiles: DraftTrackFile[];
  trackProcesses: DraftTrackProcess[];
  instances: DraftInstance[];
  syncGroups: DraftSyncGroup[];
}

export function emptyDraft(): Draft {
  return {
    global: { smtp: { emails: [] }, seen: {} },
    keepvip: { seen: {} },
    providers: [],
    scripts: [],
    trackFiles: [],
    trackProcesses: [],
    instances: [],
    syncGroups: [],
  };
}

export type { Fifo };
