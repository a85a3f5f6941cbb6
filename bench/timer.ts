/**
 * Timer lateness: the timerfd MonotonicTimer (absolute CLOCK_MONOTONIC deadlines) against
 * setTimeout. Each fires N times with delays cycling 1..4 ms; lateness = time the callback
 * runs minus its deadline, both read from CLOCK_MONOTONIC. Negative lateness means the
 * callback ran before its deadline.
 *
 *   npx tsx bench/timer.ts [firings=2000]
 */
import { MonotonicTimer, monotonicNowMs } from '../src/shell/net/timer.js';

const N = Number(process.argv[2] ?? 2000);
const delayOf = (i: number): number => 1 + (i % 4);

function timerfdRun(): Promise<number[]> {
  const late: number[] = [];
  return new Promise((resolve) => {
    let deadline = 0;
    const t = MonotonicTimer.open(() => {
      late.push(monotonicNowMs() - deadline);
      if (late.length === N) {
        t.close();
        resolve(late);
        return;
      }
      deadline = monotonicNowMs() + delayOf(late.length);
      t.arm(deadline);
    });
    deadline = monotonicNowMs() + delayOf(0);
    t.arm(deadline);
  });
}

function setTimeoutRun(): Promise<number[]> {
  const late: number[] = [];
  return new Promise((resolve) => {
    const step = (): void => {
      const delay = delayOf(late.length);
      const deadline = monotonicNowMs() + delay;
      setTimeout(() => {
        late.push(monotonicNowMs() - deadline);
        if (late.length === N) resolve(late);
        else step();
      }, delay);
    };
    step();
  });
}

interface Stats {
  p50: number;
  p99: number;
  max: number;
  min: number;
  early: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: q(0.5), p99: q(0.99), max: s[s.length - 1]!, min: s[0]!, early: s.filter((x) => x < 0).length };
}

const fd = stats(await timerfdRun());
const st = stats(await setTimeoutRun());
const row = (name: string, a: number, b: number): string =>
  `${name.padEnd(14)}${a.toFixed(3).padStart(12)}${b.toFixed(3).padStart(14)}`;
console.log(`timer lateness over ${N} firings (ms, delays 1..4 ms, node ${process.version})`);
console.log(`${''.padEnd(14)}${'timerfd'.padStart(12)}${'setTimeout'.padStart(14)}`);
for (const k of ['p50', 'p99', 'max', 'min'] as const) console.log(row(k, fd[k], st[k]));
console.log(`${'early fires'.padEnd(14)}${String(fd.early).padStart(12)}${String(st.early).padStart(14)}`);
