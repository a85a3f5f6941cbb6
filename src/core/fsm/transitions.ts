/**
 * State entries. Each function appends the actions of one transition to `out` (in the
 * order the shell must run them) and returns the new state. Inputs are never mutated.
 */
import type { InstanceState } from './state.js';
import { cloneState, NO_TIMERS, TIMER_ORDER, timersOf, type ArmedTimers } from './state.js';
import { csToMs, masterDownInterval } from './timers.js';
import type { Action, TimerName, VrrpState } from './types.js';

function stateChanged(s: InstanceState, to: VrrpState, reason: string, out: Action[]): void {
  out.push({ type: 'StateChanged', from: s.state, to, reason });
}

/** CancelTimer for every armed timer except `keep` (which the caller re-arms). */
function cancelTimers(timers: ArmedTimers, out: Action[], keep?: TimerName): void {
  for (const name of TIMER_ORDER) {
    if (name !== keep && timers[name] !== undefined) out.push({ type: 'CancelTimer', timer: name });
  }
}

/**
 * Become MASTER. RFC 9568 §6.4.1 ("Initialize", owner) and §6.4.2 ("Backup", when the
 * Master_Down_Timer fires): send an ADVERTISEMENT, broadcast gratuitous ARP / send
 * unsolicited NAs, set the Adver_Timer, transition to {Master}. keepalived order: advert,
 * addresses, GARP/NA burst, (keepvip: cloud claim, forwarding), notify, second burst.
 */
export function enterMaster(s: InstanceState, now: number, reason: string, out: Action[]): InstanceState {
  const p = s.params;
  stateChanged(s, 'MASTER', reason, out);
  cancelTimers(s.timers, out);
  out.push({ type: 'SendAdvert', priority: s.priority, intervalCs: p.intervalCs });
  out.push({ type: 'AddVips' });
  out.push({ type: 'SendGarp', burst: 'initial' });
  if (p.cloudClaim) out.push({ type: 'ClaimVip' });
  if (p.manageForwarding) out.push({ type: 'SetForwarding', enabled: true });
  out.push({ type: 'Notify', state: 'MASTER', priority: s.priority });
  const timers = timersOf(NO_TIMERS);
  timers.Adver_Timer = now + csToMs(p.intervalCs);
  out.push({ type: 'ArmTimer', timer: 'Adver_Timer', at: timers.Adver_Timer });
  if (p.garpMasterDelayMs > 0) {
    timers.Garp_Delay = now + p.garpMasterDelayMs;
    out.push({ type: 'ArmTimer', timer: 'Garp_Delay', at: timers.Garp_Delay });
  }
  if (p.garpMasterRefreshMs > 0) {
    timers.Garp_Refresh = now + p.garpMasterRefreshMs;
    out.push({ type: 'ArmTimer', timer: 'Garp_Refresh', at: timers.Garp_Refresh });
  }
  const n = cloneState(s);
  n.state = 'MASTER';
  n.timers = timers;
  n.masterAdverIntervalCs = p.intervalCs;
  n.masterIp = p.primaryIp;
  n.masterPriority = s.priority;
  n.preemptUntil = null;
  return n;
}

/** The master this backup follows, when known (from the advert that demoted us). */
export interface SeenMaster {
  ip: string;
  priority: number;
  intervalCs: number;
}

/**
 * Become BACKUP. RFC 9568 §6.4.1 ("Initialize", non-owner): Master_Adver_Interval =
 * Advertisement_Interval, Master_Down_Timer = Master_Down_Interval. RFC 9568 §6.4.3
 * ("Master", higher priority received): cancel Adver_Timer, adopt the advert's interval,
 * Master_Down_Timer = Master_Down_Interval; no priority-0 advert. Leaving MASTER also
 * removes the VIPs (and releases the cloud claim with release_on_backup).
 */
export function enterBackup(
  s: InstanceState,
  now: number,
  reason: string,
  out: Action[],
  seen: SeenMaster | null = null,
): InstanceState {
  const p = s.params;
  const from = s.state;
  stateChanged(s, 'BACKUP', reason, out);
  cancelTimers(s.timers, out, 'Master_Down_Timer');
  if (p.manageForwarding) out.push({ type: 'SetForwarding', enabled: false });
  if (from === 'MASTER') {
    out.push({ type: 'RemoveVips' });
    if (p.cloudRelease) out.push({ type: 'ReleaseVip' });
  }
  out.push({ type: 'Notify', state: 'BACKUP', priority: s.priority });
  const interval = seen && p.version === 3 ? seen.intervalCs : p.intervalCs;
  const at = now + masterDownInterval(p.version, s.priority, interval, p.downTimerAdverts);
  out.push({ type: 'ArmTimer', timer: 'Master_Down_Timer', at });
  // keepalived preempt_delay runs from start-up (and from leaving FAULT); seeing a higher
  // priority master (the only way out of MASTER here) clears it.
  const preemptUntil = from !== 'MASTER' && p.preempt && p.preemptDelayMs > 0 ? now + p.preemptDelayMs : null;
  const n = cloneState(s);
  n.state = 'BACKUP';
  n.timers = timersOf(NO_TIMERS);
  n.timers.Master_Down_Timer = at;
  n.masterAdverIntervalCs = interval;
  n.masterIp = seen ? seen.ip : null;
  n.masterPriority = seen ? seen.priority : null;
  n.preemptUntil = preemptUntil;
  return n;
}

/**
 * Leave service for FAULT or STOP. From MASTER: a priority-0 advert first (RFC 9568
 * §6.4.3, Shutdown: "Send an ADVERTISEMENT with Priority = 0"), so backups take over after
 * Skew_Time; then forwarding off, VIPs removed, cloud claim released (release_on_backup).
 */
function leave(s: InstanceState, to: 'FAULT' | 'STOP', reason: string, out: Action[]): InstanceState {
  const p = s.params;
  const from = s.state;
  stateChanged(s, to, reason, out);
  cancelTimers(s.timers, out);
  if (from === 'MASTER') out.push({ type: 'SendAdvert', priority: 0, intervalCs: p.intervalCs });
  if (p.manageForwarding && (to === 'FAULT' || from === 'MASTER')) {
    out.push({ type: 'SetForwarding', enabled: false });
  }
  if (from === 'MASTER') {
    out.push({ type: 'RemoveVips' });
    if (p.cloudRelease) out.push({ type: 'ReleaseVip' });
  }
  out.push({ type: 'Notify', state: to, priority: s.priority });
  const n = cloneState(s);
  n.state = to;
  n.timers = NO_TIMERS;
  n.masterIp = null;
  n.masterPriority = null;
  n.preemptUntil = null;
  return n;
}

/** keepvip FAULT (a weight-0 tracker failed or the interface is down). */
export function enterFault(s: InstanceState, reason: string, out: Action[]): InstanceState {
  return leave(s, 'FAULT', reason, out);
}

/** RFC 9568 §6.4.2 / §6.4.3 Shutdown event; keepalived notifies STOP. */
export function enterStop(s: InstanceState, reason: string, out: Action[]): InstanceState {
  return leave(s, 'STOP', reason, out);
}
