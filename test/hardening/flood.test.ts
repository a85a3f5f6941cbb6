/**
 * A live flood of hostile VRRP packets (issue 9). In a namespace lab:
 *
 *   kv  keepvip, MASTER of VI_1 (VRRPv3, advert_int 0.2 s, VRID 51) and VI_2 (VRRPv2,
 *       advert_int 1 s, PASS auth, VRID 52), human console logging on (-l);
 *   ka  keepalived 2.2.7, BACKUP of both (lower priority): the referee, it takes over the
 *       moment kv's adverts stop reaching it for Master_Down_Interval;
 *   x   the attacker: test/hardening/flood-sender.ts at ~10k packets/s for 30 s, every
 *       kind of broken advert (model.ts), multicast and unicast, at both instances.
 *
 * The bridge ports of ka and x are isolated (`bridge link set ... isolated on`): x reaches
 * kv only, so the flood tests keepvip and the referee judges kv's adverts alone (keepalived
 * 2.2.7 with console logging was measured here to flip a BACKUP to MASTER under 2k invalid
 * packets/s; keepvip must not).
 *
 * Asserted: kv stays MASTER and ka BACKUP throughout, a capture of every advert but the
 * attacker's (FilteredCapture: the full one cannot keep up here) shows no other master;
 * kv's advert cadence holds (p99 jitter of inter-advert gaps < 5 ms); its memory stays flat;
 * its drop counters (`keepvip status --json`) match, per instance and reason, what x sent:
 * version nibbles other than 2/3 (and empty payloads) never reach userspace (the socket's
 * BPF filter), unknown VRIDs and 1-byte runts are counted globally (status daemon.globalDrops),
 * random bytes are counted where their VRID sends them. FLOOD_MS / FLOOD_RATE override the
 * 30 s / 10k per second.
 *
 * kv runs with SCHED_RR priority 10 on all its threads (keepalived's vrrp_rt_priority; for
 * keepvip, systemd CPUSchedulingPolicy=rr): measured here, at normal priority on a loaded
 * two-core machine, a flooded daemon's adverts came up to 44 ms late (waiting for CPU, and
 * scavenges waiting 35-200 ms for V8's parallel GC helper threads). FLOOD_SCHED=other
 * runs it at normal priority to see that.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { DropReason } from '../../src/core/codec/errors.js';
import type { StatusSnapshot } from '../../src/ops/status.js';
import { skipReason } from '../helpers/netns.js';
import { KEEPVIP_CLI, REPO_ROOT, VrrpLab, waitFor } from '../helpers/vrrp-lab.js';
import type { FloodReport, SenderSpec } from './flood-sender.js';
import {
  cpuMs,
  dropDelta,
  FilteredCapture,
  modelOf,
  percentile,
  rawSocketDrops,
  renderInstances,
  rssKb,
  SENDER,
  type DropCounts,
  type LabInstance,
} from './lab.js';
import { MUTATION_KINDS } from './model.js';

const reason = skipReason('keepalived', 'tcpdump');
const FLOOD_MS = Number(process.env.FLOOD_MS ?? 30_000);
const RATE = Number(process.env.FLOOD_RATE ?? 10_000);
const SCHED = process.env.FLOOD_SCHED ?? 'rr';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const INSTANCES: LabInstance[] = [
  { name: 'VI_1', vrid: 51, version: 3, advertInt: 0.2, vip: '192.0.2.100' },
  { name: 'VI_2', vrid: 52, version: 2, advertInt: 1, vip: '192.0.2.101', password: 's3cr3t' },
];

/** `keepvip status --json --socket PATH`, as an operator would run it. */
function statusCli(socket: string): StatusSnapshot {
  const out = execFileSync('node', ['--import', 'tsx', KEEPVIP_CLI, 'status', '--json', '--socket', socket], { cwd: REPO_ROOT, encoding: 'utf8' });
  return JSON.parse(out) as StatusSnapshot;
}

function dropsOf(s: StatusSnapshot): DropCounts {
  const d: DropCounts = { '-': { ...(s.daemon.globalDrops ?? {}) } };
  for (const i of s.instances) d[i.name] = { ...i.stats.drops };
  return d;
}

const sum = (r: Partial<Record<string, number>> | undefined) => Object.values(r ?? {}).reduce<number>((a, b) => a + (b ?? 0), 0);

