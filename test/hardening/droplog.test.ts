/**
 * Drop logging under a flood must not hold up the advert timer. A flood starts (and every
 * 10 s window ends) with one line per (instance, reason) at once; with human console
 * output each line costs ~0.2 ms (bench: pino-pretty), so forty of them written inside the
 * receive path delay the next advert by ~8 ms (measured in flood.test.ts before the fix).
 * In deferred mode (what the daemon uses) the lines are queued and written between
 * event-loop turns, a bounded amount of logging time per turn.
 */
import { describe, expect, it } from 'vitest';
import { DROP_REASONS } from '../../src/core/codec/errors.js';
import { DropLogger } from '../../src/ops/droplog.js';
import { createLog } from '../../src/ops/log.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

/** A clock that only the sink moves: each written line "costs" `lineMs`. */
function slowSink(lineMs: number) {
  let t = 1000;
  const lines: Array<Record<string, unknown>> = [];
  const log = createLog({
    format: 'json',
    sink: {
      write: (s: string) => {
        t += lineMs;
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  });
  return { log, lines, now: () => t };
}

describe('DropLogger, deferred mode', () => {
  it('writes nothing inside drop(); a burst is spread over turns, at most the budget (plus one line) per turn', async () => {
    const s = slowSink(0.2);
    const dl = new DropLogger(s.log, { deferred: true, budgetMs: 0.5, now: s.now });
    const scopes = ['VI_1', 'VI_2', '-'];
    for (const scope of scopes) for (const r of DROP_REASONS) dl.drop(scope, r, `detail ${r}`);
    // Repeats inside the window are suppressed as before.
    for (const scope of scopes) for (const r of DROP_REASONS) dl.drop(scope, r, 'again');
    expect(s.lines).toHaveLength(0);
    const perTurn: number[] = [];
    while (s.lines.length < scopes.length * DROP_REASONS.length) {
      const before = s.lines.length;
      await turn();
      perTurn.push(s.lines.length - before);
      expect(perTurn.length).toBeLessThan(100);
    }
    // 0.2 ms a line, 0.5 ms a turn: three lines per turn (the third crosses the budget).
    expect(Math.max(...perTurn)).toBe(3);
    expect(perTurn.filter((n) => n > 0).length).toBeGreaterThanOrEqual(Math.ceil((scopes.length * DROP_REASONS.length) / 3));
    expect(s.lines.every((l) => l.event === 'advert_dropped' && l.suppressed === 0 && String(l.detail).startsWith('detail'))).toBe(true);
    expect(new Set(s.lines.map((l) => `${String(l.instance)}/${String(l.reason)}`)).size).toBe(scopes.length * DROP_REASONS.length);
  });

  it('flush() writes what is still queued at once (shutdown), then the suppressed counts', async () => {
    const s = slowSink(0.2);
    const dl = new DropLogger(s.log, { deferred: true, budgetMs: 0.5, now: s.now, windowMs: 2 });
    for (const r of DROP_REASONS) dl.drop('VI_1', r, 'first');
    dl.drop('VI_1', 'ttl', 'second');
    dl.drop('VI_1', 'ttl', 'third');
    dl.flush();
    expect(s.lines.filter((l) => l.event === 'advert_dropped')).toHaveLength(DROP_REASONS.length);
    // Writing 15 lines moved the clock 3 ms, past the 2 ms window: the two suppressed ttl drops are reported.
    expect(s.lines.filter((l) => l.event === 'advert_drops_suppressed')).toEqual([
      expect.objectContaining({ instance: 'VI_1', reason: 'ttl', suppressed: 2 }),
    ]);
    await turn();
    await turn();
    expect(s.lines.filter((l) => l.event === 'advert_dropped')).toHaveLength(DROP_REASONS.length);
  });

  it('writes at once by default', () => {
    const s = slowSink(0.2);
    const dl = new DropLogger(s.log, { now: s.now });
    dl.drop('VI_1', 'checksum', 'x');
    expect(s.lines).toHaveLength(1);
  });
});
