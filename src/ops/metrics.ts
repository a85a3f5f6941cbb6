/**
 * Prometheus metrics on keepvip's own prom-client Registry (never the global one, so
 * tests and embedders get a clean slate). docs/operations.md lists every series.
 *
 * keepvip_instance_state is one gauge per instance whose value is the state code
 * (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP): `keepvip_instance_state == 2` selects
 * masters, and a state change is a single series changing value (no stale series).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DROP_REASONS, type DropReason } from '../core/codec/errors.js';
import type { VrrpState } from '../core/fsm/types.js';
import { STATE_CODES, type TrackerKind } from './status.js';
import type { MetricsSink } from './metrics-sink.js';

export const METRIC_STATE_CODES: Record<VrrpState, number> = STATE_CODES;

/** Cloud API claim latency buckets, seconds. */
export const CLAIM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface IncOnly {
  inc(value?: number): void;
}

export interface MetricsOptions {
  /** Add prom-client's process and Node.js metrics (default true). */
  processMetrics?: boolean;
  /** keepvip version for keepvip_build_info. */
  version?: string;
}

export class Metrics implements MetricsSink {
  readonly registry = new Registry();
  private readonly state: Gauge<'instance'>;
  private readonly priority: Gauge<'instance' | 'kind'>;
  private readonly sent: Counter<'instance'>;
  private readonly received: Counter<'instance'>;
  private readonly dropped: Counter<'instance' | 'reason'>;
  private readonly transitions: Counter<'instance' | 'from' | 'to'>;
  private readonly trackerUpGauge: Gauge<'tracker' | 'kind'>;
  private readonly garp: Counter<'instance'>;
  private readonly claimSeconds: Histogram<string>;
  private readonly claimAttempts: Counter<string>;
  private readonly claimFailures: Counter<'code'>;
  /**
   * The packet counters: per instance, pending increments [sent, received, garp,
   * ...drops by reason index] in a typed array, moved into prom-client at scrape time
   * (the counters' collect hook). An increment is one array write, no label hashing.
   */
  private readonly hot = new Map<string, { pending: Float64Array; children: IncOnly[] }>();
  private readonly reasonIndex = new Map<string, number>(DROP_REASONS.map((r, i) => [r, i]));

