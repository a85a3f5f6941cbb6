/**
 * Retry timing for cloud claims: exponential backoff with full jitter
 * (delay = random() * min(cap, base * 2^(n-1)) before retry n), never shorter than a
 * server's Retry-After (capped so a bogus header cannot park a claim for hours).
 */
import { CloudApiError, CloudError } from './errors.js';

export interface RetryPolicy {
  /** First backoff ceiling (ms). */
  baseMs: number;
  /** Largest backoff ceiling (ms). */
  capMs: number;
  /** Largest Retry-After honoured (ms). */
  maxRetryAfterMs: number;
  /** Give up after this long (ms); Infinity (default) retries until success or cancellation. */
  maxElapsedMs: number;
  /** Give up after this many retries (cloud_provider `retries`); Infinity by default. */
  maxRetries: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 250,
  // A claim in flight is a VIP the cloud does not deliver yet, retried by one node for
  // one VIP: a long ceiling only adds outage after the API recovers (with half the
  // requests failing, a 30 s ceiling gave a p99 of ~150 s to land a claim, 5 s ~35 s).
  // Throttling is still honoured through Retry-After (maxRetryAfterMs).
  capMs: 5_000,
  maxRetryAfterMs: 120_000,
  maxElapsedMs: Infinity,
  maxRetries: Infinity,
};

/** Full-jitter backoff before retry number `retry` (1 = the first retry). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(retry - 1, 52));
  return random() * ceiling;
}

/** The delay before the next attempt, honouring the error's Retry-After. */
export function retryDelay(err: unknown, retry: number, policy: RetryPolicy, random: () => number): number {
  const jittered = backoffDelay(retry, policy, random);
  const after = err instanceof CloudApiError ? err.retryAfterMs : undefined;
  if (after === undefined) return jittered;
  return Math.max(jittered, Math.min(after, policy.maxRetryAfterMs));
}

export function isRetryableError(err: unknown): boolean {
  return err instanceof CloudError && err.retryable;
}
