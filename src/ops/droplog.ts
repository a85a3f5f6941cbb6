/**
 * Logging of dropped advertisements, rate limited per (instance, reason): the first drop
 * in a window is logged with its detail and the number of drops suppressed before it;
 * the rest only bump a counter. flush() (from a periodic timer) reports counts left over
 * when a flood stops. Metrics count every drop separately (metrics.ts), unlimited.
 */
import { DROP_REASONS, type DropReason } from '../core/codec/errors.js';
import type { Log } from './log.js';
import { KeyedRateLimiter } from './ratelimit.js';

export const DEFAULT_DROP_LOG_WINDOW_MS = 10_000;

export interface DropLoggerOptions {
  /** One line per (instance, reason) per window (default 10 s). */
  windowMs?: number;
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
}

export class DropLogger {
  private readonly limiter: KeyedRateLimiter<DropReason>;
  readonly windowMs: number;

  constructor(
    private readonly log: Pick<Log, 'event'>,
    opts: DropLoggerOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? DEFAULT_DROP_LOG_WINDOW_MS;
    this.limiter = new KeyedRateLimiter<DropReason>({
      keys: DROP_REASONS,
      windowMs: this.windowMs,
      now: opts.now ?? (() => performance.now()),
    });
  }

  /**
   * One dropped advert. `instance` is the instance name, or a scope such as "eth0 vrid 7"
   * when no instance matched. `detail` is the codec's text (never the password).
   */
  drop(instance: string, reason: DropReason, detail: string): void {
    const suppressed = this.limiter.admit(instance, reason);
    if (suppressed < 0) return;
    this.log.event('advert_dropped', { instance, reason, detail, suppressed });
  }

  /** Report drops suppressed in windows that have since ended. */
  flush(): void {
    for (const s of this.limiter.drain()) {
      this.log.event('advert_drops_suppressed', {
        instance: s.scope,
        reason: s.key,
        suppressed: s.suppressed,
        windowMs: this.windowMs,
      });
    }
  }

  forget(instance: string): void {
    this.limiter.forget(instance);
  }
}
