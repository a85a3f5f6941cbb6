import { describe, expect, it } from 'vitest';
import { masterDownInterval, skewTime } from '../../src/core/fsm/timers.js';

describe('Skew_Time and Master_Down_Interval (ms)', () => {
  it('v2, 1 s adverts, priority 200: Master_Down_Interval = 3.21875 s (RFC 3768 §6.1)', () => {
    expect(skewTime(2, 200, 100)).toBe(218.75);
    expect(masterDownInterval(2, 200, 100)).toBe(3218.75);
  });

  it('v2 Skew_Time does not scale with the interval', () => {
    expect(skewTime(2, 100, 300)).toBe(609.375);
    expect(masterDownInterval(2, 100, 300)).toBe(9609.375);
  });

  it('v3 at 100 cs: priority 100 gives 609.375 ms skew and 3609.375 ms down interval (RFC 9568 §6.1)', () => {
    expect(skewTime(3, 100, 100)).toBe(609.375);
    expect(masterDownInterval(3, 100, 100)).toBe(3609.375);
  });

  it('v3 Skew_Time scales with Master_Adver_Interval', () => {
    expect(skewTime(3, 100, 200)).toBe(1218.75);
    expect(masterDownInterval(3, 100, 200)).toBe(7218.75);
    expect(skewTime(3, 200, 50)).toBe(109.375);
    expect(masterDownInterval(3, 200, 50)).toBe(1609.375);
  });

  it('owner priority 255 has the shortest skew; priority 1 the longest', () => {
    expect(skewTime(3, 255, 100)).toBe(3.90625);
    expect(skewTime(3, 1, 100)).toBe(996.09375);
    expect(skewTime(2, 255, 100)).toBe(3.90625);
  });

  it('down_timer_adverts replaces the 3', () => {
    expect(masterDownInterval(3, 100, 100, 5)).toBe(5609.375);
    expect(masterDownInterval(2, 200, 100, 1)).toBe(1218.75);
  });
});
