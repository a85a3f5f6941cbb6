/**
 * Cloud VIP claim latency across real failovers: two keepvip nodes in namespaces (VRRPv3,
 * advert_int 0.2 s, equal priority, nopreempt) and the cloud simulator on the lab switch
 * (test/integration/helpers-cloud.ts). Each round SIGKILLs the current master; the other
 * node takes over and claims the VIP; the killed node is restarted as BACKUP (and does
 * its discovery ahead of its next claim). Measured from the transition, taken as the new
 * master's first advert on the wire (kernel capture timestamp):
 *   - first API packet: the new master's first TCP segment to the API on the same
 *     capture (a SYN when it has no idle connection to reuse, else the request);
 *   - claim request on the wire: its first segment carrying request bytes (capture);
 *   - at the API handler: the simulator's log of that request (its own clock);
 *   - VIP claimed: the simulator answered the PUT that made the VIP port name the new
 *     master (the write is applied before the answer; the port is then read back through
 *     the simulator's admin API to confirm it);
 *   - claim verified: keepvip's own cloud_claim_done (read-back done), from its log.
 * at 0 ms and 100 ms of simulated latency on every VPC API request.
 *
 *   npx tsx bench/cloud.ts [failovers=10]      (root: network namespaces)
 */
import { CLOUD_MODE, CloudLab, SIM_PORT, percentile } from '../test/integration/helpers-cloud.js';
import { DEFAULT_VRID, waitFor, type VrrpDaemon } from '../test/helpers/vrrp-lab.js';
import { netnsUnavailable, hasBinary } from '../test/helpers/netns.js';

const N = Number(process.argv[2] ?? 10);
const LATENCIES = [0, 100];

interface Sample {
  latencyMs: number;
  /** First TCP segment of the new master to the API (SYN or request data), capture. */
  tcpMs: number;
  /** First segment carrying request bytes (the claim's first request), capture. */
  requestMs: number;
  /** The request reaching the simulator's handler (its log). */
  onWireMs: number;
  claimedMs: number;
  verifiedMs: number;
  stateLogMs: number;
  vrrpGapMs: number;
}

function row(name: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const f = (v: number) => v.toFixed(2).padStart(9);
  return `${name.padEnd(46)}${f(s[0]!)}${f(percentile(s, 50))}${f(percentile(s, 95))}${f(s.at(-1)!)}   (n=${s.length})`;
}

async function startNode(cl: CloudLab, name: string): Promise<VrrpDaemon> {
  cl.flushAddress(name, CLOUD_MODE.vip);
  const t = Date.now();
  const d = await cl.vl.start(name, 'keepvip', cl.config(name, { priority: 100, nopreempt: true }));
  await cl.waitPrepared(name, 10_000, t - 1);
  return d;
}

