/**
 * The state of one VRRP instance as a plain JSON value. step() treats it as immutable:
 * each call returns a new top-level object and shares every part it did not change
 * (params, the fault list, the timer map), so a step costs a shallow copy, not a clone.
 */
import type { InstanceParams, TimerName, VrrpState } from './types.js';

/** Armed timers: name -> absolute due time (monotonic ms). Missing or undefined is disarmed. */
export type ArmedTimers = Partial<Record<TimerName, number>>;

export interface InstanceState {
  params: InstanceParams;
  state: VrrpState;
  /** Sum of tracker adjustments last reported by PriorityChanged. */
  priorityAdjustment: number;
  /** The RFC's "Priority": 255 for the address owner, else clamp(base + adjustment, 1, 254). */
  priority: number;
  /** RFC 9568 §6.1 Master_Adver_Interval, centiseconds (v3 adopts the master's). */
  masterAdverIntervalCs: number;
  /** The master as last seen: own primary IP when MASTER, the advert source in BACKUP. */
  masterIp: string | null;
  /** Priority carried by the master's last accepted advert (own priority when MASTER). */
  masterPriority: number | null;
  /** Timers the shell has been asked to arm. */
  timers: ArmedTimers;
  /** Active fault sources (weight-0 trackers, interface, sync group), sorted. */
  faults: string[];
  /**
   * keepalived preempt_delay: until this time (ms) a lower-priority master is tolerated,
   * i.e. its adverts still reset the Master_Down_Timer. null when not running.
   */
  preemptUntil: number | null;
}

/** A fixed order for emitting CancelTimer actions, so outputs are deterministic. */
export const TIMER_ORDER: readonly TimerName[] = [
  'Adver_Timer',
  'Master_Down_Timer',
  'Preempt_Delay',
  'Garp_Delay',
  'Garp_Refresh',
];

/**
 * The timer map with every name present (undefined when disarmed): one object shape for
 * all states keeps V8 on its fast path; JSON drops the undefined entries.
 */
export function timersOf(t: ArmedTimers): ArmedTimers {
  return {
    Adver_Timer: t.Adver_Timer,
    Master_Down_Timer: t.Master_Down_Timer,
    Preempt_Delay: t.Preempt_Delay,
    Garp_Delay: t.Garp_Delay,
    Garp_Refresh: t.Garp_Refresh,
  };
}

export const NO_TIMERS: Readonly<ArmedTimers> = Object.freeze(timersOf({}));

export function withTimer(timers: ArmedTimers, name: TimerName, at: number): ArmedTimers {
  const next = timersOf(timers);
  next[name] = at;
  return next;
}

export function withoutTimer(timers: ArmedTimers, name: TimerName): ArmedTimers {
  if (timers[name] === undefined) return timers;
  const next = timersOf(timers);
  next[name] = undefined;
  return next;
}

/**
 * A shallow copy listing every field (much cheaper in V8 than object spread); callers set
 * the fields they change on the copy before returning it.
 */
export function cloneState(s: InstanceState): InstanceState {
  return {
    params: s.params,
    state: s.state,
    priorityAdjustment: s.priorityAdjustment,
    priority: s.priority,
    masterAdverIntervalCs: s.masterAdverIntervalCs,
    masterIp: s.masterIp,
    masterPriority: s.masterPriority,
    timers: s.timers,
    faults: s.faults,
    preemptUntil: s.preemptUntil,
  };
}

/** The address owner's priority (RFC 9568 §6.1: "255 ... owns the IPvX address(es)"). */
export const OWNER_PRIORITY = 255;

/**
 * Effective priority: owners stay 255; others clamp(base + adjustment, 1, 254)
 * (keepalived tracking semantics; 0 and 255 are reserved by RFC 9568 §6.1).
 */
export function computePriority(base: number, adjustment: number): number {
  if (base === OWNER_PRIORITY) return OWNER_PRIORITY;
  const p = base + adjustment;
  if (p < 1) return 1;
  if (p > 254) return 254;
  return p;
}
