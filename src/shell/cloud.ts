/**
 * Cloud VIP claims for the daemon: one Claimer per (instance, VIP address), started by the
 * core's ClaimVip action in the same turn as the first advert and GARP, cancelled when the
 * instance leaves MASTER (released with release_on_backup). Nothing here is awaited by
 * the VRRP path: every claim runs on its own promise.
 */
import { Claimer, type ClaimOutcome } from '../cloud/claimer.js';
import { providerConfigFromModel, vipFromModel, type CloudVip } from '../cloud/config.js';
import type { CloudEvent } from '../cloud/events.js';
import { createProvider } from '../cloud/factory.js';
import type { CloudProvider } from '../cloud/provider.js';
import type { ConfigModel } from '../config/model.js';

/** Least time between two re-assertions of one VIP (CloudManager.reassert). */
export const REASSERT_INTERVAL_MS = 1000;

export interface CloudClaimState {
  vip: string;
  provider: string;
  /** idle, claiming, claimed, releasing, released, failed, cancelled */
  state: string;
  attempts: number;
  lastLatencyMs?: number;
  lastError?: string;
}

export class CloudManager {
  private readonly providers = new Map<string, CloudProvider>();
  private readonly claimers = new Map<string, Claimer[]>();
  private readonly states = new Map<Claimer, CloudClaimState>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly prepared: Array<{ instance: string; provider: CloudProvider; vip: CloudVip }> = [];
  /** When each claimer was last re-asserted (performance.now()). */
  private readonly reasserted = new Map<Claimer, number>();

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
      const addresses = cv.address ? [cv.address] : inst.vips.map((v) => v.address);
      const list: Claimer[] = [];
      for (const address of addresses) {
        const vip: CloudVip | undefined = vipFromModel({ name: inst.name, cloudVip: { ...cv, address } }, mac);
        if (!vip) continue;
        const name = inst.name;
        const claimer = new Claimer({ provider, vip, events: (ev) => this.onEvent(name, pcfg.name, ev) });
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

  /** The core asked for a claim (entering MASTER) or a release (leaving, release_on_backup). */
  run(instance: string, op: 'claim' | 'release'): void {
    for (const c of this.claimers.get(instance) ?? []) {
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
      const p = provider.discover(vip, AbortSignal.timeout(timeoutMs)).catch((err: unknown) => {
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
      this.track(c, 'claiming', c.claim());
    }
  }

  /** Any transition away from MASTER cancels a claim in flight. */
  transition(instance: string, to: string): void {
    if (to === 'MASTER') return;
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
