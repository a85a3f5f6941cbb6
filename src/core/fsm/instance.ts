/**
 * One VRRP instance as a pure, sans-IO state machine (RFC 9568 §6.4 plus keepalived 2.2
 * behaviour and keepvip's FAULT state):
 *
 *   step(state, input, now) -> { state, actions }
 *
 * `now` is monotonic ms supplied by the caller; nothing here reads a clock or a random
 * source, opens a socket or touches a file. Timers are requested with ArmTimer (absolute
 * due time; arming an armed timer replaces it) and come back as TimerFired inputs.
 *
 * Design choices:
 * - An advert that fails validate.ts yields exactly one AdvertDropped action and the very
 *   same state object (no state change).
 * - A TimerFired for a timer that is not armed, or that arrives more than
 *   TIMER_EARLY_TOLERANCE_MS before its due time (a stale callback after a re-arm), is
 *   ignored: same state, no actions.
 * - A non-owner configured `state MASTER` starts in BACKUP and waits Master_Down_Interval
 *   (keepalived); the owner (priority 255) goes MASTER at once (RFC 9568 §6.4.1).
 * - Leaving FAULT is treated as the RFC's Startup event: BACKUP, or MASTER at once for
 *   the owner.
 * - Reload with the same identity (VRID, family, interface) keeps the state. VIP list
 *   changes are NOT turned into AddVips/RemoveVips here: the shell has both lists and
 *   diffs them itself while MASTER (no flap). The core emits only what the new params
 *   switch on: ClaimVip when cloud claiming is newly enabled in MASTER, SetForwarding
 *   when forwarding management is newly enabled, the Garp_Refresh timer when its period
 *   changes in MASTER. A changed priority or interval shows in the next advert.
 * - Reload with another identity stops the old instance (as Shutdown) and returns a fresh
 *   INIT instance; the shell sends Startup.
 * - keepalived preempt_delay is modelled as a deadline in the state (preemptUntil)
 *   compared with `now`, so the Preempt_Delay timer is never armed.
 */
import type { Advert, PacketMeta } from '../codec/types.js';
import { backupOnAdvert } from './backup.js';
import { masterOnAdvert, masterOnTimer } from './master.js';
import type { InstanceState } from './state.js';
import { cloneState, computePriority, NO_TIMERS, OWNER_PRIORITY, withTimer, withoutTimer } from './state.js';
import { enterBackup, enterFault, enterMaster, enterStop } from './transitions.js';
import type { Action, Input, InstanceParams, TimerName } from './types.js';
import { checkAdvert } from './validate.js';

export type { InstanceState } from './state.js';

export interface StepResult {
  state: InstanceState;
  actions: Action[];
}

/** How early (ms) a TimerFired may arrive and still count (shell timer granularity). */
export const TIMER_EARLY_TOLERANCE_MS = 1;

/**
 * Decides whether an instance may become MASTER right now. Plain instances always may; a
 * sync group (syncgroup.ts) says no until every member is ready.
 */
export type MasterGate = (s: InstanceState) => boolean;

export class FsmParamsError extends Error {
  readonly code = 'FSM_BAD_PARAMS' as const;
}

function checkParams(p: InstanceParams): void {
  const bad = (what: string): never => {
    throw new FsmParamsError(`instance ${p.name}: ${what}`);
  };
  if (!Number.isInteger(p.vrid) || p.vrid < 1 || p.vrid > 255) bad(`VRID ${p.vrid} outside 1..255`);
  if (!Number.isInteger(p.priority) || p.priority < 1 || p.priority > 255) bad(`priority ${p.priority} outside 1..255`);
  // RFC 3768 §5.3.7: v2 carries 8 bits of seconds (up to 255 s); RFC 9568 §5.2.7: v3
  // carries 12 bits of centiseconds (up to 40.95 s).
  const maxCs = p.version === 2 ? 25_500 : 4095;
  if (!Number.isInteger(p.intervalCs) || p.intervalCs < 1 || p.intervalCs > maxCs) {
    bad(`advert interval ${p.intervalCs} cs outside 1..${maxCs}`);
  }
  if (p.version === 2 && (p.family !== 4 || p.intervalCs % 100 !== 0)) {
    bad('VRRPv2 needs IPv4 and a whole-second advert interval');
  }
  if (!Number.isInteger(p.downTimerAdverts) || p.downTimerAdverts < 1 || p.downTimerAdverts > 100) {
    bad(`down_timer_adverts ${p.downTimerAdverts} outside 1..100`);
  }
}

