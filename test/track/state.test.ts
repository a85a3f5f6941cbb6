import { describe, expect, it } from 'vitest';
import {
  applyProcessScan,
  applyScriptResult,
  effectivePriority,
  fileEffect,
  initialScriptCounter,
  quorumOk,
  scriptPending,
  weightedEffect,
  type ScriptCounter,
} from '../../src/track/state.js';

/** Feed results; return the OK state after each one. */
function run(rise: number, fall: number, initFail: boolean, results: number[]): boolean[] {
  let c: ScriptCounter = initialScriptCounter(rise, fall, initFail);
  return results.map((r) => {
    c = applyScriptResult(c, r === 0);
    return c.ok;
  });
}

describe('rise/fall counter', () => {
  // Sequences observed on keepalived 2.2.7 (exit codes per run, and when keepalived logged
  // "succeeded"/"failed" and changed the priority).
  it('A: rise 3 fall 3, first result failure decides at once, then 3 successes to recover', () => {
    expect(run(3, 3, false, [1, 1, 1, 1, 0, 0, 0, 0])).toEqual([false, false, false, false, false, false, true, true]);
  });
  it('B: rise 3 fall 3 init_fail, first success decides at once', () => {
    expect(run(3, 3, true, [0, 0])).toEqual([true, true]);
  });
  it('C: rise 3 fall 3, OK first; 2 failures are absorbed; 3 in a row fail', () => {
    expect(run(3, 3, false, [0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0])).toEqual([true, true, true, true, true, true, false, false, false, true, true]);
  });
  it('K: rise 2 fall 2', () => {
    expect(run(2, 2, false, [0, 1, 0, 1, 1, 0, 1, 0, 0])).toEqual([true, true, true, true, false, false, false, false, true]);
  });
  it('L: rise 2 fall 2 init_fail, first failure decides', () => {
    expect(run(2, 2, true, [1, 0, 1, 0, 0])).toEqual([false, false, false, false, true]);
  });
  it('rise 1 fall 1 follows every result', () => {
    expect(run(1, 1, false, [0, 1, 0, 0, 1, 1])).toEqual([true, false, true, true, false, false]);
  });

  it('keeps result within 0..rise+fall-1 and OK iff result >= rise, for every sequence of length 8 (rise, fall 1..4)', () => {
    const bad: string[] = [];
    for (let rise = 1; rise <= 4; rise++)
      for (let fall = 1; fall <= 4; fall++)
        for (let bits = 0; bits < 256; bits++) {
          let c = initialScriptCounter(rise, fall, false);
          let okRun = 0;
          let failRun = 0;
          let prevOk: boolean | undefined;
          for (let k = 0; k < 8; k++) {
            const success = ((bits >> k) & 1) === 1;
            c = applyScriptResult(c, success);
            okRun = success ? okRun + 1 : 0;
            failRun = success ? 0 : failRun + 1;
            const where = `rise ${rise} fall ${fall} bits ${bits.toString(2)} step ${k}`;
            if (c.result < 0 || c.result > rise + fall - 1) bad.push(`${where}: result ${c.result}`);
            if (c.ok !== c.result >= rise) bad.push(`${where}: ok ${c.ok} result ${c.result}`);
            if (k === 0 && c.ok !== success) bad.push(`${where}: first result did not decide`);
            if (k > 0 && prevOk === false && c.ok && okRun !== rise) bad.push(`${where}: recovered after ${okRun} successes`);
            if (k > 0 && prevOk === true && !c.ok && failRun !== fall) bad.push(`${where}: failed after ${failRun} failures`);
            if (k > 0 && prevOk === false && !c.ok && okRun >= rise) bad.push(`${where}: still failed after ${okRun} successes`);
            if (k > 0 && prevOk === true && c.ok && failRun >= fall) bad.push(`${where}: still OK after ${failRun} failures`);
            prevOk = c.ok;
          }
        }
    expect(bad).toEqual([]);
  });

  it('is pending before the first result unless init_fail', () => {
    expect(scriptPending(initialScriptCounter(2, 2, false))).toBe(true);
    const f = initialScriptCounter(2, 2, true);
    expect(scriptPending(f)).toBe(false);
    expect(f.ok).toBe(false);
  });
});

