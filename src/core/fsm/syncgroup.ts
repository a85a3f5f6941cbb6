/**
 * keepalived vrrp_sync_group: member instances that fail over together.
 *
 * - A fault in any member faults the whole group: the other members get a fault from the
 *   source `sync_group:<name>` (through their own FAULT machinery, so a MASTER member still
 *   sends its priority-0 advert), and keep it until no member has a fault of its own.
 * - The group goes MASTER only when every member does: a member whose Master_Down_Timer
 *   fires (or an owner starting up) waits in BACKUP, timer consumed, until every other
 *   member is MASTER or waiting too; then all waiting members become MASTER together. An
 *   accepted advert re-arms the member's timer and so withdraws its wish.
 * - When one MASTER member leaves MASTER (higher priority seen, reload), every other MASTER
 *   member goes BACKUP.
 * - Shutdown for any member stops the whole group (keepalived never stops one member
 *   alone), each MASTER member sending its own priority-0 advert.
 *
 * Like the instance, a group is a JSON value advanced by a pure step function. Group-level
 * actions (StateChanged, Notify with priority 0, as keepalived's group notify) carry
 * member null.
 */
import type { InstanceState, MasterGate, StepResult } from './instance.js';
import { createInstance, forceBackup, forceMaster, stepGated } from './instance.js';
import type { Action, Input, InstanceParams, VrrpState } from './types.js';

export interface SyncGroupState {
  name: string;
  /** Member names in configuration order (the order their actions are emitted in). */
  order: string[];
  members: Record<string, InstanceState>;
  /** Derived group state (groupStateOf). */
  state: VrrpState;
}

export interface GroupAction {
  /** The member the action belongs to, or null for the group itself. */
  member: string | null;
  action: Action;
}

export interface GroupStepResult {
  state: SyncGroupState;
  actions: GroupAction[];
}

export class SyncGroupError extends Error {
  readonly code = 'FSM_SYNC_GROUP' as const;
}

/** The fault source a sync group puts on its members. */
export function syncFaultSource(group: string): string {
  return `sync_group:${group}`;
}

export function createSyncGroup(name: string, params: InstanceParams[]): SyncGroupState {
  const members: Record<string, InstanceState> = {};
  const order: string[] = [];
  for (const p of params) {
    if (members[p.name]) throw new SyncGroupError(`sync group ${name}: member ${p.name} listed twice`);
    members[p.name] = createInstance(p);
    order.push(p.name);
  }
  if (order.length === 0) throw new SyncGroupError(`sync group ${name}: no members`);
  return { name, order, members, state: 'INIT' };
}

/** A BACKUP member whose Master_Down_Timer fired while the group held it back. */
export function wantsMaster(s: InstanceState): boolean {
  return s.state === 'BACKUP' && s.timers.Master_Down_Timer === undefined;
}

/**
 * FAULT if any member is, MASTER or STOP if all are, INIT while any member has not started
 * (members start one after the other: keepalived 2.2.7 reports the group BACKUP after its
 * last member went BACKUP, not after the first), else BACKUP.
 */
function groupStateOf(order: string[], members: Record<string, InstanceState>): VrrpState {
  let all = { MASTER: true, STOP: true };
  let anyInit = false;
  for (const n of order) {
    const st = members[n]!.state;
    if (st === 'FAULT') return 'FAULT';
    all = { MASTER: all.MASTER && st === 'MASTER', STOP: all.STOP && st === 'STOP' };
    anyInit ||= st === 'INIT';
  }
  if (all.MASTER) return 'MASTER';
  if (all.STOP) return 'STOP';
  if (anyInit) return 'INIT';
  return 'BACKUP';
}

/** Mutable working copy for one group step (the input group is never modified). */
class Work {
  readonly members: Record<string, InstanceState>;
  readonly actions: GroupAction[] = [];
  constructor(readonly g: SyncGroupState) {
    this.members = { ...g.members };
  }
  apply(name: string, r: StepResult): void {
    this.members[name] = r.state;
    for (const action of r.actions) this.actions.push({ member: name, action });
  }
  /** Every member other than `name` is MASTER or waiting to be. */
  canGoMaster(name: string): boolean {
    return this.g.order.every((n) => {
      if (n === name) return true;
      const m = this.members[n]!;
      return m.state === 'MASTER' || wantsMaster(m);
    });
  }
  gateFor(name: string): MasterGate {
    return () => this.canGoMaster(name);
  }
}

