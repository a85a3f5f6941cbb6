import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSyncGroup,
  stepGroup,
  stepGroupAll,
  syncFaultSource,
  SyncGroupError,
  wantsMaster,
  type GroupAction,
  type SyncGroupState,
} from '../../src/core/fsm/syncgroup.js';
import type { Input, InstanceParams } from '../../src/core/fsm/types.js';
import { advertIn, params } from './helpers.js';

const pA = params({ name: 'VI_A', vrid: 51, priority: 150, vips: ['192.0.2.100'] });
const pB = params({ name: 'VI_B', vrid: 52, priority: 100, ifname: 'eth1', vips: ['198.51.100.100'], primaryIp: '198.51.100.1' });
const fired: Input = { type: 'TimerFired', timer: 'Master_Down_Timer' };

function started(): SyncGroupState {
  return stepGroupAll(createSyncGroup('G1', [pA, pB]), { type: 'Startup' }, 0).state;
}

/** Start, then fire A's timer (3414.0625) and B's (3609.375): the group is MASTER. */
function masterGroup(): SyncGroupState {
  let g = started();
  g = stepGroup(g, 'VI_A', fired, 3414.0625).state;
  return stepGroup(g, 'VI_B', fired, 3609.375).state;
}

const of = (acts: GroupAction[], member: string | null) => acts.filter((a) => a.member === member).map((a) => a.action);
const states = (g: SyncGroupState) => g.order.map((n) => g.members[n]!.state);

