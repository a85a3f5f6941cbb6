/**
 * Timer queue for the daemon: every VRRP timer is an absolute deadline on the monotonic
 * clock, kept in a binary min-heap, with one underlying wake-up source armed for the
 * earliest deadline (a timerfd through the native addon in the daemon, setTimeout in
 * tests and as a fallback). Deadlines are absolute, so a late wake-up never shifts the
 * next advert (no drift).
 */

export interface WakeSource {
  /** Monotonic clock, milliseconds (fractional). */
  now(): number;
  /** Call the scheduler's wake callback at `at` (ms, absolute); replaces a previous arm. */
  arm(at: number): void;
  disarm(): void;
  close(): void;
}

interface Entry {
  at: number;
  seq: number;
  key: string;
  fn: () => void;
  live: boolean;
}

export class Scheduler {
  private heap: Entry[] = [];
  private byKey = new Map<string, Entry>();
  private seq = 0;
  private armedAt = Infinity;
  /** True while run() fires due timers: it re-arms the source once when done. */
  private running = false;
  private readonly source: WakeSource;

  /** `makeSource` receives the wake callback and returns the source that calls it. */
  constructor(makeSource: (wake: () => void) => WakeSource) {
    this.source = makeSource(() => this.run());
  }

  now(): number {
    return this.source.now();
  }

  /** Arm (or re-arm) the timer `key` at absolute time `at`. */
  set(key: string, at: number, fn: () => void): void {
    const old = this.byKey.get(key);
    if (old) old.live = false;
    const e: Entry = { at, seq: this.seq++, key, fn, live: true };
    this.byKey.set(key, e);
    this.push(e);
    // Inside run(), callbacks re-arm their own timers; one re-arm at the end of run() does
    // for all of them (no wake-source syscall per callback, no wake-up for a deadline
    // that run() is about to fire anyway).
    if (!this.running && at < this.armedAt) this.rearm();
  }

  cancel(key: string): void {
    const e = this.byKey.get(key);
    if (!e) return;
    e.live = false;
    this.byKey.delete(key);
    // Stale heap entries are dropped lazily; the wake source stays armed and finds nothing due.
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Number of live timers. */
  get size(): number {
    return this.byKey.size;
  }

  close(): void {
    this.heap = [];
    this.byKey.clear();
    this.source.close();
  }

  private run(): void {
    this.armedAt = Infinity;
    const now = this.source.now();
    this.running = true;
    // Timers set by the callbacks below fire in a later run, never in this one.
    const firstNew = this.seq;
    try {
      // Fire everything due; callbacks may set new timers (pushed into the heap).
      for (;;) {
        const top = this.heap[0];
        if (!top || top.at > now || top.seq >= firstNew) break;
        this.pop();
        if (!top.live) continue;
        top.live = false;
        this.byKey.delete(top.key);
        top.fn();
      }
    } finally {
      this.running = false;
      this.rearm();
    }
  }

  private rearm(): void {
    while (this.heap.length && !this.heap[0]!.live) this.pop();
    const top = this.heap[0];
    if (!top) {
      if (this.armedAt !== Infinity) this.source.disarm();
      this.armedAt = Infinity;
      return;
    }
    if (top.at !== this.armedAt) {
      this.armedAt = top.at;
      this.source.arm(top.at);
    }
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** A wake source on setTimeout and performance.now() (1 ms granularity; tests, fallback). */
export function timeoutSource(wake: () => void): WakeSource {
  let t: NodeJS.Timeout | undefined;
  return {
    now: () => performance.now(),
    arm(at) {
      if (t) clearTimeout(t);
      const delay = Math.max(0, at - performance.now());
      t = setTimeout(function fire() {
        // setTimeout may fire up to 1 ms early relative to a fractional deadline.
        const left = at - performance.now();
        if (left > 0) t = setTimeout(fire, Math.ceil(left));
        else {
          t = undefined;
          wake();
        }
      }, Math.ceil(delay));
    },
    disarm() {
      if (t) clearTimeout(t);
      t = undefined;
    },
    close() {
      if (t) clearTimeout(t);
      t = undefined;
    },
  };
}

/**
 * Manual time for unit tests: one clock shared by any number of wake sources (one per
 * scheduler), so several runtimes can share a simulated LAN. Time moves only in advanceTo().
 */
export class ManualClock {
  private t = 0;
  private readonly armed = new Map<number, { at: number; wake: () => void }>();
  private nextId = 0;

  now(): number {
    return this.t;
  }

  /** A factory for `new Scheduler(clock.source)`. */
  readonly source = (wake: () => void): WakeSource => {
    const id = this.nextId++;
    return {
      now: () => this.t,
      arm: (at) => void this.armed.set(id, { at, wake }),
      disarm: () => void this.armed.delete(id),
      close: () => void this.armed.delete(id),
    };
  };

  /** Move time to `to`, firing every wake-up due on the way, earliest first. */
  advanceTo(to: number): void {
    for (;;) {
      let best: [number, { at: number; wake: () => void }] | undefined;
      for (const e of this.armed) if (!best || e[1].at < best[1].at) best = e;
      if (!best || best[1].at > to) break;
      this.armed.delete(best[0]);
      this.t = Math.max(this.t, best[1].at);
      best[1].wake();
    }
    this.t = Math.max(this.t, to);
  }
}
