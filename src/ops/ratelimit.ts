/**
 * A per-(scope, key) rate limiter for log lines: at most one line per window, counting
 * the events it swallowed in between. Built for the receive path under a flood: a
 * suppressed event costs two Map lookups, a comparison and a counter increment, and
 * allocates nothing (slots are typed arrays created once per scope).
 */

interface Slots {
  /** Time of the last admitted event per key (NaN = never). */
  last: Float64Array;
  /** Events suppressed since the last admitted one per key. */
  count: Float64Array;
}

export interface Suppressed<K extends string> {
  scope: string;
  key: K;
  suppressed: number;
}

export interface RateLimiterOptions<K extends string> {
  /** The keys (e.g. DROP_REASONS); their order fixes the slot layout. */
  keys: readonly K[];
  /** Window length in the clock's unit (milliseconds with the default clock). */
  windowMs: number;
  /** Monotonic clock in milliseconds. */
  now: () => number;
  /** Scopes beyond this many share one overflow scope ('*'), bounding memory. */
  maxScopes?: number;
}

export const OVERFLOW_SCOPE = '*';

export class KeyedRateLimiter<K extends string> {
  private readonly keyIndex = new Map<string, number>();
  private readonly scopes = new Map<string, Slots>();
  private readonly keys: readonly K[];
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly maxScopes: number;

  constructor(opts: RateLimiterOptions<K>) {
    this.keys = opts.keys;
    opts.keys.forEach((k, i) => this.keyIndex.set(k, i));
    this.windowMs = opts.windowMs;
    this.now = opts.now;
    this.maxScopes = opts.maxScopes ?? 1024;
  }

  private slotsFor(scope: string): Slots {
    let s = this.scopes.get(scope);
    if (s) return s;
    if (this.scopes.size >= this.maxScopes) {
      scope = OVERFLOW_SCOPE;
      s = this.scopes.get(scope);
      if (s) return s;
    }
    const n = this.keys.length;
    s = { last: new Float64Array(n).fill(Number.NaN), count: new Float64Array(n) };
    this.scopes.set(scope, s);
    return s;
  }

  /**
   * Record one event. Returns -1 when it must not be logged; otherwise the number of
   * events suppressed since the last logged one (0 or more), which the line reports.
   */
  admit(scope: string, key: K): number {
    const i = this.keyIndex.get(key);
    if (i === undefined) return 0;
    const s = this.slotsFor(scope);
    const t = this.now();
    const last = s.last[i]!;
    if (last === last && t - last < this.windowMs) {
      s.count[i]!++;
      return -1;
    }
    const suppressed = s.count[i]!;
    s.count[i] = 0;
    s.last[i] = t;
    return suppressed;
  }

  /**
   * Suppressed counts whose window has ended with no further event to report them:
   * returns them and opens a new window for each, so a flood that stops is still
   * accounted for. Call it from a periodic timer.
   */
  drain(): Suppressed<K>[] {
    const t = this.now();
    const out: Suppressed<K>[] = [];
    for (const [scope, s] of this.scopes) {
      for (let i = 0; i < this.keys.length; i++) {
        if (s.count[i]! > 0 && t - s.last[i]! >= this.windowMs) {
          out.push({ scope, key: this.keys[i]!, suppressed: s.count[i]! });
          s.count[i] = 0;
          s.last[i] = t;
        }
      }
    }
    return out;
  }

  /** Forget a scope (an instance removed by reload). */
  forget(scope: string): void {
    this.scopes.delete(scope);
  }

  get scopeCount(): number {
    return this.scopes.size;
  }
}
