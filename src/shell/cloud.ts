/**
 * Cloud VIP claims for the daemon: one Claimer per (instance, VIP address), started by the
 * core's ClaimVip action in the same turn as the first advert and GARP, cancelled when the
 * instance leaves MASTER (released with release_on_backup). Nothing here is awaited by
 * the VRRP path: every claim runs on its own promise.
 */
import { Claimer, type ClaimOutcome } from '../cloud/claimer.js';
import { providerConfigFromModel, vipsFromModel, type CloudVip } from '../cloud/config.js';
import type { CloudEvent } from '../cloud/events.js';
import { createProvider } from '../cloud/factory.js';
import type { CloudProvider } from '../cloud/provider.js';
import type { ConfigModel } from '../config/model.js';
import type { CloudClaimState, CloudPort } from './cloud-port.js';

export type { CloudClaimState } from './cloud-port.js';

/** Least time between two re-assertions of one VIP (CloudManager.reassert). */
export const REASSERT_INTERVAL_MS = 1000;
/**
 * How often a MASTER checks that the cloud still names it (CloudManager.verifyMasters): an
 * idempotent claim, one read, a write only when the VIP port names another node.
 */
export const CLOUD_VERIFY_INTERVAL_MS = 5000;

export class CloudManager implements CloudPort {
  private readonly providers = new Map<string, CloudProvider>();
  private readonly claimers = new Map<string, Claimer[]>();
  private readonly states = new Map<Claimer, CloudClaimState>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly prepared: Array<{ instance: string; provider: CloudProvider; vip: CloudVip }> = [];
  /** When each claimer was last re-asserted (performance.now()). */
  private readonly reasserted = new Map<Claimer, number>();
  /** Instances whose claim was asked for and not yet left (MASTER), for verifyMasters. */
  private readonly masters = new Set<string>();
  private verifyTimer: NodeJS.Timeout | undefined;
  /** Claimers running a verification (token of the one in flight): logged only when it matters. */
  private readonly quiet = new Map<Claimer, number>();
  private quietToken = 0;

  constructor(
    model: ConfigModel,
    private readonly onEvent: (instance: string, provider: string, ev: CloudEvent) => void,
    interfaceMac: (ifname: string) => string | undefined,
  ) {
    const byName = new Map(model.cloudProviders.map((p) => [p.name, p]));
    for (const inst of model.instances) {
      const cv = inst.cloudVip;
      if (!cv) continue;
      const pcfg = byName.get(cv.provider);
      if (!pcfg) continue;
      let provider = this.providers.get(pcfg.name);
      if (!provider) {
        provider = createProvider(providerConfigFromModel(pcfg), {
          events: (ev) => this.onEvent('-', pcfg.name, ev),
        });
        this.providers.set(pcfg.name, provider);
      }
      const mac = inst.interface ? interfaceMac(inst.interface) : undefined;
      // One claimer per address: several VIPs of one instance are claimed in parallel, each
      // on its own VIP port (Huawei) or merged one by one into this node's port (OpenStack).
      const list: Claimer[] = [];
      for (const vip of vipsFromModel(inst, mac)) {
        const address = vip.address;
        const name = inst.name;
        const claimer: Claimer = new Claimer({ provider, vip, events: (ev) => this.claimEvent(claimer, name, pcfg.name, ev) });
        this.states.set(claimer, { vip: address, provider: pcfg.name, state: 'idle', attempts: 0 });
        this.prepared.push({ instance: name, provider, vip });
        list.push(claimer);
      }
      if (list.length) this.claimers.set(inst.name, list);
    }
  }

  get size(): number {
    return this.claimers.size;
  }

  /**
   * Entering MASTER, in the turn of the first advert: put each VIP's armed first read on
   * the wire (CloudProvider.fire) before anything else of the transition runs; the claim
   * started next uses it.
   */
  fire(instance: string): void {
    for (const c of this.claimers.get(instance) ?? []) c.fire();
  }

  /** The core asked for a claim (entering MASTER) or a release (leaving, release_on_backup). */
  run(instance: string, op: 'claim' | 'release'): void {
    if (op === 'claim' && this.claimers.has(instance)) {
      this.masters.add(instance);
      this.verifyTimer ??= setInterval(() => this.verifyMasters(), CLOUD_VERIFY_INTERVAL_MS);
      this.verifyTimer.unref();
    }
    for (const c of this.claimers.get(instance) ?? []) {
      this.quiet.delete(c);
      this.track(c, op === 'claim' ? 'claiming' : 'releasing', op === 'claim' ? c.claim() : c.release());
    }
  }

