/**
 * Logs and metrics of the cloud VIP claims: every claim event names its instance with the
 * instance's state and effective priority when it is logged (a claim that finishes after
 * the instance left MASTER shows it); a warning about one instance's cloud_vip carries
 * them too. Events carry identifiers and numbers only (src/cloud/events.ts), never
 * credentials.
 */
import type { CloudEvent } from '../cloud/events.js';
import type { VrrpState } from '../core/fsm/types.js';
import type { Log } from './log.js';
import type { Metrics } from './metrics.js';

export interface CloudLogOptions {
  log: Pick<Log, 'event'>;
  metrics?: Pick<Metrics, 'claimAttempt' | 'claimSucceeded' | 'claimFailed'>;
  /** The instance's state and effective priority now. */
  instanceState: (instance: string) => { state: VrrpState; priority: number };
}

/** `instance` is '-' for events that concern no instance (provider-wide warnings). */
export function logCloudEvent(o: CloudLogOptions, instance: string, provider: string, ev: CloudEvent): void {
  if (ev.type === 'http' || ev.type === 'claim_cancelled') return;
  const { state, priority } = instance === '-' ? { state: undefined, priority: undefined } : o.instanceState(instance);
  if (ev.type === 'cloud_warning') {
    o.log.event('cloud_warning', {
      provider,
      code: ev.code,
      message: ev.message,
      ...(ev.vip ? { vip: ev.vip } : {}),
      ...(state !== undefined ? { instance, state, priority } : {}),
    });
    return;
  }
  const base = { instance, state: state ?? 'INIT', priority: priority ?? 0, provider, vip: ev.vip, operation: ev.operation, attempt: ev.attempt };
  if (ev.type === 'claim_attempt') {
    o.metrics?.claimAttempt();
    o.log.event('cloud_claim_started', base);
  } else if (ev.type === 'claim_success') {
    o.metrics?.claimSucceeded(ev.latencyMs / 1000);
    o.log.event('cloud_claim_done', { ...base, durationMs: ev.latencyMs });
  } else {
    o.metrics?.claimFailed(ev.code);
    o.log.event('cloud_claim_failed', {
      ...base,
      code: ev.code,
      error: ev.message,
      ...(ev.status !== undefined ? { status: ev.status } : {}),
      ...(ev.requestId !== undefined ? { requestId: ev.requestId } : {}),
      ...(ev.retryInMs !== undefined ? { retryInMs: ev.retryInMs } : {}),
    });
  }
}
