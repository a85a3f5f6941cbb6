/**
 * RFC 9568 §6.4.2 ("Backup"), with keepalived's nopreempt and preempt_delay.
 */
import type { Advert, PacketMeta } from '../codec/types.js';
import type { InstanceState } from './state.js';
import { cloneState, withTimer } from './state.js';
import { masterDownInterval, skewTime } from './timers.js';
import type { Action } from './types.js';

/** A valid advert received in BACKUP. */
export function backupOnAdvert(
  s: InstanceState,
  advert: Advert,
  meta: PacketMeta,
  now: number,
  out: Action[],
): InstanceState {
  const p = s.params;
  // "If the Priority in the ADVERTISEMENT is zero, then: Set the Master_Down_Timer to
  // Skew_Time" (the master is leaving; take over without waiting 3 intervals).
  if (advert.priority === 0) {
    const at = now + skewTime(p.version, s.priority, s.masterAdverIntervalCs);
    out.push({ type: 'ArmTimer', timer: 'Master_Down_Timer', at });
    const n = cloneState(s);
    n.timers = withTimer(s.timers, 'Master_Down_Timer', at);
    return n;
  }
  // "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is greater than or
  // equal to the local Priority" the advert is from a legitimate master. keepalived adds:
  // while preempt_delay runs, a lower-priority master is tolerated as well.
  let preemptUntil = s.preemptUntil;
  let accept = !p.preempt || advert.priority >= s.priority;
  if (p.preempt && p.preemptDelayMs > 0) {
    if (advert.priority > s.priority) {
      preemptUntil = null;
    } else if (advert.priority < s.priority) {
      if (preemptUntil === null) preemptUntil = now + p.preemptDelayMs;
      if (now < preemptUntil) accept = true;
    }
  }
  if (!accept) {
    // "else ... Discard the ADVERTISEMENT": the Master_Down_Timer keeps running, so this
    // node preempts the lower-priority master when it fires.
    return s;
  }
  // "Set Master_Adver_Interval to Adver Interval contained in the ADVERTISEMENT; Recompute
  // the Skew_Time; Recompute the Master_Down_Interval; Reset the Master_Down_Timer".
  // A v2 advert's interval equals ours (validate.ts drops any other).
  const interval = p.version === 3 ? advert.intervalCs : p.intervalCs;
  const at = now + masterDownInterval(p.version, s.priority, interval, p.downTimerAdverts);
  out.push({ type: 'ArmTimer', timer: 'Master_Down_Timer', at });
  const n = cloneState(s);
  n.timers = withTimer(s.timers, 'Master_Down_Timer', at);
  n.masterAdverIntervalCs = interval;
  n.masterIp = meta.src;
  n.masterPriority = advert.priority;
  n.preemptUntil = preemptUntil;
  return n;
}
