/**
 * One vrrp_instance: keepalived 2.2.7's defaults and cross-field rules (vrrp_complete_instance).
 * Problems keepalived fixes up and runs with are warnings (with the same fix applied);
 * problems that stop keepalived's VRRP process are errors and drop the instance.
 */
import type { Diagnostics, Position } from './diagnostics.js';
import type { GlobalDefs, VrrpInstance } from './model.js';
import type { DraftInstance } from './keywords/drafts.js';
import type { ConfigEnv } from './env.js';
import { resolveInterfaceRefs, resolveRefs, type Tracked } from './resolve-tracking.js';
import type { Family } from '../core/ip.js';

function before(a: Position, b: Position): boolean {
  if (a.file !== b.file) return false;
  return a.line < b.line || (a.line === b.line && a.col < b.col);
}

/** The family: native_ipv6, else the first address-bearing keyword in reading order. */
function pickFamily(d: DraftInstance): Family {
  if (d.nativeIpv6) return 6;
  const candidates: Array<{ pos: Position; family: Family }> = [];
  const src = d.unicastSrcIp ?? d.mcastSrcIp;
  const srcPos = d.seen.unicast_src_ip ?? d.seen.mcast_src_ip;
  if (src && srcPos) candidates.push({ pos: srcPos, family: src.family });
  if (d.unicastPeers[0]) candidates.push({ pos: d.unicastPeers[0].pos, family: d.unicastPeers[0].family });
  if (d.vips[0]) candidates.push({ pos: d.vips[0].pos, family: d.vips[0].family });
  let best = candidates.find((c) => c.pos === d.vips[0]?.pos) ?? candidates[0];
  for (const c of candidates) if (best && before(c.pos, best.pos)) best = c;
  return best?.family ?? 4;
}

/** RFC 3768 §5.3.7: v2 intervals are whole seconds; RFC 9568 §5.2.7: v3 in centiseconds, 12 bits. */
function resolveInterval(d: DraftInstance, version: 2 | 3, diags: Diagnostics): number {
  const raw = d.advertInt ?? 1;
  const pos = d.seen.advert_int ?? d.pos;
  if (version === 2) {
    if (Number.isInteger(raw)) return raw;
    const rounded = Math.max(1, Math.floor(raw + 0.5));
    diags.warning('advert-rounded', `(${d.name}) VRRPv2 advert_int ${raw}s must be whole seconds (rounded to ${rounded})`, pos);
    return rounded;
  }
  if (raw > 40.95) {
    diags.warning('advert-rounded', `(${d.name}) VRRPv3 advert_int ${raw}s is above 40.95s (using 40.95)`, pos);
    return 40.95;
  }
  const cs = raw * 100;
  if (Math.abs(cs - Math.round(cs)) < 1e-6) return Math.round(cs) / 100;
  const rounded = Math.max(1, Math.floor(cs + 0.5)) / 100;
  diags.warning('advert-rounded', `(${d.name}) VRRPv3 advert_int ${raw}s must be in units of 10ms (rounded to ${rounded})`, pos);
  return rounded;
}

export interface InstanceContext {
  global: GlobalDefs;
  tracked: Tracked;
  env: ConfigEnv;
  /** Sync groups by member instance name: whether the group allows tracking weights. */
  groupOf: Map<string, { name: string; trackingWeight: boolean }>;
}

