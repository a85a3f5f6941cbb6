import { describe, expect, it } from 'vitest';
import { Claimer, type Sleep } from '../../src/cloud/claimer.js';
import { backoffDelay, DEFAULT_RETRY_POLICY } from '../../src/cloud/backoff.js';
import { CloudApiError, CloudError } from '../../src/cloud/errors.js';
import type { CloudVip } from '../../src/cloud/config.js';
import type { ClaimEvent, CloudEvent } from '../../src/cloud/events.js';
import type { ClaimResult, CloudProvider, ReleaseResult, VipStatus } from '../../src/cloud/provider.js';
import { HuaweiCloudProvider } from '../../src/cloud/huaweicloud/provider.js';
import type { CloudSim } from '../../src/cloud/sim/server.js';
import { cloudTestRig, AK, IP_A, IP_B, MAC_A, PORT_VIP, SK, SRV_A, startSim, VIP, world } from './helpers.js';

const { capture, sims, objects } = cloudTestRig();

const VIP_CFG: CloudVip = { provider: 'p', address: VIP, mode: 'exclusive', releaseOnBackup: false, disableSourceCheck: false, interfaceMac: MAC_A };
const OK: ClaimResult = { vip: VIP, changed: true, portId: 'vip', nicPortId: 'nic', nicIp: IP_A, holders: [IP_A] };

type Step = 'ok' | 'hang' | Error;

/** A provider that follows a script, one step per call; 'hang' waits for the abort. */
class ScriptedProvider implements CloudProvider {
  readonly name = 'p';
  readonly type = 'huaweicloud' as const;
  calls: Array<{ op: string; at: number }> = [];
  constructor(private readonly steps: Step[], private readonly clock: () => number = () => 0) {}
  private async step(op: string, signal: AbortSignal): Promise<void> {
    this.calls.push({ op, at: this.clock() });
    const s = this.steps.length > 1 ? this.steps.shift()! : this.steps[0]!;
    if (s === 'ok') return;
    if (s === 'hang') {
      await new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new CloudApiError({ code: 'CANCELLED', status: 0, message: 'cancelled' }))));
      return;
    }
    throw s;
  }
  async claim(_v: CloudVip, signal: AbortSignal): Promise<ClaimResult> {
    await this.step('claim', signal);
    return OK;
  }
  async release(_v: CloudVip, signal: AbortSignal): Promise<ReleaseResult> {
    await this.step('release', signal);
    return { vip: VIP, changed: true, holders: [] };
  }
  status(): Promise<VipStatus> {
    throw new Error('not used');
  }
}

const e503 = () => new CloudApiError({ code: 'APIGW.0503', status: 503, message: 'unavailable' });
const e429 = (ms: number) => new CloudApiError({ code: 'APIGW.0308', status: 429, message: 'throttled', retryAfterMs: ms });
const timeout = () => new CloudApiError({ code: 'TIMEOUT', status: 0, message: 'timed out' });

/** Fake time: sleep advances the clock at once (or returns early when aborted). */
function fakeTime() {
  let now = 0;
  const delays: number[] = [];
  const sleep: Sleep = async (ms, signal) => {
    delays.push(ms);
    if (!signal.aborted) now += ms;
    await Promise.resolve();
  };
  return { clock: () => now, sleep, delays };
}

function driver(steps: Step[], opts: { vip?: Partial<CloudVip>; random?: number; policy?: Partial<typeof DEFAULT_RETRY_POLICY> } = {}) {
  const t = fakeTime();
  const provider = new ScriptedProvider(steps, t.clock);
  const events: ClaimEvent[] = [];
  const claimer = new Claimer({
    provider,
    vip: { ...VIP_CFG, ...opts.vip },
    clock: t.clock,
    sleep: t.sleep,
    random: () => opts.random ?? 0.5,
    policy: { baseMs: 100, capMs: 1000, ...opts.policy },
    events: (e: CloudEvent) => {
      capture.sink(e);
      if (e.type !== 'http' && e.type !== 'cloud_warning') events.push(e);
    },
  });
  return { claimer, provider, events, t };
}

