/**
 * The JSON dump (keepalived writes /tmp/keepalived.json on its SIGFUNC=JSON signal):
 * keepalived 2.2.7's shape, an array of `{ "data": {...}, "stats": {...} }`, one per
 * instance. `data` holds the keepalived keys keepvip can fill truthfully (times in
 * seconds, states as keepalived's codes); `stats` holds keepalived's counters
 * (dump-stats.ts). keepvip's additions sit under a `keepvip` key in each object.
 * keepalived's `auth_data` (the password in clear) is never written.
 */
import type { VrrpState } from '../core/fsm/types.js';
import type { InstanceStatus, StatusSnapshot } from './status.js';
import { keepalivedStats } from './dump-stats.js';
import { quoteArgv } from './dump-format.js';
import { vipLine } from './dump-data.js';

/** keepalived's VRRP_STATE_* values (STOP is its internal 98). */
export const KEEPALIVED_STATE_CODES: Record<VrrpState, number> = {
  INIT: 0,
  BACKUP: 1,
  MASTER: 2,
  FAULT: 3,
  STOP: 98,
};

const AUTH_CODES = { none: 0, pass: 1, ah: 2 } as const;

function data(s: StatusSnapshot, i: InstanceStatus): Record<string, unknown> {
  const scripts = s.trackers.filter((t) => t.kind === 'script' && t.instances.some((x) => x.name === i.name));
  const ifs = s.trackers.filter((t) => t.kind === 'interface' && t.instances.some((x) => x.name === i.name));
  const d: Record<string, unknown> = {
    iname: i.name,
    skip_check_adv_addr: i.skipCheckAdvAddr ? 1 : 0,
    strict_mode: s.daemon.globals?.strictMode ? 1 : 0,
    ifp_ifname: i.ifname,
    master_priority: i.state !== 'MASTER' && i.master ? i.master.priority : 0,
    last_transition: i.lastTransition ? i.lastTransition.at / 1000 : 0,
    garp_delay: i.garp.delayMs / 1000,
    garp_refresh: i.garp.refreshMs / 1000,
    garp_rep: i.garp.repeat,
    garp_refresh_rep: i.garp.refreshRepeat,
    vrid: i.vrid,
    base_priority: i.priority.base,
    effective_priority: i.priority.effective,
    vipset: i.vipsSet,
    adver_int: i.intervalCs / 100,
    master_adver_int: (i.master?.intervalCs ?? i.intervalCs) / 100,
    nopreempt: !i.preempt,
    preempt_delay: i.preemptDelayMs / 1000,
    state: KEEPALIVED_STATE_CODES[i.state],
    wantstate: KEEPALIVED_STATE_CODES[i.wantState],
    version: i.version,
    vips: i.vips.map((v) => vipLine(i, v)),
  };
  if (scripts.length) d.track_script = scripts.map((t) => (t.script ? quoteArgv(t.script.command) : t.name));
  if (ifs.length) d.track_ifp = ifs.map((t) => t.name);
  d.auth_type = AUTH_CODES[i.authType];
  d.keepvip = {
    family: i.family,
    src_ip: i.srcIp,
    unicast_peers: i.unicastPeers,
    state_name: i.state,
    priority_adjustments: i.priority.adjustments,
    master: i.master,
    faults: i.faults,
    sync_group: i.syncGroup,
    last_transition: i.lastTransition,
    cloud: i.cloud,
  };
  return d;
}

export function jsonDump(s: StatusSnapshot): unknown[] {
  return s.instances.map((i) => ({
    data: data(s, i),
    stats: { ...keepalivedStats(i.stats), keepvip: { garp_sent: i.stats.garpSent, drops: i.stats.drops } },
  }));
}

export function formatJsonDump(s: StatusSnapshot): string {
  return `${JSON.stringify(jsonDump(s))}\n`;
}
