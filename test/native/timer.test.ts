/**
 * The timerfd timer: fires after its deadline and never before, once per arm, can be
 * disarmed, re-armed and closed, keeps the loop alive only while armed, and leaks no
 * descriptors. Lateness numbers live in bench/timer.ts, not here.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MonotonicTimer, monotonicNowMs, monotonicNowNs } from '../../src/shell/net/timer.js';
import { native } from '../../src/shell/net/addon.js';
import { repoRoot, sleep } from './helpers/peer-client.js';

const run = promisify(execFile);
const fdCount = (): number => readdirSync('/proc/self/fd').length;

async function child(mode: string): Promise<{ code: number; lines: Array<Record<string, unknown>>; stderr: string }> {
  const script = join(repoRoot, 'test/native/helpers/timer-child.ts');
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script, mode], { cwd: repoRoot, timeout: 20_000 });
    return { code: 0, lines: stdout.trim().split('\n').map((l) => JSON.parse(l)), stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    const lines = err.stdout.trim() ? err.stdout.trim().split('\n').map((l) => JSON.parse(l)) : [];
    return { code: err.code, lines, stderr: err.stderr };
  }
}

describe('MonotonicTimer (timerfd)', () => {
  it('monotonicNowNs/Ms read CLOCK_MONOTONIC, the clock of process.hrtime', () => {
    const a = process.hrtime.bigint();
    const ns = monotonicNowNs();
    const ms = monotonicNowMs();
    const b = process.hrtime.bigint();
    expect(ns >= a && ns <= b).toBe(true);
    expect(ms * 1e6).toBeGreaterThanOrEqual(Number(ns) - 1e3);
    expect(ms * 1e6).toBeLessThanOrEqual(Number(b) + 1e3);
  });

  it('fires after its deadline, never before, exactly once per arm (300 firings)', async () => {
    const early: string[] = [];
    let fired = 0;
    let deadline = 0n;
    await new Promise<void>((resolve) => {
      const t = MonotonicTimer.open(() => {
        const now = monotonicNowNs();
        const hr = process.hrtime.bigint();
        if (now < deadline || hr < deadline) early.push(`${now - deadline}ns`);
        if (++fired === 300) {
          t.close();
          resolve();
          return;
        }
        deadline = monotonicNowNs() + BigInt(Math.floor(Math.random() * 3_000_000));
        t.arm(deadline);
        expect(t.armed).toBe(true);
      });
      deadline = monotonicNowNs() + 1_000_000n;
      t.arm(deadline);
    });
    expect(early).toEqual([]);
    expect(fired).toBe(300);
  });

  it('accepts a deadline in milliseconds on the same clock', async () => {
    const deadline = monotonicNowMs() + 15.5;
    const at = await new Promise<number>((resolve) => {
      const t = MonotonicTimer.open(() => {
        resolve(monotonicNowMs());
        t.close();
      });
      t.arm(deadline);
    });
    expect(at).toBeGreaterThanOrEqual(deadline);
  });

  it('disarm cancels; re-arm replaces the deadline; a past deadline fires on the next turn', async () => {
    const fires: number[] = [];
    const t = MonotonicTimer.open(() => fires.push(monotonicNowMs()));
    try {
      t.arm(monotonicNowMs() + 20);
      t.disarm();
      expect(t.armed).toBe(false);
      await sleep(80);
      expect(fires).toEqual([]);

      const later = monotonicNowMs() + 60;
      t.arm(monotonicNowMs() + 10);
      t.arm(later);
      await sleep(150);
      expect(fires.length).toBe(1);
      expect(fires[0]).toBeGreaterThanOrEqual(later);

      // Expired while the loop was busy, then re-armed further out: the stale expiry must not fire.
      const far = monotonicNowMs() + 50;
      t.arm(monotonicNowMs() + 1);
      const spin = monotonicNowMs() + 5;
      while (monotonicNowMs() < spin) {
        /* keep the loop busy past the first deadline */
      }
      t.arm(far);
      await sleep(120);
      expect(fires.length).toBe(2);
      expect(fires[1]).toBeGreaterThanOrEqual(far);

      t.arm(monotonicNowNs() - 1_000_000_000n);
      await sleep(20);
      expect(fires.length).toBe(3);
    } finally {
      t.close();
    }
  });

  it('close while armed never fires; a closed timer refuses use; close is idempotent', async () => {
    let fired = false;
    const t = MonotonicTimer.open(() => (fired = true));
    t.arm(monotonicNowMs() + 5);
    t.close();
    t.close();
    await sleep(40);
    expect(fired).toBe(false);
    expect(() => t.arm(1)).toThrow(expect.objectContaining({ code: 'ERR_HANDLE_CLOSED' }));
    // The native layer checks too.
    const h = native().timerOpen(() => {});
    native().timerClose(h);
    native().timerClose(h);
    expect(() => native().timerArm(h, 1)).toThrow(expect.objectContaining({ code: 'ERR_HANDLE_CLOSED' }));
  });

  it('rejects bad deadlines and foreign handles with typed errors', () => {
    const t = MonotonicTimer.open(() => {});
    try {
      expect(() => t.arm(-1n)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      expect(() => t.arm(Number.NaN)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      expect(() => t.arm('soon' as unknown as number)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      expect(() => native().timerArm({} as never, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      expect(() => native().timerOpen(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    } finally {
      t.close();
    }
  });

  it('2000 open/arm/close cycles release every descriptor', async () => {
    const before = fdCount();
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 500; i++) {
        const t = MonotonicTimer.open(() => {});
        t.arm(monotonicNowMs() + 1000);
        t.close();
      }
      await sleep(10); // uv_close callbacks run at the end of a loop turn
      expect(fdCount()).toBe(before);
    }
  });

  it('holds the event loop only while armed', async () => {
    const idle = await child('idle');
    expect(idle.code).toBe(0);
    expect(idle.lines).toEqual([{ exit: true, elapsed: expect.any(Number) }]);

    const disarmed = await child('disarmed');
    expect(disarmed.lines.map((l) => Object.keys(l)[0])).toEqual(['exit']);
    expect(disarmed.lines[0]!.elapsed as number).toBeLessThan(5000);

    const armed = await child('armed');
    expect(armed.lines[0]).toMatchObject({ fired: true });
    expect(armed.lines[0]!.late as number).toBeGreaterThanOrEqual(0);
    expect(armed.lines[1]!.elapsed as number).toBeGreaterThanOrEqual(300);
  });

  it('an exception thrown by the callback surfaces as an uncaught exception', async () => {
    const r = await child('throw');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('boom from timer');
  });
});

describe('addon in worker threads', () => {
  it('a worker that ends with armed timers and open handles releases every descriptor', async () => {
    const { Worker } = await import('node:worker_threads');
    const addon = join(repoRoot, 'build/Release/keepvip.node');
    const before = fdCount();
    for (let i = 0; i < 6; i++) {
      const w = new Worker(
        `const a = require(${JSON.stringify(addon)});
         const armed = a.timerOpen(() => {}); a.timerArm(armed, a.monotonicNowMs() + 60000);
         a.timerOpen(() => {});
         require('node:worker_threads').parentPort.postMessage(a.monotonicNowMs());`,
        { eval: true },
      );
      const now = await new Promise<number>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      expect(now).toBeGreaterThan(0);
      await w.terminate(); // the armed timer would otherwise keep the worker alive
    }
    await sleep(20);
    expect(fdCount()).toBe(before);
  });
});
