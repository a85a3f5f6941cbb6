/**
 * Logging of dropped advertisements, rate limited per (instance, reason): the first drop
 * in a window is logged with its detail and the number of drops suppressed before it;
 * the rest only bump a counter. flush() (from a periodic timer) reports counts left over
 * when a flood stops. Metrics count every drop separately (metrics.ts), unlimited.
 * Each line carries the instance's state and effective priority (`instanceState`), looked
 * up only for lines that are written: a suppressed drop costs no lookup.
 */
import { DROP_REASONS, type DropReason } from '../core/codec/errors.js';
import type { VrrpState } from '../core/fsm/types.js';
import type { Log } from './log.js';
import { KeyedRateLimiter } from './ratelimit.js';

export const DEFAULT_DROP_LOG_WINDOW_MS = 10_000;

export interface DropLoggerOptions {
  /** One line per (instance, reason) per window (default 10 s). */
  windowMs?: number;
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
  /**
   * Write admitted lines after the receive path, not inside it: queued, then written from
   * setImmediate, at most `budgetMs` of logging per event-loop turn. A flood starts (and
   * every window ends) with one line per (instance, reason) at once; written on the spot
   * with human console output (~0.2 ms a line) such a burst holds up the advert timer
   * for several ms. Default false (written at once).
   */
  deferred?: boolean;
  /** Logging time per event-loop turn in deferred mode, ms (default 0.5). */
  budgetMs?: number;
  /**
   * The instance's current state and effective priority (undefined when `instance` is not
   * an instance name). Called once per line written, never for a suppressed drop; it
   * should return an object that already exists (the runtime's state), not a new one.
   */
  instanceState?: (instance: string) => InstanceView | undefined;
}

/** What a drop line says about its instance. */
export interface InstanceView {
  readonly state: VrrpState;
  readonly priority: number;
}

type DropLine = { instance: string; reason: DropReason; detail: string; suppressed: number; state?: VrrpState; priority?: number };

export class DropLogger {
  private readonly limiter: KeyedRateLimiter<DropReason>;
  readonly windowMs: number;
  private readonly deferred: boolean;
  private readonly budgetMs: number;
  private readonly queue: DropLine[] = [];
  private draining = false;
  private readonly now: () => number;
  private readonly instanceState: (instance: string) => InstanceView | undefined;

  constructor(
    private readonly log: Pick<Log, 'event'>,
    opts: DropLoggerOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? DEFAULT_DROP_LOG_WINDOW_MS;
    this.now = opts.now ?? (() => performance.now());
    this.limiter = new KeyedRateLimiter<DropReason>({ keys: DROP_REASONS, windowMs: this.windowMs, now: this.now });
    this.deferred = opts.deferred ?? false;
    this.budgetMs = opts.budgetMs ?? 0.5;
    this.instanceState = opts.instanceState ?? (() => undefined);
  }

  /**
   * One dropped advert. `instance` is the instance name, or a scope such as "eth0 vrid 7"
   * when no instance matched. `detail` is the codec's text (never the password).
   */
  drop(instance: string, reason: DropReason, detail: string): void {
    const suppressed = this.limiter.admit(instance, reason);
    if (suppressed < 0) return;
    // State at the drop, not when a deferred line is written.
    const v = this.instanceState(instance);
    const line: DropLine = { instance, reason, detail, suppressed, state: v?.state, priority: v?.priority };
    if (!this.deferred) {
      this.log.event('advert_dropped', line);
      return;
    }
    this.queue.push(line);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  /** Deferred mode: write queued lines for up to budgetMs, then yield to the event loop. */
  private drain(): void {
    const t0 = this.now();
    let i = 0;
    while (i < this.queue.length) {
      this.log.event('advert_dropped', this.queue[i++]!);
      if (this.now() - t0 >= this.budgetMs) break;
    }
    this.queue.splice(0, i);
    if (this.queue.length) setImmediate(() => this.drain());
    else this.draining = false;
  }

  /** Write every queued line now (deferred mode), then report suppressed drops. */
  flush(): void {
    for (const line of this.queue.splice(0)) this.log.event('advert_dropped', line);
    for (const s of this.limiter.drain()) {
      const v = this.instanceState(s.scope);
      this.log.event('advert_drops_suppressed', {
        instance: s.scope,
        reason: s.key,
        suppressed: s.suppressed,
        windowMs: this.windowMs,
        state: v?.state,
        priority: v?.priority,
      });
    }
  }

  forget(instance: string): void {
    this.limiter.forget(instance);
  }
}
