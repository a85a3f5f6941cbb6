/**
 * The claim driver for one cloud_vip. Started on entering MASTER; every call returns at
 * once with a promise that never rejects (nothing waits on the cloud). A newer claim
 * cancels an older one still in flight; leaving MASTER cancels (and, with
 * release_on_backup, releases). Each attempt is one idempotent provider.claim() (read,
 * write when needed, read back); retryable failures (timeouts, network errors, 5xx, 429)
 * are retried with full-jitter exponential backoff, never sooner than Retry-After, until
 * success or cancellation. Clock, sleep and randomness are injectable.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { CloudApiError, CloudError } from './errors.js';
import { DEFAULT_RETRY_POLICY, isRetryableError, retryDelay, type RetryPolicy } from './backoff.js';
import { emit, type CloudEventSink } from './events.js';
import type { CloudVip } from './config.js';
import type { ClaimResult, CloudProvider, ReleaseResult } from './provider.js';

export type Operation = 'claim' | 'release';

export type ClaimOutcome =
  | { status: 'succeeded'; operation: Operation; claimId: number; attempts: number; latencyMs: number; result: ClaimResult | ReleaseResult }
  | { status: 'cancelled'; operation: Operation; claimId: number; attempts: number; reason: string }
  | { status: 'failed'; operation: Operation; claimId: number; attempts: number; error: CloudError };

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface ClaimerOptions {
  provider: CloudProvider;
  vip: CloudVip;
  policy?: Partial<RetryPolicy>;
  /** Monotonic milliseconds (default performance.now). */
  clock?: () => number;
  /** Resolves after ms, or early when the signal aborts. */
  sleep?: Sleep;
  /** [0, 1) (default Math.random). */
  random?: () => number;
  events?: CloudEventSink;
}

const realSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    /* aborted: the caller checks the signal */
  }
};

class Cancelled extends Error {}

let nextClaimId = 1;

export class Claimer {
  readonly vip: CloudVip;
  private readonly provider: CloudProvider;
  private readonly policy: RetryPolicy;
  private readonly clock: () => number;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly events: CloudEventSink | undefined;
  private current: { ctrl: AbortController; done: Promise<ClaimOutcome>; operation: Operation } | undefined;
  /** A claim was started since the last successful release. */
  private mayHold = false;
  private last: ClaimOutcome | undefined;

  constructor(opts: ClaimerOptions) {
    this.provider = opts.provider;
    this.vip = opts.vip;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...opts.policy };
    this.clock = opts.clock ?? (() => performance.now());
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
    this.events = opts.events;
  }

  /** The operation in flight, if any. */
  get busy(): Operation | undefined {
    return this.current?.operation;
  }

  get lastOutcome(): ClaimOutcome | undefined {
    return this.last;
  }

  /** Put the provider's armed first request of a claim on the wire now (CloudProvider.fire). */
  fire(): boolean {
    return this.provider.fire?.(this.vip) ?? false;
  }

  /** Claim the VIP (entering MASTER). Cancels whatever is in flight. */
  claim(): Promise<ClaimOutcome> {
    this.mayHold = true;
    return this.start('claim');
  }

  /** Release the VIP (leaving MASTER with release_on_backup). Cancels a claim in flight. */
  release(): Promise<ClaimOutcome> {
    return this.start('release');
  }

  /** Cancel the operation in flight (no-op when idle). */
  cancel(reason = 'cancelled'): void {
    this.current?.ctrl.abort(new Cancelled(reason));
  }

  /**
   * Follow the VRRP state: MASTER claims; any other state cancels a claim in flight and,
   * with release_on_backup, releases what this node may hold. Returns the started
   * operation's outcome, or undefined when nothing was started.
   */
  onStateChange(state: string): Promise<ClaimOutcome> | undefined {
    if (state === 'MASTER') return this.claim();
    if (this.current?.operation === 'claim') this.cancel(`state ${state}`);
    if (this.vip.releaseOnBackup && this.mayHold && state !== 'INIT') return this.release();
    return undefined;
  }

  private start(operation: Operation): Promise<ClaimOutcome> {
    const previous = this.current;
    previous?.ctrl.abort(new Cancelled(`superseded by a newer ${operation}`));
    const ctrl = new AbortController();
    const claimId = nextClaimId++;
    const startedAt = this.clock();
    const done = (async (): Promise<ClaimOutcome> => {
      // Let the superseded operation settle (it was aborted, so this is quick) so two
      // operations of this VIP never have requests in flight at once.
      if (previous) await previous.done;
      return this.run(operation, ctrl.signal, claimId, startedAt);
    })().then((outcome) => {
      if (this.current?.ctrl === ctrl) this.current = undefined;
      this.last = outcome;
      if (outcome.status === 'succeeded' && operation === 'release') this.mayHold = false;
      return outcome;
    });
    this.current = { ctrl, done, operation };
    return done;
  }

  private call(operation: Operation, signal: AbortSignal): Promise<ClaimResult | ReleaseResult> {
    try {
      return operation === 'claim' ? this.provider.claim(this.vip, signal) : this.provider.release(this.vip, signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private reason(signal: AbortSignal): string {
    const r = signal.reason;
    return r instanceof Error ? r.message : String(r ?? 'cancelled');
  }

  private async run(operation: Operation, signal: AbortSignal, claimId: number, startedAt: number): Promise<ClaimOutcome> {
    const vip = this.vip.address;
    let attempt = 0;
    const cancelled = (): ClaimOutcome => {
      const reason = this.reason(signal);
      emit(this.events, { type: 'claim_cancelled', claimId, vip, attempt, operation, reason });
      return { status: 'cancelled', operation, claimId, attempts: attempt, reason };
    };
    for (;;) {
      if (signal.aborted) return cancelled();
      attempt++;
      // The provider's first request is on its way before anything is logged.
      const pending = this.call(operation, signal);
      emit(this.events, { type: 'claim_attempt', claimId, vip, attempt, operation });
      try {
        const result = await pending;
        if (signal.aborted) return cancelled();
        const latencyMs = this.clock() - startedAt;
        emit(this.events, { type: 'claim_success', claimId, vip, attempt, operation, latencyMs, changed: result.changed });
        return { status: 'succeeded', operation, claimId, attempts: attempt, latencyMs, result };
      } catch (raw) {
        if (signal.aborted) return cancelled();
        const err =
          raw instanceof CloudError ? raw : new CloudError('INTERNAL', raw instanceof Error ? raw.message : String(raw), { cause: raw });
        const retryable = isRetryableError(err);
        let retryInMs: number | undefined;
        if (retryable) {
          const d = retryDelay(err, attempt, this.policy, this.random);
          if (this.clock() - startedAt + d <= this.policy.maxElapsedMs && attempt <= this.policy.maxRetries) retryInMs = d;
        }
        emit(this.events, {
          type: 'claim_failure',
          claimId,
          vip,
          attempt,
          operation,
          code: err.code,
          message: err.message,
          retryable,
          ...(err instanceof CloudApiError ? { status: err.status } : {}),
          ...(err instanceof CloudApiError && err.requestId ? { requestId: err.requestId } : {}),
          ...(retryInMs !== undefined ? { retryInMs } : {}),
        });
        if (retryInMs === undefined) return { status: 'failed', operation, claimId, attempts: attempt, error: err };
        await this.sleep(retryInMs, signal);
      }
    }
  }
}