const realFault = (source: string) => (s: InstanceState) => s.faults.some((f) => f !== source);

/** Propagate faults: all members carry the group source while any has a fault of its own. */
function reconcileFaults(w: Work, now: number): void {
  const src = syncFaultSource(w.g.name);
  const anyReal = w.g.order.some((n) => realFault(src)(w.members[n]!));
  for (const n of w.g.order) {
    const m = w.members[n]!;
    if (m.faults.includes(src) !== anyReal) {
      w.apply(n, stepGated(m, { type: 'FaultChanged', source: src, fault: anyReal }, now, w.gateFor(n)));
    }
  }
}

/** Keep "all MASTER or none". */
function reconcileMasters(w: Work, before: Record<string, InstanceState>, now: number): void {
  const order = w.g.order;
  const left = order.find((n) => before[n]!.state === 'MASTER' && w.members[n]!.state !== 'MASTER');
  if (left !== undefined) {
    for (const n of order) {
      if (w.members[n]!.state === 'MASTER') {
        w.apply(n, forceBackup(w.members[n]!, now, `sync group ${w.g.name}: ${left} left MASTER`));
      }
    }
    return;
  }
  const joined = order.find((n) => before[n]!.state !== 'MASTER' && w.members[n]!.state === 'MASTER');
  if (joined !== undefined) {
    for (const n of order) {
      if (wantsMaster(w.members[n]!)) {
        w.apply(n, forceMaster(w.members[n]!, now, `sync group ${w.g.name}: ${joined} became MASTER`));
      }
    }
  }
}

/**
 * Advance the group by one input for one member at monotonic time `now` (ms). Throws
 * SyncGroupError for an unknown member (a wiring bug in the caller).
 */
export function stepGroup(g: SyncGroupState, member: string, input: Input, now: number): GroupStepResult {
  return withGroupTransition(g, stepMembers(g, member, input, now));
}

/** The group's own StateChanged and Notify (priority 0, as keepalived's group notify) when its derived state moved. */
function withGroupTransition(before: SyncGroupState, r: GroupStepResult): GroupStepResult {
  const state = groupStateOf(before.order, r.state.members);
  if (state === before.state) return r.state.state === state ? r : { state: { ...r.state, state }, actions: r.actions };
  const actions = [...r.actions, { member: null, action: { type: 'StateChanged', from: before.state, to: state, reason: `sync group ${before.name}` } } as GroupAction];
  if (state !== 'INIT') actions.push({ member: null, action: { type: 'Notify', state, priority: 0 } });
  return { state: { ...r.state, state }, actions };
}

/** One member's input and what the group rules make of it, without the group's own transition. */
function stepMembers(g: SyncGroupState, member: string, input: Input, now: number): GroupStepResult {
  const cur = g.members[member];
  if (!cur) throw new SyncGroupError(`sync group ${g.name}: no member ${member}`);
  const w = new Work(g);
  if (input.type === 'Shutdown') {
    for (const n of g.order) w.apply(n, stepGated(w.members[n]!, input, now, () => false));
  } else {
    const before = g.members;
    const r = stepGated(cur, input, now, w.gateFor(member));
    // An advert the member refuses (or ignores) changes nothing: the very same group comes
    // back, so a flood of invalid packets allocates no group states.
    if (r.state === cur && input.type === 'AdvertReceived') {
      return { state: g, actions: r.actions.map((action) => ({ member, action })) };
    }
    w.apply(member, r);
    reconcileFaults(w, now);
    reconcileMasters(w, before, now);
  }
  return { state: { ...g, members: w.members }, actions: w.actions };
}

/**
 * Feed the same input to every member in order (e.g. Startup at launch). The group's own
 * transition is judged once all members have had it: at start-up keepalived 2.2.7 reports
 * the group BACKUP after its last member has gone BACKUP, not after the first.
 */
export function stepGroupAll(g: SyncGroupState, input: Input, now: number): GroupStepResult {
  let state = g;
  const actions: GroupAction[] = [];
  for (const n of g.order) {
    const r = stepMembers(state, n, input, now);
    state = r.state;
    actions.push(...r.actions);
    if (input.type === 'Shutdown') break;
  }
  return withGroupTransition(g, { state, actions });
}
