/**
 * Cloud VIP claiming across real failovers: two keepvip nodes in namespaces (VRRPv3,
 * advert_int 0.2 s) and the cloud simulator on the lab switch (Huawei VPC API, ECS
 * metadata told apart by source address). Node a authenticates with a credentials file,
 * node b with the metadata security key (ECS agency).
 *
 *  1. SIGKILL of the master, with a simulated VPC API latency of CLAIM_API_LATENCY_MS on
 *     every request: each new master's claim lands (the VIP port's allowed_address_pairs
 *     name its NIC) within the API latency plus 50 ms of the transition (its first advert
 *     on the wire), i.e. latency x CLAIM_SEQUENTIAL_REQUESTS + 50 ms, for a failover, the
 *     failback when the old master returns and preempts, and another failover; the claim
 *     is the read and the write only, the discovery having been done ahead.
 *  2. Half the cloud requests answered 503 and some held back 2 s: failover and failback
 *     still converge, and no late write of the demoted node undoes the failback.
 *  3. A flapping master (SIGSTOP/SIGCONT, link down/up, several rounds): once settled, the
 *     cloud names the MASTER, never a BACKUP.
 *  4. `keepvip cloud status` inside a node prints the VIP port and holders and whether the
 *     cloud agrees with that node's VRRP state (asked through its control socket).
 *  5. Nothing either daemon or `keepvip cloud status` printed holds the AK, the SK, or any
 *     key or token the simulator issued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import { DEFAULT_VRID, vipAddress, waitFor, type VrrpDaemon } from '../helpers/vrrp-lab.js';
import { CLOUD_MODE, CloudLab, EIP, lastMasterTime, VIP_PORT, waitState } from './helpers-cloud.js';

const reason = skipReason('tcpdump');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Simulated latency of every VPC API request (added by the simulator before it handles the
 * request), during the failover measurements.
 */
const CLAIM_API_LATENCY_MS = 100;
/**
 * Requests a failover's claim makes one after the other up to and including the one that
 * applies the new pairs: GET /v2.0/ports/{vip_port_id} (read the current pairs), then
 * PUT /v2.0/ports/{vip_port_id} (the write; the read-back comes after it). Discovery was
 * done before the transition (asserted below).
 */
const CLAIM_SEQUENTIAL_REQUESTS = 2;
/** The proof's allowance over the API latency: the claim lands within latency + 50 ms. */
const CLAIM_OVERHEAD_MS = 50;
/**
 * The bound each claim must meet, from the new master's first advert to the PUT applied
 * (answered) by the cloud: latency per request x sequential requests before the PUT is
 * applied + 50 ms = 100 x 2 + 50 = 250 ms.
 */
const CLAIM_LAND_BOUND_MS = CLAIM_API_LATENCY_MS * CLAIM_SEQUENTIAL_REQUESTS + CLAIM_OVERHEAD_MS;
/** Convergence bound under injected faults (backoff with full jitter, 250 ms doubling). */
const FAULTY_BOUND_MS = 60_000;