async function main(): Promise<void> {
  const why = netnsUnavailable() ?? (hasBinary('tcpdump') ? undefined : 'needs tcpdump');
  if (why) {
    console.error(`bench/cloud.ts: ${why}`);
    process.exit(2);
  }
  const cl = await CloudLab.create({ nodes: ['a', 'b'], captureApi: true });
  const samples: Sample[] = [];
  try {
    // a first (it becomes MASTER alone), then b as BACKUP.
    const a = await startNode(cl, 'a');
    await waitFor(() => a.state() === 'MASTER', 5000, 'a MASTER');
    await cl.waitHolder('a', 5000);
    await startNode(cl, 'b');
    let master = 'a';
    for (const latencyMs of LATENCIES) {
      await cl.setFaults(latencyMs ? [{ api: 'vpc', latencyMs }] : []);
      for (let i = 0; i < N; i++) {
        const next = master === 'a' ? 'b' : 'a';
        const nd = cl.vl.daemon(next);
        const doneBefore = nd.events('cloud_claim_done').length;
        const t0 = Date.now();
        await cl.vl.kill(master);
        await waitFor(() => nd.state() === 'MASTER', 5000, `${next} MASTER`, { explain: () => cl.vl.explain(t0) });
        await cl.waitHolder(next, 10_000, () => cl.vl.explain(t0));
        const done = await waitFor(() => nd.events('cloud_claim_done')[doneBefore], 10_000, `${next} cloud_claim_done`);
        const f = await waitFor(
          () => cl.vl.capture.failover({ vrid: DEFAULT_VRID, from: cl.node(master).ipv4, to: cl.node(next).ipv4, after: t0 }),
          3000,
          'failover on the wire',
        );
        const entries = await cl.log();
        const { firstRequest, put } = cl.claimTimes(entries, next, f.firstNew - 5);
        if (!firstRequest || !put) throw new Error(`round ${i}: no claim in the simulator log\n${CloudLab.describeLog(entries, t0)}`);
        const mine = cl.vl.capture.segments.filter((x) => x.src === cl.node(next).ipv4 && x.dstPort === SIM_PORT && x.t > f.firstNew - 5);
        const firstSeg = mine.find((x) => x.syn || x.payload > 0);
        const firstData = mine.find((x) => x.payload > 0);
        if (!firstSeg || !firstData) throw new Error(`round ${i}: no API traffic from ${next} on the capture`);
        const stateRec = nd.events('instance_state').filter((r) => r.to === 'MASTER').at(-1);
        const doneAt = Date.parse(String(done.time));
        samples.push({
          latencyMs,
          tcpMs: firstSeg.t - f.firstNew,
          requestMs: firstData.t - f.firstNew,
          onWireMs: firstRequest.at - f.firstNew,
          claimedMs: put.doneAt! - f.firstNew,
          verifiedMs: doneAt - f.firstNew,
          stateLogMs: Date.parse(String(stateRec?.time)) - f.firstNew,
          vrrpGapMs: f.gapMs,
        });
        process.stderr.write(
          `latency ${latencyMs} ms, failover ${i + 1}/${N} ${master}->${next}: request on the wire +${(firstData.t - f.firstNew).toFixed(2)} ms${firstSeg.syn ? ' (new connection)' : ''}, at the API +${(firstRequest.at - f.firstNew).toFixed(1)} ms, claimed +${(put.doneAt! - f.firstNew).toFixed(1)} ms\n`,
        );
        await startNode(cl, master);
        master = next;
      }
    }
  } finally {
    await cl.close();
  }

  console.log(`\nCloud VIP claim after a VRRP failover (SIGKILL of the master), ${N} failovers per latency`);
  console.log('times in ms from the new master\'s first advert on the wire (capture timestamp)\n');
  console.log(`${'metric'.padEnd(46)}${'min'.padStart(9)}${'median'.padStart(9)}${'p95'.padStart(9)}${'max'.padStart(9)}`);
  for (const latencyMs of LATENCIES) {
    const s = samples.filter((x) => x.latencyMs === latencyMs);
    console.log(`-- simulated VPC API latency ${latencyMs} ms per request`);
    console.log(row('first API packet on the wire (SYN or request)', s.map((x) => x.tcpMs)));
    console.log(row('claim request on the wire (first GET)', s.map((x) => x.requestMs)));
    console.log(row('claim request at the API handler (sim log)', s.map((x) => x.onWireMs)));
    console.log(row('claims on a new connection (count)', [s.filter((x) => x.tcpMs < x.requestMs).length]));
    console.log(row('VIP claimed in the simulator (PUT applied)', s.map((x) => x.claimedMs)));
    console.log(row('claim verified by keepvip (cloud_claim_done)', s.map((x) => x.verifiedMs)));
    console.log(row('MASTER logged (instance_state, ms clock)', s.map((x) => x.stateLogMs)));
    console.log(row('VRRP gap (old last advert -> new first)', s.map((x) => x.vrrpGapMs)));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