describe('weightedEffect truth table (scripts, interfaces, processes)', () => {
  const rows: Array<[weight: number, reverse: boolean, up: boolean, adjust: number, fault: boolean]> = [
    [0, false, true, 0, false],
    [0, false, false, 0, true],
    [0, true, true, 0, true],
    [0, true, false, 0, false],
    [10, false, true, 10, false],
    [10, false, false, 0, false],
    [10, true, true, -10, false],
    [10, true, false, 0, false],
    [-10, false, true, 0, false],
    [-10, false, false, -10, false],
    [-10, true, true, 0, false],
    [-10, true, false, 10, false],
    [253, false, true, 253, false],
    [-253, false, false, -253, false],
    [254, false, true, 253, false],
    [-254, false, false, -253, false],
  ];
  it.each(rows)('weight %i reverse %s up %s -> %i fault %s', (weight, reverse, up, adjust, fault) => {
    expect(weightedEffect(weight, reverse, up)).toEqual({ adjust, fault });
  });
});

describe('fileEffect (track_file)', () => {
  // Observed on keepalived 2.2.7 with base priority 200 (or 100).
  const rows: Array<[value: number, weight: number, reverse: boolean, adjust: number, fault: boolean]> = [
    [5, 2, false, 10, false],
    [-300, 1, false, 0, true],
    [0, 1, false, 0, false],
    [3, 0, false, 0, true],
    [0, 0, false, 0, false],
    [0, 0, true, 0, true],
    [5, 0, true, 0, false],
    [4, 3, true, -12, false],
    [7, 1, false, 7, false],
    [-254, 1, false, 0, true],
    [-253, 1, false, -253, false],
    [300, 1, false, 253, false],
    [-5, -2, false, 10, false],
    [3, 100, false, 253, false],
    [3, -100, false, 0, true],
  ];
  it.each(rows)('value %i weight %i reverse %s -> %i fault %s', (value, weight, reverse, adjust, fault) => {
    expect(fileEffect(value, weight, reverse)).toEqual({ adjust, fault });
  });

  it('caps each file before summing (300 and -250 on one instance give +3, as keepalived)', () => {
    expect(fileEffect(300, 1, false).adjust + fileEffect(-250, 1, false).adjust).toBe(3);
  });
});

describe('effectivePriority', () => {
  it.each([
    [100, 0, 100],
    [100, 50, 150],
    [200, 300, 254],
    [200, -253, 1],
    [100, -100, 1],
    [255, -50, 255],
    [255, 50, 255],
  ])('base %i adjustment %i -> %i', (base, adj, eff) => expect(effectivePriority(base, adj)).toBe(eff));
});

describe('track_process quorum and delays', () => {
  it.each([
    [0, 1, undefined, false],
    [1, 1, undefined, true],
    [5, 1, undefined, true],
    [1, 2, undefined, false],
    [2, 1, 1, false],
    [1, 1, 1, true],
    [0, 1, 0, true],
    [1, 1, 0, false],
    [3, 2, 4, true],
  ])('count %i quorum %i max %s -> %s', (count, q, max, ok) => expect(quorumOk(count, q, max)).toBe(ok));

  it('decides on the first scan, then waits fork_delay to go up and terminate_delay to go down', () => {
    let s = applyProcessScan({ ok: undefined }, false, 0, 2000, 500);
    expect(s).toEqual({ state: { ok: false }, changed: true });
    s = applyProcessScan(s.state, true, 1000, 2000, 500);
    expect(s.changed).toBe(false);
    expect(s.recheckAt).toBe(3000);
    s = applyProcessScan(s.state, true, 2999, 2000, 500);
    expect(s.changed).toBe(false);
    s = applyProcessScan(s.state, true, 3000, 2000, 500);
    expect(s).toEqual({ state: { ok: true }, changed: true });
    s = applyProcessScan(s.state, false, 4000, 2000, 500);
    expect(s.recheckAt).toBe(4500);
    // Back before the delay ran out: cancelled.
    s = applyProcessScan(s.state, true, 4200, 2000, 500);
    expect(s).toEqual({ state: { ok: true }, changed: false });
    s = applyProcessScan(s.state, false, 5000, 2000, 500);
    s = applyProcessScan(s.state, false, 5500, 2000, 500);
    expect(s).toEqual({ state: { ok: false }, changed: true });
  });

  it('changes at once with no delay', () => {
    const s = applyProcessScan({ ok: true }, false, 10, 0, 0);
    expect(s).toEqual({ state: { ok: false }, changed: true });
  });
});