describe.skipIf(!!reason)(`a keepvip MASTER under a flood of hostile packets${reason ? ` (${reason})` : ''}`, () => {
  let vl: VrrpLab | undefined;
  afterAll(async () => {
    await vl?.close();
  });

  it(`stays MASTER, keeps its cadence and memory, and counts every drop (${RATE}/s for ${FLOOD_MS / 1000} s)`, async () => {
    // The harness's full capture cannot keep up with the flood here: a filtered one (lab.ts)
    // records every advert except the attacker's.
    vl = await VrrpLab.create({ nodes: ['kv', 'ka', 'x'], forwarding: false, capture: false });
    const lab = vl.lab;
    for (const n of ['ka', 'x']) lab.exec(lab.switchNs, ['bridge', 'link', 'set', 'dev', lab.portOf(n), 'isolated', 'on']);
    const kvIp = vl.node('kv').ipv4;
    const kaIp = vl.node('ka').ipv4;
    const xIp = vl.node('x').ipv4;
    const socket = vl.controlSocket('kv');
    const cap = await FilteredCapture.start(vl, `(ip proto 112) and not (ip src ${xIp})`);

    const kv = await vl.start('kv', 'keepvip', renderInstances('kv', 200, INSTANCES, socket), { humanLogs: true, waitInstance: null });
    const ka = await vl.start('ka', 'keepalived', renderInstances('ka', 100, INSTANCES), { waitInstance: null });
    await waitFor(() => kv.state('VI_1') === 'MASTER' && kv.state('VI_2') === 'MASTER', 20_000, 'kv MASTER of both instances', {
      explain: () => vl!.explain(),
    });
    await waitFor(() => ka.state('VI_1') === 'BACKUP' && ka.state('VI_2') === 'BACKUP', 20_000, 'ka BACKUP of both', { explain: () => ka.output() });
    // The isolation holds (x cannot reach ka), and x knows kv's MAC before the unicast part of the flood.
    expect(lab.tryExec(vl.node('x').ns, ['ping', '-c', '1', '-W', '1', kaIp]).status).not.toBe(0);
    lab.exec(vl.node('x').ns, ['ping', '-c', '1', '-W', '2', kvIp]);
    await sleep(1500);

    const pid = kv.pid!;
    // Real-time scheduling for every thread of the daemon, as keepalived's vrrp_rt_priority
    // or systemd's CPUSchedulingPolicy=rr give it: on a loaded two-core machine a daemon at
    // normal priority that is busy with a flood waits for CPU (and V8's parallel GC waits for
    // its helper threads) for tens of ms. FLOOD_SCHED=other runs it without.
    if (SCHED !== 'other') lab.exec(vl.node('kv').ns, ['chrt', '-a', '-r', '-p', '10', String(pid)]);
    const statesBefore = { kv: kv.states.length, ka: ka.states.length };
    const s0 = statusCli(socket);
    const raw0 = rawSocketDrops(vl, 'kv');
    const rss0 = rssKb(pid);
    const cpu0 = cpuMs(pid);
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssKb(pid)), 1000);

    const spec: SenderSpec = {
      ifname: 'eth0',
      src: xIp,
      targets: INSTANCES.map((i) => ({ inst: modelOf(i, kvIp), usedVrids: INSTANCES.map((j) => j.vrid) })),
      kinds: MUTATION_KINDS.filter((k) => k !== 'valid'),
      rate: RATE,
      durationMs: FLOOD_MS,
      wrongTtls: [254, 1, 64],
      seed: 0x9e3779b1,
    };
    let report: FloodReport;
    try {
      const out = await vl.runScript('x', SENDER, [JSON.stringify(spec)], FLOOD_MS + 60_000);
      report = JSON.parse(out.trim().split('\n').at(-1)!) as FloodReport;
    } finally {
      clearInterval(sampler);
    }
    await sleep(1000);
    const s1 = statusCli(socket);
    const raw1 = rawSocketDrops(vl, 'kv');
    const rss1 = rssKb(pid);
    const cpu1 = cpuMs(pid);
    const t0 = report.startedAt;
    const t1 = t0 + report.elapsedMs;

    // ---- what was sent, and where it must be counted
    const expected: DropCounts = {};
    const unknown: Record<string, number> = {};
    for (const [key, n] of Object.entries(report.byExpectation)) {
      if (key === 'kernel') continue;
      const [scope, r] = key.split(':') as [string, string];
      if (r === '?') unknown[scope] = (unknown[scope] ?? 0) + n;
      else (expected[scope] ??= {})[r as DropReason] = ((expected[scope] ?? {})[r as DropReason] ?? 0) + n;
    }
    const delta = dropDelta(dropsOf(s0), dropsOf(s1));
    const overflow = raw1 - raw0;
    const toUserspace = report.sent - (report.byExpectation.kernel ?? 0);
    const counted = Object.values(delta).reduce((a, r) => a + sum(r), 0);

    // ---- jitter of kv's adverts while the flood ran
    const jitter = (vrid: number, intervalMs: number) => {
      const ts = cap.where({ vrid, src: kvIp, after: t0, before: t1 }).map((a) => a.t);
      const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
      const dev = gaps.map((g) => Math.abs(g - intervalMs));
      const late = gaps.flatMap((g, i) => (Math.abs(g - intervalMs) >= 5 ? [`${(ts[i]! - t0).toFixed(0)}ms+${g.toFixed(1)}`] : []));
      return { adverts: ts.length, p50: percentile(dev, 50), p99: percentile(dev, 99), max: Math.max(...dev), late };
    };
    const j1 = jitter(51, 200);
    const j2 = jitter(52, 1000);
    const dropLines = kv.lines.filter((l) => /advertisement dropped|drops suppressed/.test(l)).length;

    console.log(
      [
        `flood (kv scheduling ${SCHED === 'other' ? 'SCHED_OTHER' : 'SCHED_RR 10'}): ${report.sent} packets in ${(report.elapsedMs / 1000).toFixed(1)} s (${Math.round((report.sent * 1000) / report.elapsedMs)}/s), ${report.failed} failed sends${report.firstError ? ` (${report.firstError})` : ''}`,
        `  by kind: ${JSON.stringify(report.byKind)}`,
        `  kernel-filtered (version nibble not 2/3, empty): ${report.byExpectation.kernel ?? 0}; to userspace: ${toUserspace}; counted: ${counted}; receive-queue overflow: ${overflow}`,
        `  expected: ${JSON.stringify(expected)} + random bytes ${JSON.stringify(unknown)}`,
        `  counted:  ${JSON.stringify(delta)}`,
        `  advertRcvd delta: ${JSON.stringify(Object.fromEntries(s1.instances.map((i, n) => [i.name, i.stats.advertRcvd - s0.instances[n]!.stats.advertRcvd])))}`,
        `  jitter VI_1 (0.2 s): ${j1.adverts} adverts, p50 ${j1.p50.toFixed(2)} ms, p99 ${j1.p99.toFixed(2)} ms, max ${j1.max.toFixed(2)} ms ${j1.late.join(' ')}`,
        `  jitter VI_2 (1 s):   ${j2.adverts} adverts, p50 ${j2.p50.toFixed(2)} ms, p99 ${j2.p99.toFixed(2)} ms, max ${j2.max.toFixed(2)} ms ${j2.late.join(' ')}`,
        `  kv CPU: ${cpu1 - cpu0} ms for ${report.sent} packets (${(((cpu1 - cpu0) * 1000) / report.sent).toFixed(1)} us/packet, ${(((cpu1 - cpu0) / report.elapsedMs) * 100).toFixed(0)}% of a core)`,
        `  RSS kB: before ${rss0}, during ${rss.join(' ')}, after ${rss1} (delta ${rss1 - rss0})`,
        `  console drop-log lines: ${dropLines}`,
      ].join('\n'),
    );

    // ---- the flood really happened
    expect(report.sent).toBeGreaterThan(0.8 * RATE * (FLOOD_MS / 1000));
    expect(report.byExpectation.accept ?? 0).toBe(0);

    // ---- nobody else became master
    expect(kv.states.slice(statesBefore.kv), kv.output()).toEqual([]);
    expect(ka.states.slice(statesBefore.ka), ka.output()).toEqual([]);
    expect(kv.state('VI_1')).toBe('MASTER');
    expect(kv.state('VI_2')).toBe('MASTER');
    expect(ka.state('VI_1')).toBe('BACKUP');
    expect(ka.state('VI_2')).toBe('BACKUP');
    for (const vrid of [51, 52]) {
      const others = cap.where({ vrid, after: t0 - 2000 }).filter((a) => a.src !== kvIp && a.priority > 0);
      expect(others, `adverts for VRID ${vrid} from another node`).toEqual([]);
    }
    expect(vl.vipHolders('192.0.2.100')).toEqual(['kv']);
    expect(vl.vipHolders('192.0.2.101')).toEqual(['kv']);
    expect(s1.instances.map((i) => i.stats.advertRcvd)).toEqual(s0.instances.map((i) => i.stats.advertRcvd));

    // ---- cadence: every advert on time
    expect(j1.adverts).toBeGreaterThan(0.95 * (report.elapsedMs / 200) - 2);
    expect(j2.adverts).toBeGreaterThan(0.95 * (report.elapsedMs / 1000) - 2);
    expect(j1.p99).toBeLessThan(5);
    expect(j2.p99).toBeLessThan(5);

    // ---- memory: flat (no growth with the number of packets; V8 settles within a few MB)
    expect(rss1 - rss0).toBeLessThan(48 * 1024);
    const mid = rss[Math.floor(rss.length / 3)] ?? rss0;
    expect(rss1 - mid).toBeLessThan(24 * 1024);

    // ---- the counters: every packet that reached userspace counted once, where the catalogue says
    expect(toUserspace - counted).toBe(overflow);
    for (const scope of new Set([...Object.keys(expected), ...Object.keys(delta), ...Object.keys(unknown)])) {
      const want = expected[scope] ?? {};
      const got = delta[scope] ?? {};
      if (overflow === 0) expect(sum(got), `total drops for ${scope}`).toBe(sum(want) + (unknown[scope] ?? 0));
      for (const r of Object.keys({ ...want, ...got }) as DropReason[]) {
        const w = want[r] ?? 0;
        const g = got[r] ?? 0;
        // Random bytes add to some reasons; a full receive queue can only take away.
        expect(g, `${scope} ${r}`).toBeLessThanOrEqual(w + (unknown[scope] ?? 0));
        expect(g, `${scope} ${r}`).toBeGreaterThanOrEqual(w - overflow);
      }
    }
    // The console log stayed rate limited: one line per (instance, reason) per 10 s.
    expect(dropLines).toBeLessThan(3 * 15 * (Math.ceil(FLOOD_MS / 10_000) + 2));
  }, FLOOD_MS + 120_000);
});
