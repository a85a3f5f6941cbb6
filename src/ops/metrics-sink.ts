/**
 * What the daemon records as metrics. With a metrics endpoint (keepvip_defs
 * metrics_listen) that is the prom-client registry of src/ops/metrics.ts, loaded then;
 * without one nothing could read them, so NO_METRICS keeps nothing and prom-client is
 * never loaded (about 2 MB of a 200-instance daemon's memory).
 */
import type { DropReason } from '../core/codec/errors.js';
import type { VrrpState } from '../core/fsm/types.js';
import type { TrackerKind } from './status.js';

export interface MetricsSink {
  /** Create an instance's series at their initial values. */
  addInstance(instance: string, state: VrrpState, base: number, effective: number): void;
  /** Delete an instance's series (removed by reload). */
  removeInstance(instance: string): void;
  setState(instance: string, state: VrrpState): void;
  setPriority(instance: string, base: number, effective: number): void;
  transition(instance: string, from: VrrpState, to: VrrpState): void;
  advertSent(instance: string, n?: number): void;
  advertReceived(instance: string): void;
  advertDropped(instance: string, reason: DropReason): void;
  garpSent(instance: string, n?: number): void;
  trackerUp(tracker: string, kind: TrackerKind, up: boolean): void;
  claimAttempt(): void;
  claimSucceeded(seconds: number): void;
  claimFailed(code: string): void;
}

const nothing = (): void => {};

/** No metrics endpoint: nothing is kept. */
export const NO_METRICS: MetricsSink = {
  addInstance: nothing,
  removeInstance: nothing,
  setState: nothing,
  setPriority: nothing,
  transition: nothing,
  advertSent: nothing,
  advertReceived: nothing,
  advertDropped: nothing,
  garpSent: nothing,
  trackerUp: nothing,
  claimAttempt: nothing,
  claimSucceeded: nothing,
  claimFailed: nothing,
};
