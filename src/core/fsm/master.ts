/**
 * RFC 9568 §6.4.3 ("Master"), with keepalived's answer to lower-priority adverts.
 */
import type { Advert, PacketMeta } from '../codec/types.js';
import { compareIp } from '../ip.js';
import type { InstanceState } from './state.js';
import { cloneState, withTimer, withoutTimer } from './state.js';

function withArmed(s: InstanceState, timer: TimerName, at: number): InstanceState {
  const n = cloneState(s);
  n.timers = withTimer(s.timers, timer, at);
  return n;
}
import { csToMs } from './timers.js';
import { enterBackup } from './transitions.js';
import type { Action, TimerName } from './types.js';

/** A valid advert received in MASTER. */
export function masterOnAdvert(
  s: InstanceState,
  advert: Advert,
  meta: PacketMeta,
  now: number,
  out: Action[],
): InstanceState {
  const p = s.params;
  // "If the Priority in the ADVERTISEMENT is zero, then: Send an ADVERTISEMENT; Reset the
  // Adver_Timer to Advertisement_Interval".
  if (advert.priority === 0) {
    const at = now + csToMs(p.intervalCs);
    out.push({ type: 'SendAdvert', priority: s.priority, intervalCs: p.intervalCs });
    out.push({ type: 'ArmTimer', timer: 'Adver_Timer', at });
    return withArmed(s, 'Adver_Timer', at);
  }
  // "If the Priority in the ADVERTISEMENT is greater than the local Priority or the
  // Priority in the ADVERTISEMENT is equal to the local Priority and the primary IPvX
  // address of the sender is greater than the local primary IPvX address (based on an
  // unsigned integer comparison of the IPvX address in network byte order)": cancel the
  // Adver_Timer, adopt the advert's interval, arm the Master_Down_Timer, go {Backup}.
  const higher = advert.priority > s.priority;
  const cmp = compareIp(meta.src, p.primaryIp);
  if (higher || (advert.priority === s.priority && cmp > 0)) {
    const reason = higher
      ? `higher priority advert from ${meta.src} (priority ${advert.priority} > ${s.priority})`
      : `equal priority advert from higher address ${meta.src} (priority ${advert.priority})`;
    return enterBackup(s, now, reason, out, { ip: meta.src, priority: advert.priority, intervalCs: advert.intervalCs });
  }
  // Our own advert looped back (or an address conflict): neither side is greater, so the
  // RFC discards it; answering would echo adverts back and forth.
  if (cmp === 0) return s;
  // RFC: "else ... Discard ADVERTISEMENT". keepalived (unless lower_prio_no_advert) answers
  // at once with an advert and a GARP/NA burst so the other side backs off quickly and the
  // LAN's caches point here again. The Adver_Timer is left as it is.
  out.push({ type: 'SendAdvert', priority: s.priority, intervalCs: p.intervalCs });
  out.push({ type: 'SendGarp', burst: 'reply' });
  return s;
}

/**
 * A due timer in MASTER (already removed from s.timers by the caller); `due` is the time
 * it was armed for.
 */
export function masterOnTimer(s: InstanceState, timer: TimerName, now: number, out: Action[], due: number = now): InstanceState {
  const p = s.params;
  switch (timer) {
    case 'Adver_Timer': {
      // "If the Adver_Timer fires, then: Send an ADVERTISEMENT; Reset the Adver_Timer to
      // Advertisement_Interval". The current effective priority is advertised. The next
      // deadline follows the previous one, not the (late) wake-up, so adverts do not drift;
      // after a stall longer than an interval, the schedule restarts from now (no burst).
      const interval = csToMs(p.intervalCs);
      const at = due + interval > now ? due + interval : now + interval;
      out.push({ type: 'SendAdvert', priority: s.priority, intervalCs: p.intervalCs });
      out.push({ type: 'ArmTimer', timer: 'Adver_Timer', at });
      const n = withArmed(s, 'Adver_Timer', at);
      n.masterPriority = s.priority;
      return n;
    }
    case 'Garp_Delay':
      // keepalived garp_master_delay: the second GARP/NA burst after becoming MASTER.
      out.push({ type: 'SendGarp', burst: 'delayed' });
      return s;
    case 'Garp_Refresh': {
      // keepalived garp_master_refresh: periodic GARP/NA while MASTER.
      const at = now + p.garpMasterRefreshMs;
      out.push({ type: 'SendGarp', burst: 'refresh' });
      out.push({ type: 'ArmTimer', timer: 'Garp_Refresh', at });
      return withArmed(s, 'Garp_Refresh', at);
    }
    default: {
      const n = cloneState(s);
      n.timers = withoutTimer(s.timers, timer);
      return n;
    }
  }
}