export function resolveInstance(d: DraftInstance, ctx: InstanceContext, diags: Diagnostics): VrrpInstance | undefined {
  const g = ctx.global;
  const who = `(${d.name})`;
  if (d.vrid === undefined) {
    diags.error('vrid-missing', `${who} virtual_router_id must be set to 1..255`, d.seen.virtual_router_id ?? d.pos);
    return undefined;
  }
  if (d.interface === undefined) {
    diags.error('interface-missing', `${who} no interface given`, d.pos);
    return undefined;
  }
  if (d.interface === 'lo') {
    diags.error('interface-unknown', `${who} cannot use the loopback interface for VRRP`, d.seen.interface ?? d.pos);
    return undefined;
  }
  const exists = ctx.env.interfaceExists;
  if (exists && !exists(d.interface)) {
    const at = d.seen.interface ?? d.pos;
    if (g.dynamicInterfaces) diags.warning('interface-unknown', `${who} interface ${d.interface} does not exist yet`, at);
    else {
      diags.error('interface-unknown', `${who} interface ${d.interface} does not exist`, at);
      return undefined;
    }
  }

  // Address family (one per instance's VIP list).
  const family = pickFamily(d);
  const sameFamily = <T extends { family: Family; pos: Position; address: string }>(list: T[], what: string): T[] =>
    list.filter((x) => {
      if (x.family === family) return true;
      diags.warning('family-mismatch', `${who} ${what} ${x.address} is not IPv${family} like the instance (ignored)`, x.pos);
      return false;
    });
  const vips = sameFamily(d.vips, 'virtual address');
  const peers = sameFamily(d.unicastPeers, 'unicast peer');
  let unicastSrcIp = d.unicastSrcIp?.address;
  if (d.unicastSrcIp && d.unicastSrcIp.family !== family) {
    diags.warning('family-mismatch', `${who} unicast_src_ip ${d.unicastSrcIp.address} is not IPv${family} (ignored)`, d.seen.unicast_src_ip ?? d.pos);
    unicastSrcIp = undefined;
  }
  let mcastSrcIp = d.mcastSrcIp?.address;
  if (d.mcastSrcIp && d.mcastSrcIp.family !== family) {
    diags.warning('family-mismatch', `${who} mcast_src_ip ${d.mcastSrcIp.address} is not IPv${family} (ignored)`, d.seen.mcast_src_ip ?? d.pos);
    mcastSrcIp = undefined;
  }
  const strictMode = d.strictMode ?? g.strict;
  if (vips.length === 0) {
    if (family === 6 || strictMode) {
      diags.error('no-vip', `${who} no virtual address: at least one is required${strictMode ? ' in strict mode' : ' for IPv6'}`, d.pos);
      return undefined;
    }
    diags.warning('no-vip', `${who} no virtual address: at least one is sensible`, d.pos);
  }
  if (family === 6 && vips[0] && !vips[0].address.toLowerCase().startsWith('fe80:')) {
    // RFC 9568 §7.1: the first IPv6 address should be the link-local address.
    diags.warning('keepalived-compat', `${who} the first IPv6 virtual address should be link-local`, vips[0].pos);
  }

  // Version: IPv6 implies VRRPv3 (RFC 9568).
  let version: 2 | 3 = d.version ?? (family === 6 ? 3 : g.vrrpVersion);
  if (family === 6 && version === 2) {
    diags.warning(
      'version-forced',
      `${who} VRRPv2 is IPv4-only (RFC 3768): using VRRPv3 (keepalived 2.2.7 would send non-standard v2 adverts over IPv6)`,
      d.seen.version ?? d.pos,
    );
    version = 3;
  }

  // Priority and initial state.
  let state = d.state;
  const priority = d.priority ?? (state === 'MASTER' ? 255 : 100);
  if (strictMode && state === 'MASTER' && priority !== 255) {
    diags.warning('strict-mode', `${who} strict mode: state MASTER needs priority 255 (starting as BACKUP)`, d.seen.state ?? d.pos);
    state = 'BACKUP';
  }
  const initialState = state ?? (priority === 255 ? 'MASTER' : 'BACKUP');
  let preempt = !d.nopreempt;
  if (d.nopreempt) {
    if (priority === 255) {
      diags.warning('nopreempt-cleared', `${who} nopreempt is incompatible with priority 255 (cleared)`, d.seen.nopreempt ?? d.pos);
      preempt = true;
    } else if (state === 'MASTER') {
      diags.warning('nopreempt-cleared', `${who} nopreempt does not work with state MASTER (cleared)`, d.seen.nopreempt ?? d.pos);
      preempt = true;
    }
  }
  let preemptDelay = d.preemptDelay ?? 0;
  if (preemptDelay > 0 && !preempt) {
    diags.warning('keepalived-compat', `${who} preempt_delay is incompatible with nopreempt (reset to 0)`, d.seen.preempt_delay ?? d.pos);
    preemptDelay = 0;
  } else if (preemptDelay > 0 && strictMode) {
    diags.warning('strict-mode', `${who} preempt_delay is incompatible with strict mode (reset to 0)`, d.seen.preempt_delay ?? d.pos);
    preemptDelay = 0;
  }

  const advertInt = resolveInterval(d, version, diags);

  // Authentication: VRRPv2 only (RFC 3768 §5.3.6; removed in RFC 5798).
  let auth: VrrpInstance['auth'];
  if (d.auth) {
    if (version === 3) diags.warning('auth-ignored', `${who} VRRPv3 has no authentication (ignored)`, d.auth.pos);
    else if (strictMode) diags.warning('auth-ignored', `${who} strict mode does not support authentication (ignored)`, d.auth.pos);
    else if (!d.auth.type) diags.warning('auth-ignored', `${who} authentication without auth_type (ignored)`, d.auth.pos);
    else if (d.auth.type === 'PASS' && d.auth.password === undefined) {
      diags.warning('auth-ignored', `${who} authentication specified but no password given (ignored)`, d.auth.pos);
    } else auth = d.auth.password !== undefined ? { type: d.auth.type, password: d.auth.password } : { type: d.auth.type };
  }

  let unicastTtl = d.unicastTtl;
  if (unicastTtl !== undefined && peers.length === 0) {
    diags.warning('keepalived-compat', `${who} unicast_ttl without unicast peers (ignored)`, d.seen.unicast_ttl ?? d.pos);
    unicastTtl = undefined;
  }

  // Interfaces named by VIPs, eVIPs, routes and rules must exist too (keepalived stops otherwise).
  if (exists) {
    const named: Array<{ name: string; pos: Position; what: string }> = [];
    for (const v of [...d.vips, ...d.excludedVips]) if (v.dev) named.push({ name: v.dev, pos: v.pos, what: `address ${v.address}` });
    for (const [list, what] of [[d.virtualRoutes, 'route'], [d.virtualRules, 'rule']] as const) {
      for (const line of list) {
        const words = line.text.split(/\s+/);
        words.forEach((w, k) => {
          if ((w === 'dev' || w === 'oif' || w === 'iif') && words[k + 1]) named.push({ name: words[k + 1]!, pos: line.pos, what });
        });
      }
    }
    let missing = false;
    for (const n of named) {
      if (exists(n.name)) continue;
      if (g.dynamicInterfaces) diags.warning('interface-unknown', `${who} interface ${n.name} for ${n.what} does not exist yet`, n.pos);
      else {
        diags.error('interface-unknown', `${who} interface ${n.name} for ${n.what} does not exist`, n.pos);
        missing = true;
      }
    }
    if (missing) return undefined;
  }

  // Tracking.
  const group = ctx.groupOf.get(d.name);
  const rules = { who, seq: d.seq ?? 0, owner: priority === 255, inSyncGroup: !!group && !group.trackingWeight };
  const trackInterfaces = resolveInterfaceRefs(d.trackInterfaces, rules, exists, g.dynamicInterfaces, diags);
  // keepalived's VRRP process stops on a tracked interface that does not exist.
  if (exists && !g.dynamicInterfaces && d.trackInterfaces.some((r) => !exists(r.name))) return undefined;
  const trackScripts = resolveRefs(d.trackScripts, 'script', ctx.tracked, rules, diags);
  const trackFiles = resolveRefs(d.trackFiles, 'file', ctx.tracked, rules, diags);
  const trackProcesses = resolveRefs(d.trackProcesses, 'process', ctx.tracked, rules, diags);

  const masterDelay = g.minGarp && d.garp.masterDelay === undefined ? 0 : (d.garp.masterDelay ?? g.garpMasterDelay);
  const masterRepeat = d.garp.masterRepeat ?? g.garpMasterRepeat;
  const out: VrrpInstance = {
    name: d.name,
    pos: d.pos,
    initialState,
    interface: d.interface,
    vrid: d.vrid,
    priority,
    advertInt,
    version,
    family,
    preempt,
    preemptDelay,
    vips,
    excludedVips: d.excludedVips,
    virtualRoutes: d.virtualRoutes.map((r) => r.text),
    virtualRules: d.virtualRules.map((r) => r.text),
    unicastPeers: peers.map(({ family: _f, ...p }) => p),
    trackInterfaces,
    trackScripts,
    trackFiles,
    trackProcesses,
    notify: d.notify,
    notifyPriorityChanges: d.notifyPriorityChanges ?? g.notifyPriorityChanges,
    garp: {
      masterDelay,
      masterRepeat,
      masterRefresh: d.garp.masterRefresh ?? g.garpMasterRefresh,
      masterRefreshRepeat: d.garp.masterRefreshRepeat ?? g.garpMasterRefreshRepeat,
      lowerPrioDelay: d.garp.lowerPrioDelay ?? g.garpLowerPrioDelay ?? masterDelay,
      lowerPrioRepeat: d.garp.lowerPrioRepeat ?? g.garpLowerPrioRepeat ?? masterRepeat,
    },
    accept: d.accept ?? (strictMode ? priority === 255 : true),
    dontTrackPrimary: d.dontTrackPrimary ?? false,
    skipCheckAdvAddr: d.skipCheckAdvAddr ?? g.skipCheckAdvAddr,
    checkUnicastSrc: (d.checkUnicastSrc ?? false) || g.checkUnicastSrc || peers.some((p) => p.minTtl !== undefined || p.maxTtl !== undefined),
    downTimerAdverts: d.downTimerAdverts ?? g.downTimerAdverts,
    nativeIpv6: d.nativeIpv6 ?? false,
    strictMode,
    lowerPrioNoAdvert: d.lowerPrioNoAdvert ?? g.lowerPrioNoAdvert ?? strictMode,
    higherPrioSendAdvert: d.higherPrioSendAdvert ?? g.higherPrioSendAdvert ?? false,
  };
  if (state) out.state = state;
  if (unicastSrcIp) out.unicastSrcIp = unicastSrcIp;
  if (mcastSrcIp) out.mcastSrcIp = mcastSrcIp;
  if (d.mcastDstIp) out.mcastDstIp = d.mcastDstIp.address;
  if (unicastTtl !== undefined) out.unicastTtl = unicastTtl;
  if (auth) out.auth = auth;
  if (d.smtpAlert !== undefined) out.smtpAlert = d.smtpAlert;
  if (d.debug !== undefined) out.debug = d.debug;
  if (d.useVmac) out.useVmac = d.useVmac;
  if (group) out.syncGroup = group.name;
  return out;
}
