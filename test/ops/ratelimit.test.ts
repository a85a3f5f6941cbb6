import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter, OVERFLOW_SCOPE } from '../../src/ops/ratelimit.js';
import { DropLogger } from '../../src/ops/droplog.js';
import { createLog } from '../../src/ops/log.js';

function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('KeyedRateLimiter', () => {
  it('admits the first event per (scope, key) per window and reports what it swallowed', () => {
    const c = clock();
    const rl = new KeyedRateLimiter({ keys: ['a', 'b'] as const, windowMs: 10_000, now: c.now });
    expect(rl.admit('VI_1', 'a')).toBe(0);
    for (let i = 0; i < 999; i++) expect(rl.admit('VI_1', 'a')).toBe(-1);
    // Another key and another scope have their own windows.
    expect(rl.admit('VI_1', 'b')).toBe(0);
    expect(rl.admit('VI_2', 'a')).toBe(0);
    c.advance(9_999);
    expect(rl.admit('VI_1', 'a')).toBe(-1);
    c.advance(1);
    expect(rl.admit('VI_1', 'a')).toBe(1000);
    expect(rl.admit('VI_1', 'a')).toBe(-1);
  });

  it('drain reports counts left when a flood stops, once', () => {
    const c = clock();
    const rl = new KeyedRateLimiter({ keys: ['a'] as const, windowMs: 1000, now: c.now });
    rl.admit('s', 'a');
    rl.admit('s', 'a');
    rl.admit('s', 'a');
    expect(rl.drain()).toEqual([]);
    c.advance(1000);
    expect(rl.drain()).toEqual([{ scope: 's', key: 'a', suppressed: 2 }]);
    expect(rl.drain()).toEqual([]);
    // The drain opened a new window: the next event is still limited within it.
    expect(rl.admit('s', 'a')).toBe(-1);
  });

  it('bounds memory: scopes beyond the limit share one overflow scope', () => {
    const c = clock();
    const rl = new KeyedRateLimiter({ keys: ['a'] as const, windowMs: 1000, now: c.now, maxScopes: 4 });
    for (let i = 0; i < 4; i++) expect(rl.admit(`s${i}`, 'a')).toBe(0);
    expect(rl.admit('s4', 'a')).toBe(0);
    expect(rl.admit('s5', 'a')).toBe(-1);
    expect(rl.scopeCount).toBe(5);
    c.advance(1000);
    expect(rl.drain()).toEqual([{ scope: OVERFLOW_SCOPE, key: 'a', suppressed: 1 }]);
  });
});

describe('DropLogger', () => {
  it('logs one line per (instance, reason) per window with the suppressed count, under a flood', () => {
    const c = clock();
    const lines: string[] = [];
    const log = createLog({ format: 'json', sink: { write: (s: string) => void lines.push(s) } });
    const dl = new DropLogger(log, { windowMs: 10_000, now: c.now });
    // 10k invalid packets per second for 12 s, two reasons on one instance, one on another.
    for (let sec = 0; sec < 12; sec++) {
      for (let i = 0; i < 10_000; i++) {
        dl.drop('VI_1', 'auth_mismatch', 'password differs');
        if (i % 2) dl.drop('VI_1', 'checksum', 'no checksum form matches');
        if (i % 100 === 0) dl.drop('VI_2', 'ttl', 'ttl 64');
        c.advance(0.1);
      }
    }
    const parsed = lines.map((l) => JSON.parse(l));
    const of = (inst: string, reason: string) => parsed.filter((p) => p.instance === inst && p.reason === reason);
    // t=0 and t=10 s for each (instance, reason): two lines each, six in all.
    expect(parsed).toHaveLength(6);
    expect(of('VI_1', 'auth_mismatch').map((p) => p.suppressed)).toEqual([0, 99_999]);
    expect(of('VI_1', 'checksum').map((p) => p.suppressed)).toEqual([0, 49_999]);
    expect(of('VI_2', 'ttl').map((p) => p.suppressed)).toEqual([0, 999]);
    expect(parsed[0]).toMatchObject({ event: 'advert_dropped', detail: 'password differs', level: 'warn' });
    // The flood stops at 12 s; the remaining 2 s worth is reported once the window ends.
    dl.flush();
    expect(lines).toHaveLength(6);
    c.advance(10_000);
    dl.flush();
    const tail = lines.slice(6).map((l) => JSON.parse(l));
    expect(tail.map((p) => [p.event, p.instance, p.reason, p.suppressed])).toEqual([
      ['advert_drops_suppressed', 'VI_1', 'auth_mismatch', 19_999],
      ['advert_drops_suppressed', 'VI_1', 'checksum', 9_999],
      ['advert_drops_suppressed', 'VI_2', 'ttl', 199],
    ]);
  });
});

describe('DropLogger: instance state and priority on drop lines', () => {
  it("carries the instance's state and effective priority, looked up only for lines written", () => {
    const c = clock();
    const lines: string[] = [];
    const log = createLog({ format: 'json', sink: { write: (s: string) => void lines.push(s) } });
    const states: Record<string, { state: 'MASTER' | 'BACKUP'; priority: number }> = {
      VI_1: { state: 'MASTER', priority: 150 },
      VI_2: { state: 'BACKUP', priority: 90 },
    };
    let lookups = 0;
    const dl = new DropLogger(log, {
      windowMs: 1000,
      now: c.now,
      instanceState: (name) => {
        lookups++;
        return states[name];
      },
    });
    for (let i = 0; i < 1000; i++) dl.drop('VI_1', 'auth_mismatch', 'password differs');
    dl.drop('VI_2', 'ttl', 'ttl 64');
    // No instance matched: a scope, no state.
    dl.drop('eth0 vrid 7', 'vrid', 'no instance with vrid 7');
    // One lookup per line written, none for the 999 suppressed drops.
    expect(lookups).toBe(3);
    states.VI_1 = { state: 'BACKUP', priority: 100 };
    c.advance(1000);
    dl.flush();
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((p) => [p.event, p.instance, p.state, p.priority])).toEqual([
      ['advert_dropped', 'VI_1', 'MASTER', 150],
      ['advert_dropped', 'VI_2', 'BACKUP', 90],
      ['advert_dropped', 'eth0 vrid 7', undefined, undefined],
      // The summary says where the instance stands when it is written.
      ['advert_drops_suppressed', 'VI_1', 'BACKUP', 100],
    ]);
    expect(parsed[2]).not.toHaveProperty('state');
  });

  it('deferred lines keep the state of the moment of the drop', async () => {
    const lines: string[] = [];
    const log = createLog({ format: 'json', sink: { write: (s: string) => void lines.push(s) } });
    let st = { state: 'BACKUP' as const, priority: 100 };
    const dl = new DropLogger(log, { deferred: true, instanceState: () => st });
    dl.drop('VI_1', 'checksum', 'bad checksum');
    st = { state: 'BACKUP', priority: 50 };
    expect(lines).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'advert_dropped', instance: 'VI_1', state: 'BACKUP', priority: 100 });
  });
});