describe('sync group', () => {
  it('starts all members BACKUP and notifies the group once', () => {
    const r = stepGroupAll(createSyncGroup('G1', [pA, pB]), { type: 'Startup' }, 0);
    expect(states(r.state)).toEqual(['BACKUP', 'BACKUP']);
    expect(r.state.state).toBe('BACKUP');
    expect(of(r.actions, null)).toEqual([
      { type: 'StateChanged', from: 'INIT', to: 'BACKUP', reason: 'sync group G1' },
      { type: 'Notify', state: 'BACKUP', priority: 0 },
    ]);
  });

  it('at start-up reports the group BACKUP after its last member went BACKUP (keepalived 2.2.7 order)', () => {
    const r = stepGroupAll(createSyncGroup('G1', [pA, pB]), { type: 'Startup' }, 0);
    const order = r.actions
      .filter((a) => a.action.type === 'StateChanged')
      .map((a) => `${a.member ?? 'group'}:${(a.action as { to: string }).to}`);
    expect(order).toEqual(['VI_A:BACKUP', 'VI_B:BACKUP', 'group:BACKUP']);
    // The same when the members are started one by one (as the runtime does).
    let g = createSyncGroup('G1', [pA, pB]);
    const first = stepGroup(g, 'VI_A', { type: 'Startup' }, 0);
    expect(of(first.actions, null)).toEqual([]);
    g = first.state;
    expect(of(stepGroup(g, 'VI_B', { type: 'Startup' }, 0).actions, null)).toContainEqual({ type: 'Notify', state: 'BACKUP', priority: 0 });
  });

  it('holds the first member whose down timer fires until every member is ready', () => {
    const g = started();
    const r1 = stepGroup(g, 'VI_A', fired, 3414.0625);
    expect(states(r1.state)).toEqual(['BACKUP', 'BACKUP']);
    expect(r1.actions).toEqual([]);
    expect(wantsMaster(r1.state.members.VI_A!)).toBe(true);
    const r2 = stepGroup(r1.state, 'VI_B', fired, 3609.375);
    expect(states(r2.state)).toEqual(['MASTER', 'MASTER']);
    expect(r2.state.state).toBe('MASTER');
    expect(of(r2.actions, 'VI_A')).toContainEqual({ type: 'AddVips' });
    expect(of(r2.actions, 'VI_B')).toContainEqual({ type: 'AddVips' });
    expect(of(r2.actions, null)).toContainEqual({ type: 'Notify', state: 'MASTER', priority: 0 });
  });

  it('a waiting member withdraws when it accepts an advert again', () => {
    let g = stepGroup(started(), 'VI_A', fired, 3414.0625).state;
    g = stepGroup(g, 'VI_A', advertIn(pA, 200), 3500).state;
    expect(wantsMaster(g.members.VI_A!)).toBe(false);
    const r = stepGroup(g, 'VI_B', fired, 3609.375);
    expect(states(r.state)).toEqual(['BACKUP', 'BACKUP']);
    expect(wantsMaster(r.state.members.VI_B!)).toBe(true);
  });

  it('one member demoted by a higher priority takes the whole group to BACKUP', () => {
    const r = stepGroup(masterGroup(), 'VI_B', advertIn(pB, 200, '198.51.100.2'), 4000);
    expect(states(r.state)).toEqual(['BACKUP', 'BACKUP']);
    expect(of(r.actions, 'VI_A')).toContainEqual({ type: 'RemoveVips' });
    expect(of(r.actions, 'VI_A')).toContainEqual(
      expect.objectContaining({ type: 'StateChanged', from: 'MASTER', to: 'BACKUP', reason: 'sync group G1: VI_B left MASTER' }),
    );
    expect(r.actions.some((a) => a.action.type === 'SendAdvert')).toBe(false);
  });

  it('a fault in one member faults all, each MASTER sending priority 0; clearing it restores BACKUP', () => {
    const r = stepGroup(masterGroup(), 'VI_A', { type: 'FaultChanged', source: 'link', fault: true }, 4000);
    expect(states(r.state)).toEqual(['FAULT', 'FAULT']);
    expect(r.state.state).toBe('FAULT');
    expect(of(r.actions, 'VI_A')).toContainEqual({ type: 'SendAdvert', priority: 0, intervalCs: 100 });
    expect(of(r.actions, 'VI_B')).toContainEqual({ type: 'SendAdvert', priority: 0, intervalCs: 100 });
    expect(r.state.members.VI_B!.faults).toEqual([syncFaultSource('G1')]);
    const c = stepGroup(r.state, 'VI_A', { type: 'FaultChanged', source: 'link', fault: false }, 5000);
    expect(states(c.state)).toEqual(['BACKUP', 'BACKUP']);
    expect(c.state.members.VI_A!.faults).toEqual([]);
    expect(c.state.members.VI_B!.faults).toEqual([]);
  });

  it('stays FAULT until no member has a fault of its own', () => {
    let g = stepGroup(started(), 'VI_A', { type: 'FaultChanged', source: 'link', fault: true }, 1000).state;
    g = stepGroup(g, 'VI_B', { type: 'FaultChanged', source: 'script', fault: true }, 1100).state;
    g = stepGroup(g, 'VI_A', { type: 'FaultChanged', source: 'link', fault: false }, 1200).state;
    expect(states(g)).toEqual(['FAULT', 'FAULT']);
    g = stepGroup(g, 'VI_B', { type: 'FaultChanged', source: 'script', fault: false }, 1300).state;
    expect(states(g)).toEqual(['BACKUP', 'BACKUP']);
  });

  it('Shutdown of any member stops the whole group', () => {
    const r = stepGroup(masterGroup(), 'VI_B', { type: 'Shutdown' }, 4000);
    expect(states(r.state)).toEqual(['STOP', 'STOP']);
    expect(of(r.actions, 'VI_A')).toContainEqual({ type: 'SendAdvert', priority: 0, intervalCs: 100 });
    expect(of(r.actions, 'VI_B')).toContainEqual({ type: 'SendAdvert', priority: 0, intervalCs: 100 });
    expect(of(r.actions, null)).toContainEqual({ type: 'Notify', state: 'STOP', priority: 0 });
  });

  it('an owner member waits for the group instead of going MASTER alone', () => {
    const owner = { ...pA, priority: 255 };
    const r = stepGroupAll(createSyncGroup('G2', [owner, pB]), { type: 'Startup' }, 0);
    expect(states(r.state)).toEqual(['BACKUP', 'BACKUP']);
  });

  it('rejects unknown and duplicate members', () => {
    expect(() => stepGroup(started(), 'nope', { type: 'Startup' }, 0)).toThrow(SyncGroupError);
    expect(() => createSyncGroup('G', [pA, pA])).toThrow(/twice/);
    expect(() => createSyncGroup('G', [])).toThrow(/no members/);
  });

  it('property: all members MASTER or none, and no MASTER while any member has its own fault', () => {
    const members: InstanceParams[] = [pA, pB, params({ name: 'VI_C', vrid: 53, priority: 120, ifname: 'eth2' })];
    const op = fc.record({
      member: fc.integer({ min: 0, max: 2 }),
      dt: fc.integer({ min: 0, max: 3000 }),
      kind: fc.oneof(
        { arbitrary: fc.constant({ k: 'fire' as const }), weight: 8 },
        { arbitrary: fc.record({ k: fc.constant('advert' as const), prio: fc.integer({ min: 0, max: 255 }) }), weight: 2 },
        {
          arbitrary: fc.record({ k: fc.constant('fault' as const), src: fc.constantFrom('link', 'script'), on: fc.boolean() }),
          weight: 2,
        },
        { arbitrary: fc.record({ k: fc.constant('prio' as const), adj: fc.integer({ min: -120, max: 120 }) }), weight: 1 },
        { arbitrary: fc.constant({ k: 'start' as const }), weight: 1 },
        { arbitrary: fc.constant({ k: 'stop' as const }), weight: 1 },
      ),
    });
    let reachedMaster = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let sawMaster = false;
        let g = stepGroupAll(createSyncGroup('GP', members), { type: 'Startup' }, 0).state;
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          let name = members[o.member]!.name;
          let input: Input;
          let at = now;
          if (o.kind.k === 'fire') {
            // The scheduler's next timer across all members.
            const due = g.order
              .flatMap((n) => Object.entries(g.members[n]!.timers).flatMap(([t, when]) => (when === undefined ? [] : [{ n, t, when }])))
              .sort((a, b) => a.when - b.when)[0];
            if (!due) continue;
            name = due.n;
            input = { type: 'TimerFired', timer: due.t as 'Master_Down_Timer' };
            at = Math.max(now, due.when);
            now = at;
          } else if (o.kind.k === 'advert') {
            input = advertIn(members[o.member]!, o.kind.prio, '192.0.2.200');
          } else if (o.kind.k === 'fault') {
            input = { type: 'FaultChanged', source: o.kind.src, fault: o.kind.on };
          } else if (o.kind.k === 'prio') {
            input = { type: 'PriorityChanged', adjustment: o.kind.adj };
          } else if (o.kind.k === 'stop') {
            input = { type: 'Shutdown' };
          } else {
            input = { type: 'Startup' };
          }
          g = stepGroup(g, name, input, at).state;
          const st = states(g);
          const masters = st.filter((x) => x === 'MASTER').length;
          if (masters !== 0 && masters !== st.length) return false;
          sawMaster ||= masters > 0;
          const src = syncFaultSource('GP');
          const ownFault = g.order.some((n) => g.members[n]!.faults.some((f) => f !== src));
          if (ownFault && masters > 0) return false;
          if (ownFault && g.state !== 'FAULT' && st.some((x) => x !== 'INIT' && x !== 'STOP')) return false;
        }
        if (sawMaster) reachedMaster++;
        return true;
      }),
      { numRuns: 300 },
    );
    // The generator must actually reach group MASTER for the property to mean something.
    expect(reachedMaster).toBeGreaterThan(30);
  });
});
