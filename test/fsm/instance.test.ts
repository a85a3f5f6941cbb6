import { describe, expect, it } from 'vitest';
import {
  createInstance,
  effectivePriority,
  FsmParamsError,
  step,
  TIMER_EARLY_TOLERANCE_MS,
  type InstanceState,
} from '../../src/core/fsm/instance.js';
import type { Action, Input } from '../../src/core/fsm/types.js';
import { advertIn, deepFreeze, params } from './helpers.js';

function run(s: InstanceState, inputs: [number, Input][]): { state: InstanceState; actions: Action[] } {
  const actions: Action[] = [];
  for (const [at, input] of inputs) {
    const r = step(s, input, at);
    s = r.state;
    actions.push(...r.actions);
  }
  return { state: s, actions };
}

const startup: Input = { type: 'Startup' };
const downFired: Input = { type: 'TimerFired', timer: 'Master_Down_Timer' };

describe('createInstance', () => {
  it('starts in INIT with the configured priority and interval', () => {
    const s = createInstance(params({ priority: 120, intervalCs: 50 }));
    expect(s.state).toBe('INIT');
    expect(effectivePriority(s)).toBe(120);
    expect(s.masterAdverIntervalCs).toBe(50);
    expect(s.timers).toEqual({});
  });

  it.each([
    [{ vrid: 0 }, /VRID 0/],
    [{ vrid: 256 }, /VRID 256/],
    [{ priority: 0 }, /priority 0/],
    [{ intervalCs: 4096 }, /4096/],
    [{ version: 2 as const, intervalCs: 150 }, /VRRPv2/],
    [{ version: 2 as const, family: 6 as const }, /VRRPv2/],
    [{ downTimerAdverts: 0 }, /down_timer_adverts/],
  ])('rejects %j', (over, msg) => {
    const err = (() => {
      try {
        createInstance(params(over));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(FsmParamsError);
    expect((err as FsmParamsError).code).toBe('FSM_BAD_PARAMS');
    expect((err as Error).message).toMatch(msg);
  });
});

describe('effective priority', () => {
  it('is clamp(base + adjustment, 1, 254) for non-owners', () => {
    const s = step(createInstance(params({ priority: 100 })), startup, 0).state;
    const at = (adj: number) => effectivePriority(step(s, { type: 'PriorityChanged', adjustment: adj }, 1).state);
    expect(at(-20)).toBe(80);
    expect(at(154)).toBe(254);
    expect(at(155)).toBe(254);
    expect(at(-99)).toBe(1);
    expect(at(-500)).toBe(1);
  });

  it('stays 255 for the owner', () => {
    const s = createInstance(params({ priority: 255 }));
    expect(effectivePriority(step(s, { type: 'PriorityChanged', adjustment: -100 }, 0).state)).toBe(255);
  });

  it('emits nothing and keeps the same object when the adjustment is unchanged', () => {
    const s = step(createInstance(params()), startup, 0).state;
    const r = step(s, { type: 'PriorityChanged', adjustment: 0 }, 10);
    expect(r.state).toBe(s);
    expect(r.actions).toEqual([]);
  });
});

describe('transitions', () => {
  it('becomes MASTER with actions in keepalived order', () => {
    const p = params({ cloudClaim: true, manageForwarding: true, garpMasterDelayMs: 5000, garpMasterRefreshMs: 30000 });
    const b = step(createInstance(p), startup, 0).state;
    const r = step(b, downFired, 3609.375);
    expect(r.state.state).toBe('MASTER');
    expect(r.actions.map((a) => a.type)).toEqual([
      'StateChanged',
      'SendAdvert',
      'AddVips',
      'SendGarp',
      'ClaimVip',
      'SetForwarding',
      'Notify',
      'ArmTimer',
      'ArmTimer',
      'ArmTimer',
    ]);
    expect(r.actions).toContainEqual({ type: 'ArmTimer', timer: 'Adver_Timer', at: 4609.375 });
    expect(r.actions).toContainEqual({ type: 'ArmTimer', timer: 'Garp_Delay', at: 8609.375 });
    expect(r.actions).toContainEqual({ type: 'ArmTimer', timer: 'Garp_Refresh', at: 33609.375 });
  });

  it('v2 priority 200 backup arms Master_Down_Timer at now + 3218.75 ms', () => {
    const r = step(createInstance(params({ version: 2, priority: 200 })), startup, 1000);
    expect(r.actions).toContainEqual({ type: 'ArmTimer', timer: 'Master_Down_Timer', at: 4218.75 });
  });

  it('two masters of equal priority: the lower address backs off, the higher answers', () => {
    const pa = params({ primaryIp: '192.0.2.9' });
    const pb = params({ primaryIp: '192.0.2.10' });
    const a = run(createInstance(pa), [[0, startup], [3609.375, downFired]]).state;
    const b = run(createInstance(pb), [[0, startup], [3609.375, downFired]]).state;
    const aGetsB = step(a, advertIn(pa, 100, pb.primaryIp), 3610);
    const bGetsA = step(b, advertIn(pb, 100, pa.primaryIp), 3610);
    expect(aGetsB.state.state).toBe('BACKUP');
    expect(aGetsB.actions.some((x) => x.type === 'SendAdvert')).toBe(false);
    expect(bGetsA.state.state).toBe('MASTER');
    expect(bGetsA.actions).toEqual([
      { type: 'SendAdvert', priority: 100, intervalCs: 100 },
      { type: 'SendGarp', burst: 'reply' },
    ]);
  });

  it('accepts a timer fire up to the tolerance early, and ignores an earlier one', () => {
    const b = step(createInstance(params()), startup, 0).state;
    const early = step(b, downFired, 3609.375 - TIMER_EARLY_TOLERANCE_MS - 0.5);
    expect(early.state).toBe(b);
    expect(early.actions).toEqual([]);
    expect(step(b, downFired, 3609.375 - TIMER_EARLY_TOLERANCE_MS / 2).state.state).toBe('MASTER');
  });

  it('reload with another identity stops the old instance and returns a fresh INIT one', () => {
    const m = run(createInstance(params()), [[0, startup], [3609.375, downFired]]).state;
    const r = step(m, { type: 'Reload', params: params({ ifname: 'eth1' }) }, 4000);
    expect(r.state.state).toBe('INIT');
    expect(r.state.params.ifname).toBe('eth1');
    expect(r.actions).toContainEqual({ type: 'SendAdvert', priority: 0, intervalCs: 100 });
    expect(r.actions).toContainEqual({ type: 'Notify', state: 'STOP', priority: 100 });
  });
});

describe('purity', () => {
  const p = params({ version: 2, auth: { type: 'pass', password: 'pw' }, preemptDelayMs: 1500, manageForwarding: true });
  const script: [number, Input][] = [
    [0, { type: 'FaultChanged', source: 'link', fault: true }],
    [0, startup],
    [100, { type: 'FaultChanged', source: 'link', fault: false }],
    [500, advertIn(p, 50)],
    [1000, { type: 'PriorityChanged', adjustment: 20 }],
    [2500, advertIn(p, 200)],
    [6500, downFired],
    [7000, advertIn(p, 50)],
    [7100, advertIn(p, 0)],
    [7500, { type: 'TimerFired', timer: 'Adver_Timer' }],
    [8000, { type: 'Reload', params: { ...p, priority: 90 } }],
    [9000, { type: 'FaultChanged', source: 'script', fault: true }],
    [9500, { type: 'Shutdown' }],
  ];

  it('never mutates the state it is given', () => {
    let s = deepFreeze(createInstance(p));
    for (const [at, input] of script) {
      const r = step(s, input, at);
      s = deepFreeze(r.state);
    }
    expect(s.state).toBe('STOP');
  });

  it('continues identically after a JSON round trip of the state', () => {
    let direct = createInstance(p);
    let viaJson = createInstance(p);
    for (const [at, input] of script) {
      const a = step(direct, input, at);
      const b = step(JSON.parse(JSON.stringify(viaJson)) as InstanceState, input, at);
      expect(b.actions).toEqual(a.actions);
      expect(JSON.stringify(b.state)).toBe(JSON.stringify(a.state));
      direct = a.state;
      viaJson = b.state;
    }
  });

  it('keeps actions JSON-serialisable', () => {
    let s = createInstance(p);
    for (const [at, input] of script) {
      const r = step(s, input, at);
      expect(JSON.parse(JSON.stringify(r.actions))).toEqual(r.actions);
      s = r.state;
    }
  });

  it('returns the same state object, and only AdvertDropped, for an invalid advert', () => {
    const b = step(createInstance(p), startup, 0).state;
    const bad = advertIn(p, 200, undefined, { meta: { ttl: 10 } });
    const r = step(b, bad, 100);
    expect(r.state).toBe(b);
    expect(r.actions).toEqual([{ type: 'AdvertDropped', reason: 'ttl', detail: 'TTL 10 on multicast, must be 255' }]);
  });
});