/** A new instance in INIT (RFC 9568 §6.4.1 "Initialize"), waiting for Startup. */
export function createInstance(params: InstanceParams): InstanceState {
  checkParams(params);
  return {
    params,
    state: 'INIT',
    priorityAdjustment: 0,
    priority: computePriority(params.priority, 0),
    masterAdverIntervalCs: params.intervalCs,
    masterIp: null,
    masterPriority: null,
    timers: NO_TIMERS,
    faults: [],
    preemptUntil: null,
  };
}

/** The RFC's Priority as used in adverts and timers (owner 255, else clamped 1..254). */
export function effectivePriority(s: InstanceState): number {
  return s.priority;
}

const allow: MasterGate = () => true;

function isOwner(s: InstanceState): boolean {
  return s.params.priority === OWNER_PRIORITY;
}

/**
 * RFC 9568 §6.4.1 ("Initialize") on Startup, also used when FAULT clears: the owner goes
 * MASTER at once; everyone else BACKUP with the Master_Down_Timer running.
 */
function initialize(s: InstanceState, now: number, why: string, out: Action[], gate: MasterGate): InstanceState {
  if (s.faults.length > 0) return enterFault(s, `${why} with fault: ${s.faults.join(', ')}`, out);
  if (isOwner(s) && gate(s)) return enterMaster(s, now, `${why} (address owner, priority 255)`, out);
  const asked = s.params.initialState === 'MASTER' && !isOwner(s) ? ' (state MASTER requested, not the owner)' : '';
  return enterBackup(s, now, `${why}${asked}`, out);
}

function onTimer(s: InstanceState, timer: TimerName, now: number, out: Action[], gate: MasterGate): InstanceState {
  const due = s.timers[timer];
  if (due === undefined || now < due - TIMER_EARLY_TOLERANCE_MS) return s;
  const fired = cloneState(s);
  fired.timers = withoutTimer(s.timers, timer);
  switch (s.state) {
    case 'MASTER':
      return masterOnTimer(fired, timer, now, out, due);
    case 'BACKUP':
      // RFC 9568 §6.4.2: "If the Master_Down_Timer fires, then: ... Transition to the
      // {Master} state". A sync group may hold the member back (timer consumed).
      if (timer === 'Master_Down_Timer') {
        return gate(fired) ? enterMaster(fired, now, 'master down timer expired', out) : fired;
      }
      return fired;
    default:
      return fired;
  }
}

function onAdvert(s: InstanceState, meta: PacketMeta, advert: Advert, now: number, out: Action[]): InstanceState {
  const drop = checkAdvert(s.params, meta, advert);
  if (drop) {
    out.push({ type: 'AdvertDropped', reason: drop.reason, detail: drop.detail });
    return s;
  }
  switch (s.state) {
    case 'BACKUP':
      return backupOnAdvert(s, advert, meta, now, out);
    case 'MASTER':
      return masterOnAdvert(s, advert, meta, now, out);
    default:
      // INIT, FAULT and STOP do not take part in the protocol.
      return s;
  }
}

function onPriority(s: InstanceState, adjustment: number): InstanceState {
  if (adjustment === s.priorityAdjustment) return s;
  // A MASTER advertises the new priority with its next advert; a BACKUP uses it from the
  // next advert on (the running Master_Down_Timer is not re-armed).
  const n = cloneState(s);
  n.priorityAdjustment = adjustment;
  n.priority = computePriority(s.params.priority, adjustment);
  return n;
}

function onFault(
  s: InstanceState,
  source: string,
  fault: boolean,
  now: number,
  out: Action[],
  gate: MasterGate,
): InstanceState {
  const has = s.faults.includes(source);
  if (has === fault) return s;
  const faults = fault ? [...s.faults, source].sort() : s.faults.filter((f) => f !== source);
  const next = cloneState(s);
  next.faults = faults;
  if (s.state === 'BACKUP' || s.state === 'MASTER') {
    return fault ? enterFault(next, `fault: ${source}`, out) : next;
  }
  if (s.state === 'FAULT' && faults.length === 0) {
    return initialize(next, now, `fault cleared: ${source}`, out, gate);
  }
  // INIT and STOP only record it (Startup consults the list); FAULT stays while any remains.
  return next;
}