  constructor(opts: MetricsOptions = {}) {
    const registers = [this.registry];
    this.state = new Gauge({
      name: 'keepvip_instance_state',
      help: 'VRRP instance state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP',
      labelNames: ['instance'],
      registers,
    });
    this.priority = new Gauge({
      name: 'keepvip_instance_priority',
      help: 'VRRP priority: kind="base" as configured, kind="effective" after tracker adjustments',
      labelNames: ['instance', 'kind'],
      registers,
    });
    this.sent = new Counter({
      name: 'keepvip_adverts_sent_total',
      help: 'VRRP advertisements sent (one per destination for unicast)',
      labelNames: ['instance'],
      registers,
      collect: () => this.flushHot(),
    });
    this.received = new Counter({
      name: 'keepvip_adverts_received_total',
      help: 'VRRP advertisements received and accepted',
      labelNames: ['instance'],
      registers,
      collect: () => this.flushHot(),
    });
    this.dropped = new Counter({
      name: 'keepvip_adverts_dropped_total',
      help: 'VRRP advertisements dropped, by reason (docs/error-codes.md)',
      labelNames: ['instance', 'reason'],
      registers,
      collect: () => this.flushHot(),
    });
    this.transitions = new Counter({
      name: 'keepvip_transitions_total',
      help: 'VRRP state transitions',
      labelNames: ['instance', 'from', 'to'],
      registers,
    });
    this.trackerUpGauge = new Gauge({
      name: 'keepvip_tracker_up',
      help: 'Tracker result: 1 up (script OK, link up, file value accepted), 0 down',
      labelNames: ['tracker', 'kind'],
      registers,
    });
    this.garp = new Counter({
      name: 'keepvip_garp_sent_total',
      help: 'Gratuitous ARP / unsolicited Neighbour Advertisement packets sent',
      labelNames: ['instance'],
      registers,
      collect: () => this.flushHot(),
    });
    this.claimSeconds = new Histogram({
      name: 'keepvip_cloud_claim_seconds',
      help: 'Time from the start of a cloud VIP claim to its verified success',
      buckets: CLAIM_BUCKETS,
      registers,
    });
    this.claimAttempts = new Counter({
      name: 'keepvip_cloud_claim_attempts_total',
      help: 'Cloud VIP claim attempts (each retry counts)',
      registers,
    });
    this.claimFailures = new Counter({
      name: 'keepvip_cloud_claim_failures_total',
      help: 'Failed cloud VIP claim attempts, by error code',
      labelNames: ['code'],
      registers,
    });
    if (opts.version !== undefined) {
      new Gauge({
        name: 'keepvip_build_info',
        help: 'keepvip version (value is always 1)',
        labelNames: ['version'],
        registers,
      }).set({ version: opts.version }, 1);
    }
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Create an instance's series at their initial values (so rate() works from the start). */
  addInstance(instance: string, state: VrrpState, base: number, effective: number): void {
    this.setState(instance, state);
    this.setPriority(instance, base, effective);
    this.slot(instance);
  }

  /** Delete an instance's series (removed by reload). */
  removeInstance(instance: string): void {
    this.hot.delete(instance);
    for (const m of [this.state, this.sent, this.received, this.garp] as const) m.remove({ instance });
    for (const kind of ['base', 'effective']) this.priority.remove({ instance, kind });
    for (const reason of DROP_REASONS) this.dropped.remove({ instance, reason });
  }

  private slot(instance: string): Float64Array {
    let h = this.hot.get(instance);
    if (!h) {
      const children = [
        this.sent.labels({ instance }),
        this.received.labels({ instance }),
        this.garp.labels({ instance }),
        ...DROP_REASONS.map((reason) => this.dropped.labels({ instance, reason })),
      ];
      for (const child of children) child.inc(0);
      h = { pending: new Float64Array(children.length), children };
      this.hot.set(instance, h);
    }
    return h.pending;
  }

  /** Move pending receive-path increments into the prom-client counters. */
  private flushHot(): void {
    for (const { pending, children } of this.hot.values()) {
      for (let i = 0; i < pending.length; i++) {
        if (pending[i]! > 0) {
          children[i]!.inc(pending[i]!);
          pending[i] = 0;
        }
      }
    }
  }

  setState(instance: string, state: VrrpState): void {
    this.state.set({ instance }, METRIC_STATE_CODES[state]);
  }

  setPriority(instance: string, base: number, effective: number): void {
    this.priority.set({ instance, kind: 'base' }, base);
    this.priority.set({ instance, kind: 'effective' }, effective);
  }

  transition(instance: string, from: VrrpState, to: VrrpState): void {
    this.transitions.inc({ instance, from, to });
    this.setState(instance, to);
  }

  advertSent(instance: string, n = 1): void {
    this.slot(instance)[0]! += n;
  }

  advertReceived(instance: string): void {
    this.slot(instance)[1]!++;
  }

  /** Hot path: one typed-array increment per drop. */
  advertDropped(instance: string, reason: DropReason): void {
    const i = this.reasonIndex.get(reason);
    if (i !== undefined) this.slot(instance)[3 + i]!++;
  }

  garpSent(instance: string, n = 1): void {
    this.slot(instance)[2]! += n;
  }

  trackerUp(tracker: string, kind: TrackerKind, up: boolean): void {
    this.trackerUpGauge.set({ tracker, kind }, up ? 1 : 0);
  }

  claimAttempt(): void {
    this.claimAttempts.inc();
  }

  claimSucceeded(seconds: number): void {
    this.claimSeconds.observe(seconds);
  }

  claimFailed(code: string): void {
    this.claimFailures.inc({ code });
  }

  /** The exposition text (what /metrics serves). */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