describe.skipIf(!!reason)('cloud VIP claims across VRRP failover (namespaces + simulator)', () => {
  let cl: CloudLab;
  /** Output of every `keepvip cloud status` run, checked for secrets at the end. */
  const statusOutputs: string[] = [];
  const ipA = () => cl.node('a').ipv4;
  const ipB = () => cl.node('b').ipv4;
  const explainAfter = (after: number) => () => cl.vl.explain(after);

  beforeAll(async () => {
    cl = await CloudLab.create({ nodes: ['a', 'b'], nodeOptions: { b: { credentials: 'agency' } } });
  });

  afterAll(async () => {
    await cl?.close();
  });

  async function startNode(name: 'a' | 'b'): Promise<VrrpDaemon> {
    cl.flushAddress(name, CLOUD_MODE.vip);
    return cl.vl.start(name, 'keepvip', cl.config(name, { priority: name === 'a' ? 150 : 100 }));
  }

  /** Fresh daemons: a MASTER (priority 150), b BACKUP (100), the cloud naming a, both discovered. */
  async function freshPair(): Promise<{ a: VrrpDaemon; b: VrrpDaemon }> {
    await cl.clearFaults();
    for (const name of ['a', 'b'] as const) {
      cl.vl.setLink(name, true);
      const d = cl.vl.daemons.get(name);
      if (d?.running) {
        try {
          process.kill(d.pid!, 'SIGCONT');
        } catch {
          /* gone */
        }
        await cl.vl.terminate(name);
      }
    }
    const a = await startNode('a');
    const b = await startNode('b');
    await waitState(a, 'MASTER', 5000, () => cl.vl.explain());
    await waitState(b, 'BACKUP', 5000, () => cl.vl.explain());
    await cl.waitHolder('a', 5000);
    await cl.waitPrepared('b');
    return { a, b };
  }

  /** Measure one claim: from `to`'s first advert after `after` to its PUT on the VIP port. */
  async function measureClaim(from: 'a' | 'b', to: 'a' | 'b', after: number) {
    const f = await waitFor(
      () => cl.vl.capture.failover({ vrid: DEFAULT_VRID, from: cl.node(from).ipv4, to: cl.node(to).ipv4, after }),
      3000,
      `${to}'s first advert`,
    );
    const entries = await cl.log();
    const { firstRequest, put } = cl.claimTimes(entries, to, f.firstNew - 5);
    const log = CloudLab.describeLog(entries, after);
    expect(firstRequest, log).toBeDefined();
    expect(put, log).toBeDefined();
    const requests = entries.filter((e) => e.remoteAddress?.endsWith(cl.node(to).ipv4) && e.at > f.firstNew - 5 && e.at <= put!.doneAt!);
    const stateLog = lastMasterTime(cl.vl.daemon(to));
    return {
      vrrpGapMs: f.gapMs,
      onWireMs: firstRequest!.at - f.firstNew,
      putArrivedMs: put!.at - f.firstNew,
      landedMs: put!.doneAt! - f.firstNew,
      stateLogMs: stateLog === undefined ? NaN : stateLog - f.firstNew,
      requests: requests.map((e) => `${e.method} ${e.path}`),
      labels: requests.map((e) => e.faults),
      log,
    };
  }

  it(`SIGKILL of the master, VPC API latency ${CLAIM_API_LATENCY_MS} ms: each new master holds the VIP in the cloud within ${CLAIM_SEQUENTIAL_REQUESTS} x latency + 50 ms of its first advert (failover, failback, failover)`, async () => {
    const { b } = await freshPair();
    // From now on every VPC API request waits CLAIM_API_LATENCY_MS in the simulator before
    // it is handled (the restarted node's discovery too).
    await cl.setFaults([{ api: 'vpc', latencyMs: CLAIM_API_LATENCY_MS }]);
    // The BACKUP only read (discovery ahead of the first claim); it never wrote.
    const before = await cl.log();
    const bRequests = before.filter((e) => e.remoteAddress?.endsWith(ipB()));
    expect(bRequests.length).toBeGreaterThan(0);
    expect(bRequests.filter((e) => e.method === 'PUT' && e.api === 'vpc')).toEqual([]);

    const samples: Array<[string, Awaited<ReturnType<typeof measureClaim>>]> = [];
    const crash = async (what: string) => {
      const t0 = Date.now();
      await cl.vl.kill('a');
      await waitState(b, 'MASTER', 3000, explainAfter(t0));
      await cl.waitHolder('b', 3000, explainAfter(t0));
      samples.push([what, await measureClaim('a', 'b', t0)]);
      expect(await cl.vipPairs()).toEqual([ipB()]);
    };

    // Failover: a crashes.
    await crash('failover a->b (SIGKILL)');
    const done = await waitFor(() => b.events('cloud_claim_done').at(-1), 3000, 'cloud_claim_done on b');
    expect(done.operation).toBe('claim');

    // Failback: a returns (preempt) and claims back; b leaves MASTER.
    const t1 = Date.now();
    const a = await startNode('a');
    await waitState(a, 'MASTER', 5000, explainAfter(t1));
    await waitState(b, 'BACKUP', 3000, explainAfter(t1));
    await cl.waitHolder('a', 3000, explainAfter(t1));
    samples.push(['failback b->a (preempt)', await measureClaim('b', 'a', t1)]);

    // And a crashes again.
    await crash('failover a->b again (SIGKILL)');

    await cl.clearFaults();

    for (const [what, m] of samples) {
      console.log(
        `${what} (VPC API latency ${CLAIM_API_LATENCY_MS} ms): VRRP gap ${m.vrrpGapMs.toFixed(1)} ms; after the new master's first advert: instance_state logged ${m.stateLogMs.toFixed(0)} ms, ` +
          `first claim request +${m.onWireMs.toFixed(1)} ms, PUT arrived +${m.putArrivedMs.toFixed(1)} ms, ` +
          `claim landed (PUT applied and answered) +${m.landedMs.toFixed(1)} ms (bound ${CLAIM_LAND_BOUND_MS} ms); requests: ${m.requests.join(', ')}`,
      );
      // The claim starts with the transition (not before it).
      expect(m.onWireMs, m.log).toBeGreaterThan(-5);
      // Discovery was done ahead: up to the PUT, the claim made exactly the read and the
      // write, one after the other, each delayed by the injected latency.
      expect(m.requests, m.log).toEqual([`GET /v2.0/ports/${VIP_PORT}`, `PUT /v2.0/ports/${VIP_PORT}`]);
      expect(m.requests.length).toBe(CLAIM_SEQUENTIAL_REQUESTS);
      expect(m.labels, m.log).toEqual([['latency'], ['latency']]);
      // The latency really was in the path: two sequential delayed requests cannot land sooner.
      expect(m.landedMs, m.log).toBeGreaterThanOrEqual(CLAIM_API_LATENCY_MS * CLAIM_SEQUENTIAL_REQUESTS - 5);
      // The proof: latency x sequential requests + 50 ms of the transition, for each claim.
      expect(m.landedMs, m.log).toBeLessThan(CLAIM_LAND_BOUND_MS);
    }
  });

  it('with half the claim requests failing (503) and 2 s hangs, failover and failback still converge', { timeout: 2 * FAULTY_BOUND_MS + 30_000 }, async () => {
    const { b } = await freshPair();
    // The claim's own requests (read, write and read-back of the VIP port) fail half the
    // time, and a quarter of the rest are held back 2 s. Discovery (the NIC, the search for
    // the VIP port) is left alone so that the restarted node finds its ports: with every
    // request of a five-request discovery failing half the time, a claim takes minutes.
    // The first two requests are always refused and the third always held back, so every
    // phase goes through failures, retries and a hang whatever the random draws.
    // The always-failing rules name the node whose claim they are for: the other node's
    // verification reads of the same port must not use them up.
    const onVipPort = `/ports/${VIP_PORT}$`;
    const faults = (from: string) => [
      { api: 'vpc' as const, path: onVipPort, from, errorRate: 1, errorStatus: 503, count: 2 },
      { api: 'vpc' as const, path: onVipPort, from, hangRate: 1, hangMs: 2000, count: 1 },
      { api: 'vpc' as const, path: onVipPort, errorRate: 0.5, errorStatus: 503 },
      { api: 'vpc' as const, path: onVipPort, hangRate: 0.25, hangMs: 2000 },
    ];
    await cl.setFaults(faults(ipB()));
    const t0 = Date.now();
    await cl.vl.kill('a');
    await waitState(b, 'MASTER', 3000, explainAfter(t0));
    const heldB = await cl.waitHolder('b', FAULTY_BOUND_MS, explainAfter(t0));
    console.log(`failover under faults: cloud names b ${heldB - t0} ms after the kill`);
    // The port may name b before b's claim verified it (the read-back failed): let it finish.
    await waitFor(() => b.events('cloud_claim_done').length > 0, FAULTY_BOUND_MS, "b's claim to finish", { explain: explainAfter(t0) });

    const t1 = Date.now();
    await cl.setFaults(faults(ipA()));
    const a = await startNode('a');
    await waitState(a, 'MASTER', 5000, explainAfter(t1));
    await waitState(b, 'BACKUP', 3000, explainAfter(t1));
    const heldA = await cl.waitHolder('a', FAULTY_BOUND_MS, explainAfter(t1));
    console.log(`failback under faults: cloud names a ${heldA - t1} ms after its restart`);

    const entries = await cl.log();
    const faulted = entries.filter((e) => e.at > t0 && e.api !== 'admin');
    const labels = faulted.flatMap((e) => e.faults);
    console.log(`requests after the kill: ${faulted.length}; 503s ${labels.filter((l) => l === '503').length}, hangs ${labels.filter((l) => l.startsWith('hang')).length}`);
    // The faults really hit the claims.
    expect(labels.filter((l) => l === '503').length).toBeGreaterThanOrEqual(4);
    expect(labels.filter((l) => l.startsWith('hang')).length).toBeGreaterThanOrEqual(2);
    expect(b.events('cloud_claim_failed').filter((e) => e.status === 503).length).toBeGreaterThanOrEqual(2);
    expect(a.events('cloud_claim_failed').filter((e) => e.status === 503).length).toBeGreaterThanOrEqual(2);
    console.log(`claim attempts under faults: b ${b.events('cloud_claim_started').length}, a ${a.events('cloud_claim_started').length}`);

    // Settled: nothing b still had in flight undoes the failback.
    await cl.clearFaults();
    await sleep(2500);
    expect(await cl.vipPairs()).toEqual([ipA()]);
    expect(a.state()).toBe('MASTER');
    expect(b.state()).toBe('BACKUP');
  });

  it('a flapping master (SIGSTOP/SIGCONT, link down/up) never leaves the cloud naming a BACKUP once settled', { timeout: 90_000 }, async () => {
    const { a, b } = await freshPair();
    const rounds: Array<{ kind: 'stop' | 'link'; downMs: number; latencyMs: number }> = [
      { kind: 'stop', downMs: 1500, latencyMs: 0 },
      { kind: 'link', downMs: 1500, latencyMs: 0 },
      { kind: 'stop', downMs: 0, latencyMs: 0 },
      { kind: 'link', downMs: 0, latencyMs: 0 },
      { kind: 'stop', downMs: 0, latencyMs: 150 },
      { kind: 'link', downMs: 100, latencyMs: 150 },
      { kind: 'stop', downMs: 1000, latencyMs: 150 },
    ];
    const results: string[] = [];
    let roundsWhereBClaimed = 0;
    for (const [i, r] of rounds.entries()) {
      await cl.setFaults(r.latencyMs ? [{ api: 'vpc', latencyMs: r.latencyMs }] : []);
      const t = Date.now();
      if (r.kind === 'stop') process.kill(a.pid!, 'SIGSTOP');
      else cl.vl.setLink('a', false);
      // b takes over (a stopped: its adverts stop; a's link down: a goes FAULT or is unheard).
      await waitState(b, 'MASTER', 3000, explainAfter(t));
      if (r.downMs) await sleep(r.downMs);
      if (r.kind === 'stop') process.kill(a.pid!, 'SIGCONT');
      else cl.vl.setLink('a', true);
      // Settle: a (higher priority, preempting) is MASTER again, b BACKUP.
      await waitState(a, 'MASTER', 5000, explainAfter(t));
      await waitState(b, 'BACKUP', 5000, explainAfter(t));
      await waitFor(() => cl.vl.capture.activeSources(DEFAULT_VRID, 1000).length === 1, 5000, 'a single master on the wire', { explain: explainAfter(t) });
      const holderAt = await cl.waitHolder('a', 5000, async () => `${cl.vl.explain(t)}\n${CloudLab.describeLog(await cl.log(), t)}`);
      // And it stays so: no late write of b's undoes it.
      await sleep(r.latencyMs ? 800 : 400);
      expect(await cl.vipPairs(), `round ${i} (${r.kind}, down ${r.downMs} ms, latency ${r.latencyMs} ms)`).toEqual([ipA()]);
      const bWrote = (await cl.log()).some((e) => e.at > t && e.remoteAddress?.endsWith(ipB()) && e.method === 'PUT' && e.status === 200);
      if (bWrote) roundsWhereBClaimed++;
      results.push(`${r.kind}/${r.downMs}ms/lat ${r.latencyMs}: b wrote the VIP port: ${bWrote ? 'yes' : 'no'}; cloud back on a ${holderAt - t} ms after the fault began`);
    }
    console.log(`flapping rounds:\n  ${results.join('\n  ')}`);
    // The rounds did move the VIP to b in the cloud (so a had to take it back).
    expect(roundsWhereBClaimed).toBeGreaterThanOrEqual(3);
    await cl.clearFaults();
  });

  it('keepvip cloud status in a node prints the VIP port, the holders and whether they match its VRRP state', async () => {
    const { a, b } = await freshPair();
    const sa = cl.cloudStatus('a', a);
    statusOutputs.push(sa.stdout, sa.stderr);
    expect(sa.status, sa.stderr).toBe(0);
    expect(sa.stdout).toContain(VIP_PORT);
    expect(sa.stdout).toContain(vipAddress(CLOUD_MODE));
    expect(sa.stdout).toContain(`holders: ${ipA()} (this node)`);
    expect(sa.stdout).toContain('held by this node: yes');
    expect(sa.stdout).toContain('VRRP MASTER: consistent');
    expect(sa.stdout).toContain(EIP);

    const sb = cl.cloudStatus('b', b);
    statusOutputs.push(sb.stdout, sb.stderr);
    expect(sb.status, sb.stderr).toBe(0);
    expect(sb.stdout).toContain(`holders: ${ipA()}`);
    expect(sb.stdout).not.toContain('(this node)');
    expect(sb.stdout).toContain('held by this node: no');
    expect(sb.stdout).toContain('VRRP BACKUP: consistent');

    const json = cl.cloudStatus('b', b, true);
    statusOutputs.push(json.stdout, json.stderr);
    const parsed = JSON.parse(json.stdout) as Array<{ vipPortId: string; vrrpState: string; heldByThisNode: boolean; holders: Array<{ ip: string }> }>;
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ vipPortId: VIP_PORT, vrrpState: 'BACKUP', heldByThisNode: false });
    expect(parsed[0]!.holders.map((h) => h.ip)).toEqual([ipA()]);

    // Inconsistent: b is MASTER but every write fails (403, not retried), so the cloud still names a.
    await cl.setFaults([{ api: 'vpc', method: 'PUT', errorRate: 1, errorStatus: 403 }]);
    const t = Date.now();
    process.kill(a.pid!, 'SIGSTOP');
    try {
      await waitState(b, 'MASTER', 3000, explainAfter(t));
      await waitFor(() => b.events('cloud_claim_failed').some((e) => e.status === 403), 3000, 'b claim refused');
      const sc = cl.cloudStatus('b', b);
      statusOutputs.push(sc.stdout, sc.stderr);
      expect(sc.stdout).toContain(`holders: ${ipA()}`);
      expect(sc.stdout).toContain('held by this node: no');
      expect(sc.stdout).toContain('VRRP MASTER: INCONSISTENT');
    } finally {
      await cl.clearFaults();
      process.kill(a.pid!, 'SIGCONT');
    }
    await waitState(b, 'BACKUP', 5000, explainAfter(t));
    await cl.waitHolder('a', 5000, explainAfter(t));
  });

  it('no log line and no status output holds the AK, the SK or any issued key or token', async () => {
    const secrets = await cl.allSecrets();
    // The configured AK/SK, plus what the simulator issued to b (security key, session tokens).
    expect(secrets.length).toBeGreaterThan(4);
    const text = `${cl.allOutput()}\n${statusOutputs.join('\n')}`;
    // Enough was captured for the check to mean something.
    expect(text).toContain('cloud_claim_done');
    expect(text).toContain('cloud_claim_failed');
    for (const s of secrets) expect(text.includes(s), `a secret (${s.length} chars) appears in the output`).toBe(false);
  });
});