describe('claim driver: retries', () => {
  it('succeeds at once and reports latency', async () => {
    const { claimer, events } = driver(['ok']);
    const out = await claimer.claim();
    expect(out).toMatchObject({ status: 'succeeded', attempts: 1, latencyMs: 0 });
    expect(events.map((e) => e.type)).toEqual(['claim_attempt', 'claim_success']);
  });

  it('full-jitter exponential backoff on 5xx and timeouts', async () => {
    const { claimer, events, t } = driver([e503(), timeout(), e503(), 'ok']);
    const out = await claimer.claim();
    expect(out).toMatchObject({ status: 'succeeded', attempts: 4, latencyMs: 350 });
    expect(t.delays).toEqual([50, 100, 200]); // random 0.5 x 100, 200, 400
    const failures = events.filter((e) => e.type === 'claim_failure');
    expect(failures.map((f) => [f.code, f.retryInMs])).toEqual([
      ['APIGW.0503', 50],
      ['TIMEOUT', 100],
      ['APIGW.0503', 200],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'claim_success', latencyMs: 350, attempt: 4 });
  });

  it('the backoff ceiling doubles up to the cap; the jitter spans [0, ceiling)', () => {
    const p = { ...DEFAULT_RETRY_POLICY, baseMs: 100, capMs: 1000 };
    expect([1, 2, 3, 4, 5, 6, 60].map((n) => backoffDelay(n, p, () => 0.999))).toEqual([99.9, 199.8, 399.6, 799.2, 999, 999, 999]);
    expect(backoffDelay(3, p, () => 0)).toBe(0);
  });

  it('never retries sooner than Retry-After (within its cap)', async () => {
    const { claimer, t } = driver([e429(3000), e429(500_000), 'ok'], { policy: { maxRetryAfterMs: 60_000 } });
    await claimer.claim();
    expect(t.delays).toEqual([3000, 60_000]);
  });

  it('gives up at once on a non-retryable error', async () => {
    const limit = new CloudError('VIP_PAIR_LIMIT', 'too many');
    const { claimer, events, provider } = driver([limit]);
    const out = await claimer.claim();
    expect(out).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'VIP_PAIR_LIMIT' } });
    expect(events.at(-1)).toMatchObject({ type: 'claim_failure', code: 'VIP_PAIR_LIMIT', retryable: false });
    expect(events.at(-1)).not.toHaveProperty('retryInMs');
    expect(provider.calls).toHaveLength(1);
  });

  it('a provider bug becomes INTERNAL; a throwing observer changes nothing', async () => {
    const t = fakeTime();
    const claimer = new Claimer({
      provider: new ScriptedProvider([new TypeError('boom')]),
      vip: VIP_CFG,
      clock: t.clock,
      sleep: t.sleep,
      events: () => {
        throw new Error('observer bug');
      },
    });
    expect(await claimer.claim()).toMatchObject({ status: 'failed', error: { code: 'INTERNAL' } });
  });

  it('stops after maxRetries (cloud_provider retries) when one is set', async () => {
    const { claimer, provider } = driver([e503()], { policy: { maxRetries: 3 } });
    expect(await claimer.claim()).toMatchObject({ status: 'failed', attempts: 4, error: { code: 'APIGW.0503' } });
    expect(provider.calls).toHaveLength(4);
  });

  it('stops after maxElapsedMs when one is set', async () => {
    const { claimer } = driver([e503()], { policy: { maxElapsedMs: 1000 } });
    const out = await claimer.claim();
    expect(out.status).toBe('failed');
    expect(out.attempts).toBeGreaterThan(3);
  });
});