function onReload(s: InstanceState, params: InstanceParams, now: number, out: Action[]): InstanceState {
  const old = s.params;
  checkParams(params);
  if (params.vrid !== old.vrid || params.family !== old.family || params.ifname !== old.ifname) {
    if (s.state !== 'INIT' && s.state !== 'STOP') enterStop(s, 'reload: instance identity changed', out);
    return createInstance(params);
  }
  const priority = computePriority(params.priority, s.priorityAdjustment);
  const next = cloneState(s);
  next.params = params;
  next.priority = priority;
  if (params.version === 2 || s.state !== 'BACKUP') next.masterAdverIntervalCs = params.intervalCs;
  if (!(params.preempt && params.preemptDelayMs > 0)) next.preemptUntil = null;
  if (s.state === 'MASTER') {
    next.masterPriority = priority;
    if (params.cloudClaim && !old.cloudClaim) out.push({ type: 'ClaimVip' });
    if (params.manageForwarding && !old.manageForwarding) out.push({ type: 'SetForwarding', enabled: true });
    if (params.garpMasterRefreshMs !== old.garpMasterRefreshMs) {
      if (params.garpMasterRefreshMs > 0) {
        const at = now + params.garpMasterRefreshMs;
        out.push({ type: 'ArmTimer', timer: 'Garp_Refresh', at });
        next.timers = withTimer(next.timers, 'Garp_Refresh', at);
      } else if (next.timers.Garp_Refresh !== undefined) {
        out.push({ type: 'CancelTimer', timer: 'Garp_Refresh' });
        next.timers = withoutTimer(next.timers, 'Garp_Refresh');
      }
    }
  } else if ((s.state === 'BACKUP' || s.state === 'FAULT') && params.manageForwarding && !old.manageForwarding) {
    out.push({ type: 'SetForwarding', enabled: false });
  }
  return next;
}

/**
 * step() with a MasterGate: consulted whenever the instance would become MASTER on its
 * own (owner start-up, owner leaving FAULT, Master_Down_Timer expiry). For sync groups.
 */
export function stepGated(s: InstanceState, input: Input, now: number, gate: MasterGate): StepResult {
  const out: Action[] = [];
  let next: InstanceState;
  switch (input.type) {
    case 'Startup':
      next = s.state === 'INIT' || s.state === 'STOP' ? initialize(s, now, 'startup', out, gate) : s;
      break;
    case 'TimerFired':
      next = onTimer(s, input.timer, now, out, gate);
      break;
    case 'AdvertReceived':
      next = onAdvert(s, input.meta, input.advert, now, out);
      break;
    case 'PriorityChanged':
      next = onPriority(s, input.adjustment);
      break;
    case 'FaultChanged':
      next = onFault(s, input.source, input.fault, now, out, gate);
      break;
    case 'Shutdown':
      // RFC 9568 §6.4.2 / §6.4.3 "If a Shutdown event is received"; keepalived STOP.
      next = s.state === 'STOP' ? s : enterStop(s, 'shutdown', out);
      break;
    case 'Reload':
      next = onReload(s, input.params, now, out);
      break;
  }
  return { state: next, actions: out };
}

/** Advance one instance by one input at monotonic time `now` (ms). */
export function step(s: InstanceState, input: Input, now: number): StepResult {
  return stepGated(s, input, now, allow);
}

/** Sync group: take a BACKUP member to MASTER with the rest of its group. */
export function forceMaster(s: InstanceState, now: number, reason: string): StepResult {
  const out: Action[] = [];
  if (s.state !== 'BACKUP') return { state: s, actions: out };
  return { state: enterMaster(s, now, reason, out), actions: out };
}

/** Sync group: take a MASTER member to BACKUP with the rest of its group. */
export function forceBackup(s: InstanceState, now: number, reason: string): StepResult {
  const out: Action[] = [];
  if (s.state !== 'MASTER') return { state: s, actions: out };
  return { state: enterBackup(s, now, reason, out), actions: out };
}