  /**
   * Discovery ahead of the first claim (reads only: credentials, NIC, VIP port), so that a
   * failover's claim is the read, the write and the read-back, with warm connections and
   * credentials. Never awaited by the VRRP path; a failure is a warning (the claim discovers
   * again).
   */
  prepare(timeoutMs = 15_000): void {
    for (const { instance, provider, vip } of this.prepared) {
      if (!provider.discover) continue;
      const p = provider.discover(vip, AbortSignal.timeout(timeoutMs)).then(() => provider.arm?.(vip), (err: unknown) => {
        const e = err as { code?: unknown; message?: unknown };
        this.onEvent(instance, provider.name, {
          type: 'cloud_warning',
          code: typeof e?.code === 'string' ? e.code : 'INTERNAL',
          message: `discovery before the first claim failed (a claim will retry it): ${typeof e?.message === 'string' ? e.message : String(err)}`,
          vip: vip.address,
        });
      });
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  /**
   * Claim again while staying MASTER (another node advertised with a lower priority, so it
   * may have claimed the VIP meanwhile). Skipped while a claim is in flight, and at most
   * once per REASSERT_INTERVAL_MS per VIP (a peer that cannot hear this node keeps
   * advertising).
   */
  reassert(instance: string): void {
    const now = performance.now();
    for (const c of this.claimers.get(instance) ?? []) {
      if (c.busy === 'claim') continue;
      const last = this.reasserted.get(c);
      if (last !== undefined && now - last < REASSERT_INTERVAL_MS) continue;
      this.reasserted.set(c, now);
      this.quiet.delete(c);
      this.track(c, 'claiming', c.claim());
    }
  }

  /**
   * While MASTER, claim again every CLOUD_VERIFY_INTERVAL_MS when idle. A peer that was
   * MASTER on the other side of a partition (or whose write landed late) may have moved the
   * VIP after this node's claim, and nothing on the wire tells when that peer heard this
   * node first and stepped down without advertising again: the cloud's counterpart of
   * keepalived's periodic GARP refresh. Logged only when it wrote or failed.
   */
  private verifyMasters(): void {
    for (const instance of this.masters) {
      for (const c of this.claimers.get(instance) ?? []) {
        if (c.busy) continue;
        const token = ++this.quietToken;
        // Set before claim(): its first event is emitted synchronously.
        this.quiet.set(c, token);
        const p = c.claim();
        void p.finally(() => {
          if (this.quiet.get(c) === token) this.quiet.delete(c);
        });
        this.track(c, 'claiming', p);
      }
    }
  }

  private claimEvent(c: Claimer, instance: string, provider: string, ev: CloudEvent): void {
    if (this.quiet.has(c)) {
      if (ev.type === 'claim_attempt' && ev.attempt === 1) return;
      if (ev.type === 'claim_success' && !ev.changed) return;
      if (ev.type === 'claim_cancelled') return;
    }
    this.onEvent(instance, provider, ev);
  }

  /** Any transition away from MASTER cancels a claim in flight. */
  transition(instance: string, to: string): void {
    if (to === 'MASTER') return;
    this.masters.delete(instance);
    for (const c of this.claimers.get(instance) ?? []) {
      if (c.busy === 'claim') c.cancel(`state ${to}`);
    }
  }

  private track(c: Claimer, state: string, p: Promise<ClaimOutcome>): void {
    const st = this.states.get(c)!;
    st.state = state;
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    void p.then((o) => {
      st.attempts = o.attempts;
      if (o.status === 'succeeded') {
        st.state = o.operation === 'claim' ? 'claimed' : 'released';
        st.lastLatencyMs = o.latencyMs;
        delete st.lastError;
      } else if (o.status === 'failed') {
        st.state = 'failed';
        st.lastError = `${o.error.code}: ${o.error.message}`;
      } else if (st.state === state) {
        st.state = 'cancelled';
      }
    });
  }

  /** Claim states for status output. */
  status(instance: string): CloudClaimState[] {
    return (this.claimers.get(instance) ?? []).map((c) => ({ ...this.states.get(c)! }));
  }

  /** Shutdown: cancel claims in flight, give releases (started by the core) a bounded time. */
  async close(timeoutMs = 2000): Promise<void> {
    clearInterval(this.verifyTimer);
    for (const p of this.providers.values()) p.close?.();
    this.masters.clear();
    for (const list of this.claimers.values()) {
      for (const c of list) {
        if (c.busy === 'claim') c.cancel('shutdown');
      }
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inflight]),
      new Promise((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
