/**
 * The time source the trackers and notifiers use: a monotonic millisecond clock and
 * timers. Injected so tests can drive time by hand (ManualClock).
 */
export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

let nextId = 1;

/** The real clock: performance.now() and unref'd Node timers. */
export const systemClock: Clock = (() => {
  const timers = new Map<number, NodeJS.Timeout>();
  return {
    now: () => performance.now(),
    setTimeout(fn, ms) {
      const id = nextId++;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, Math.max(0, ms));
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      if (!handle) return;
      const t = timers.get(handle.id);
      if (t) clearTimeout(t);
      timers.delete(handle.id);
    },
  };
})();

/** A clock that only moves when told to; timers fire in time order during advance(). */
export class ManualClock implements Clock {
  private t: number;
  private readonly pending = new Map<number, { at: number; seq: number; fn: () => void }>();
  private seq = 0;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = nextId++;
    this.pending.set(id, { at: this.t + Math.max(0, ms), seq: this.seq++, fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.pending.delete(handle.id);
  }

  /** Number of armed timers (for tests). */
  get armed(): number {
    return this.pending.size;
  }

  /** Move time forward by ms, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let nextKey: number | undefined;
      let next: { at: number; seq: number; fn: () => void } | undefined;
      for (const [k, v] of this.pending) {
        if (v.at <= end && (!next || v.at < next.at || (v.at === next.at && v.seq < next.seq))) {
          next = v;
          nextKey = k;
        }
      }
      if (!next || nextKey === undefined) break;
      this.pending.delete(nextKey);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
}