describe('claim driver: cancellation and state changes', () => {
  it('a newer claim cancels the one in flight, and starts after it settled', async () => {
    const { claimer, provider, events } = driver(['hang', 'ok']);
    const first = claimer.claim();
    await Promise.resolve();
    expect(claimer.busy).toBe('claim');
    const second = claimer.claim();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({ status: 'cancelled', reason: 'superseded by a newer claim' });
    expect(b).toMatchObject({ status: 'succeeded' });
    expect(b.claimId).toBeGreaterThan(a.claimId);
    expect(provider.calls.map((c) => c.op)).toEqual(['claim', 'claim']);
    expect(events.map((e) => e.type)).toEqual(['claim_attempt', 'claim_cancelled', 'claim_attempt', 'claim_success']);
    expect(claimer.busy).toBeUndefined();
  });

  it('leaving MASTER cancels; release_on_backup then releases', async () => {
    const plain = driver(['hang']);
    const p1 = plain.claimer.onStateChange('MASTER')!;
    expect(plain.claimer.onStateChange('BACKUP')).toBeUndefined();
    expect(await p1).toMatchObject({ status: 'cancelled', reason: 'state BACKUP' });

    const rel = driver(['hang', 'ok'], { vip: { releaseOnBackup: true } });
    const c = rel.claimer.onStateChange('MASTER')!;
    const r = rel.claimer.onStateChange('FAULT')!;
    expect(await c).toMatchObject({ status: 'cancelled' });
    expect(await r).toMatchObject({ status: 'succeeded', operation: 'release' });
    expect(rel.provider.calls.map((x) => x.op)).toEqual(['claim', 'release']);
    // Nothing to release twice, nor before any claim.
    expect(rel.claimer.onStateChange('BACKUP')).toBeUndefined();
    expect(driver(['ok'], { vip: { releaseOnBackup: true } }).claimer.onStateChange('BACKUP')).toBeUndefined();
  });

  it('cancellation interrupts a backoff sleep promptly (real timers)', async () => {
    const claimer = new Claimer({
      provider: new ScriptedProvider([e503()]),
      vip: VIP_CFG,
      policy: { baseMs: 60_000, capMs: 60_000 },
      random: () => 1,
      events: capture.sink,
    });
    const started = performance.now();
    const out = claimer.claim();
    setTimeout(() => claimer.cancel('test'), 50);
    expect(await out).toMatchObject({ status: 'cancelled', reason: 'test' });
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('claim driver against the simulator', () => {
  async function setup(vipPairs = [IP_B]) {
    const sim = await startSim(world({ vipPairs }), { seed: 42 });
    sims.push(sim);
    const provider = new HuaweiCloudProvider({
      config: { name: 'hw', type: 'huaweicloud', endpoint: sim.url, metadataUrl: `${sim.url}/_instance/${SRV_A}`, requestTimeoutMs: 250 },
      env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK },
      events: capture.sink,
    });
    objects.push(provider);
    const events: ClaimEvent[] = [];
    const claimer = new Claimer({
      provider,
      vip: { ...VIP_CFG, provider: 'hw', releaseOnBackup: true },
      policy: { baseMs: 20, capMs: 200 },
      events: (e) => {
        capture.sink(e);
        if (e.type.startsWith('claim_')) events.push(e as ClaimEvent);
      },
    });
    return { sim, claimer, events };
  }
  const pairs = (sim: CloudSim) => (sim.state.getPort(PORT_VIP)!.allowed_address_pairs ?? []).map((p) => p.ip_address);

  it('converges with 50% injected 5xx and 2 s hangs', async () => {
    const { sim, claimer, events } = await setup();
    sim.setFaults([{ api: 'vpc', errorRate: 0.5, errorStatus: 503 }, { api: 'vpc', hangRate: 0.2, hangMs: 2000 }, { api: 'metadata', errorRate: 0.5, errorStatus: 500 }]);
    const out = await claimer.claim();
    capture.add(out);
    expect(out.status).toBe('succeeded');
    expect(out.attempts).toBeGreaterThan(1);
    expect(pairs(sim)).toEqual([IP_A]);
    const codes = new Set(events.filter((e) => e.type === 'claim_failure').map((e) => (e as { code: string }).code));
    expect(codes.has('APIGW.0503') || codes.has('HTTP_500')).toBe(true);
    const log = sim.log.all();
    expect(log.some((e) => e.status === 503)).toBe(true);
    expect(log.some((e) => e.faults.includes('hang-before'))).toBe(true);
  });

  it('retries a lost write until the read-back confirms it', async () => {
    const { sim, claimer, events } = await setup();
    sim.setFaults([{ api: 'vpc', ignoreWrites: true, count: 2 }]);
    const out = await claimer.claim();
    expect(out).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(events.filter((e) => e.type === 'claim_failure').map((e) => (e as { code: string }).code)).toEqual(['VERIFY_MISMATCH', 'VERIFY_MISMATCH']);
    expect(pairs(sim)).toEqual([IP_A]);
  });

  it('honours Retry-After from a 429 on the wire', async () => {
    const { sim, claimer } = await setup();
    await claimer.claim(); // discovery done, VIP claimed
    sim.state.setPairs(PORT_VIP, [{ ip_address: IP_B }]);
    sim.log.clear();
    sim.setFaults([{ api: 'vpc', throttleRate: 1, retryAfterSeconds: 1, count: 1 }]);
    const out = await claimer.claim();
    expect(out).toMatchObject({ status: 'succeeded', attempts: 2 });
    const vpc = sim.log.all().filter((e) => e.api === 'vpc');
    expect(vpc[0]!.status).toBe(429);
    expect(vpc[1]!.at - vpc[0]!.doneAt!).toBeGreaterThanOrEqual(950);
    expect(pairs(sim)).toEqual([IP_A]);
  });

  it('a newer claim cancels one stuck on a hung request; leaving MASTER releases', async () => {
    const { sim, claimer } = await setup();
    await claimer.claim();
    sim.state.setPairs(PORT_VIP, [{ ip_address: IP_B }]);
    sim.setFaults([{ api: 'vpc', hangRate: 1, count: 1 }]);
    const stuck = claimer.claim();
    // Wait until the request is hanging in the simulator, then supersede the claim.
    for (let i = 0; i < 200 && !sim.log.all().some((e) => e.faults.includes('hang-before')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(sim.log.all().some((e) => e.faults.includes('hang-before') && e.doneAt === undefined)).toBe(true);
    const fresh = claimer.claim();
    expect(await stuck).toMatchObject({ status: 'cancelled' });
    expect(await fresh).toMatchObject({ status: 'succeeded' });
    expect(pairs(sim)).toEqual([IP_A]);
    const rel = claimer.onStateChange('BACKUP');
    expect(await rel).toMatchObject({ status: 'succeeded', operation: 'release' });
    expect(pairs(sim)).toEqual([]);
  });
});
