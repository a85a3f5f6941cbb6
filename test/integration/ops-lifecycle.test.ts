/**
 * keepvip's operations life cycle against a keepalived 2.2.7 BACKUP, in a namespace lab
 * (VRRPv3, IPv4 multicast, advert_int 0.2 s): keepvip (priority 200) runs as MASTER with
 * sd_notify (NOTIFY_SOCKET, WATCHDOG_USEC), a metrics endpoint and its control socket;
 * keepalived (priority 100) watches as BACKUP. In order:
 *
 *   1. metrics scraped from inside the node match the state (state gauge, priorities,
 *      adverts sent against the capture, transitions counted);
 *   2. `keepvip status` / `status --json` match the daemon's real state;
 *   3. SIGHUP with the same file, then with one VIP added: nothing the peer can see
 *      changes (no priority-0 advert, no advert from the peer, no transition in its log),
 *      the new VIP appears and the old one is never deleted;
 *   4. SIGHUP with a broken file: the running configuration stays (still MASTER, adverts
 *      go on, reload_failed logged with its reason);
 *   5. SIGTERM: priority-0 handover to keepalived within its Skew_Time + 50 ms
 *      (RFC 9568 §6.4.3, "Master": Shutdown_Event), and exit 0 within 2 s;
 *   6. the sd_notify transcript: READY=1 with STATUS, STATUS on the transition, WATCHDOG=1
 *      every WatchdogSec/2, RELOADING=1 then READY=1 per reload, STOPPING=1 at the end;
 *   7. SIGINT (Ctrl-C in a foreground run) stops a second keepvip as gracefully as SIGTERM:
 *      one priority-0 advert, the VIP removed, keepalived takes over, exit 0 within 2 s.
 *
 * keepalived drops an advert whose address count differs from its own VIP count ("received
 * an unexpected ip number count"), so the peer runs with `skip_check_adv_addr`, which
 * skips that check for adverts from the master it already follows: the setting a
 * keepalived peer needs to let the master's VIP list change without a takeover.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusSnapshot } from '../../src/ops/status.js';
import { skipReason } from '../helpers/netns.js';
import { sampleValue, type Exposition } from '../ops/helpers/prom-text.js';
import {
  DEFAULT_VRID,
  masterDownIntervalMs,
  MODES,
  renderConfig,
  skewTimeMs,
  VrrpLab,
  waitFor,
  type VrrpDaemon,
} from '../helpers/vrrp-lab.js';
import {
  AddressMonitor,
  controlStatus,
  keepvipCli,
  makeOpsDir,
  maxGap,
  NotifyReceiver,
  removeOpsDir,
  scrapeMetrics,
  sleep,
  startKeepvip,
} from './helpers-ops.js';

const reason = skipReason('keepalived', 'tcpdump', 'python3', 'curl');

const MODE = MODES.v3;
const VRID = DEFAULT_VRID;
const HIGH = 200;
const LOW = 100;
const VIP = '192.0.2.100';
const VIP2 = '192.0.2.101';
const METRICS = '127.0.0.1:9650';
const WATCHDOG_USEC = 400_000;
/** The keepalived BACKUP's Master_Down_Interval: a longer silence would make it take over. */
const PEER_DOWN_MS = masterDownIntervalMs(3, LOW, MODE.advertInt);
/** How long to watch after a reload: longer than the peer's Master_Down_Interval. */
const QUIET_MS = Math.ceil(PEER_DOWN_MS) + 300;
/** RFC 9568 §6.4.2: a backup that hears priority 0 takes over after Skew_Time. */
const HANDOVER_BOUND_MS = skewTimeMs(3, LOW, MODE.advertInt) + 50;

describe.skipIf(!!reason)('keepvip operations: reload, SIGTERM, metrics, status, sd_notify (keepalived 2.2.7 peer)', () => {
  let vl: VrrpLab;
  let dir: string;
  let notify: NotifyReceiver;
  let monitor: AddressMonitor;
  let a: VrrpDaemon;
  let b: VrrpDaemon;
  let socket: string;
  let aSrc: string;
  let bSrc: string;
  let conf1: string;
  let conf2: string;
  let startedAt: number;
  const hups: number[] = [];
  let handover: { leave: number; firstNew: number; gapMs: number } | undefined;
  let exitMs: number | undefined;

  const explain = (after = 0) => () => `${vl.explain(after)}\n--- sd_notify ---\n${notify?.transcript() ?? ''}`;

  beforeAll(async () => {
    dir = makeOpsDir();
    vl = await VrrpLab.create({ nodes: ['a', 'b'] });
    aSrc = vl.srcOf('a', 4);
    bSrc = vl.srcOf('b', 4);
    socket = join(dir, 'a.sock');
    conf1 = renderConfig(MODE, { ...vl.peerView('a'), controlSocket: socket }, { priority: HIGH }).replace(
      'keepvip_defs {',
      `keepvip_defs {\n    metrics_listen ${METRICS}`,
    );
    conf2 = conf1.replace(`${MODE.vip} dev eth0`, `${MODE.vip} dev eth0\n        ${VIP2}/24 dev eth0`);
    expect(conf2).not.toBe(conf1);
    notify = await NotifyReceiver.start(join(dir, 'notify.sock'));
    monitor = await AddressMonitor.start(vl, 'a');
    startedAt = Date.now();
    a = await startKeepvip(vl, 'a', conf1, {
      dir,
      env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: String(WATCHDOG_USEC) },
    });
    await waitFor(() => a.state() === 'MASTER', 10_000, 'keepvip to become MASTER', { explain: explain() });
    b = await vl.start('b', 'keepalived', renderConfig(MODE, vl.peerView('b'), { priority: LOW, extra: ['skip_check_adv_addr'] }));
    await waitFor(() => b.state() === 'BACKUP', 5000, 'keepalived to enter BACKUP', { explain: explain() });
    // Settle: the peer has followed the master for a while.
    await sleep(500);
  }, 60_000);

  afterAll(async () => {
    if (handover || exitMs !== undefined) {
      console.log(
        `[ops] SIGTERM handover keepvip -> keepalived: ${handover ? `${handover.gapMs.toFixed(1)} ms` : 'not measured'} ` +
          `(bound Skew_Time + 50 = ${HANDOVER_BOUND_MS.toFixed(1)} ms); keepvip exit after ${exitMs ?? '?'} ms`,
      );
    }
    await notify?.stop();
    await vl?.close();
    removeOpsDir(dir);
  });

  /** Nothing the peer can see changed in (t0, t1]: the reload was invisible on the wire. */
  function expectUndisturbed(t0: number, t1: number, statesBefore: number): void {
    const cap = vl.capture;
    expect(b.state(), 'keepalived state').toBe('BACKUP');
    expect(cap.advertsWhere({ vrid: VRID, src: bSrc, after: t0 }), 'adverts from the peer').toEqual([]);
    expect(cap.advertsWhere({ vrid: VRID, src: aSrc, after: t0, priority: 0 }), 'priority-0 adverts').toEqual([]);
    const mine = cap.advertsWhere({ vrid: VRID, src: aSrc, after: t0, before: t1 + 1 }).map((x) => x.t);
    expect(mine.length).toBeGreaterThanOrEqual(Math.floor((t1 - t0) / (MODE.advertInt * 1000)) - 2);
    expect(maxGap(mine, t0, t1), 'longest silence of the master').toBeLessThan(PEER_DOWN_MS);
    expect(b.states.filter((s) => s.t > t0), 'keepalived transitions').toEqual([]);
    expect(b.running).toBe(true);
    expect(a.events('instance_state').length, 'keepvip transitions').toBe(statesBefore);
    expect(monitor.deletions(VIP), `${VIP} deleted`).toEqual([]);
  }

  async function hup(): Promise<{ done?: Record<string, unknown>; failed?: Record<string, unknown> }> {
    const nDone = a.events('reload_done').length;
    const nFailed = a.events('reload_failed').length;
    hups.push(Date.now());
    process.kill(a.pid!, 'SIGHUP');
    await waitFor(
      () => a.events('reload_done').length > nDone || a.events('reload_failed').length > nFailed,
      5000,
      'the reload to finish',
      { explain: explain() },
    );
    return { done: a.events('reload_done')[nDone], failed: a.events('reload_failed')[nFailed] };
  }

  it('serves metrics that match the state (scraped inside the node)', async () => {
    const s1 = await scrapeMetrics(vl, 'a', METRICS);
    const sentOnWire1 = vl.capture.advertsWhere({ vrid: VRID, src: aSrc, minPriority: 1 }).length;
    const m = (e: Exposition, name: string, labels: Record<string, string>) => sampleValue(e, name, labels);
    const i = { instance: 'VI_1' };
    expect(s1.exposition.types.get('keepvip_instance_state')).toBe('gauge');
    expect(m(s1.exposition, 'keepvip_instance_state', i), 'state gauge (2 = MASTER)').toBe(2);
    expect(m(s1.exposition, 'keepvip_instance_priority', { ...i, kind: 'base' })).toBe(HIGH);
    expect(m(s1.exposition, 'keepvip_instance_priority', { ...i, kind: 'effective' })).toBe(HIGH);
    expect(m(s1.exposition, 'keepvip_transitions_total', { ...i, from: 'INIT', to: 'BACKUP' })).toBe(1);
    expect(m(s1.exposition, 'keepvip_transitions_total', { ...i, from: 'BACKUP', to: 'MASTER' })).toBe(1);
    expect(s1.exposition.samples.filter((x) => x.name === 'keepvip_transitions_total' && x.labels.to === 'BACKUP' && x.labels.from === 'MASTER')).toEqual([]);
    expect(m(s1.exposition, 'keepvip_build_info', { version: '0.1.0' })).toBe(1);
    const sent1 = m(s1.exposition, 'keepvip_adverts_sent_total', i)!;
    // Every advert counted went out on the wire (the capture may lag by one in flight).
    expect(Math.abs(sent1 - sentOnWire1), `sent ${sent1}, captured ${sentOnWire1}`).toBeLessThanOrEqual(2);
    // keepalived stays silent as BACKUP: nothing received, nothing dropped.
    expect(m(s1.exposition, 'keepvip_adverts_received_total', i)).toBe(0);
    const garp = m(s1.exposition, 'keepvip_garp_sent_total', i)!;
    expect(garp).toBe(vl.capture.announcementsOf(VIP, { mac: vl.node('a').mac }).length);
    // The instance's own interface is tracked (no dont_track_primary): its tracker series,
    // and its tracker_changed line naming the instance with its state and priority.
    expect(m(s1.exposition, 'keepvip_tracker_up', { tracker: 'eth0', kind: 'interface' }), 'tracker_up eth0').toBe(1);
    expect(a.events('tracker_changed')).toContainEqual(
      expect.objectContaining({ tracker: 'eth0', kind: 'interface', up: true, instance: 'VI_1', priority: HIGH, state: 'INIT' }),
    );

    await sleep(1000);
    const s2 = await scrapeMetrics(vl, 'a', METRICS);
    const sentOnWire2 = vl.capture.advertsWhere({ vrid: VRID, src: aSrc, minPriority: 1 }).length;
    const sent2 = m(s2.exposition, 'keepvip_adverts_sent_total', i)!;
    // advert_int 0.2 s: about 5 more in a second, each of them on the wire.
    expect(sent2 - sent1).toBeGreaterThanOrEqual(3);
    expect(Math.abs(sent2 - sentOnWire2), `sent ${sent2}, captured ${sentOnWire2}`).toBeLessThanOrEqual(2);
    expect(m(s2.exposition, 'keepvip_instance_state', i)).toBe(2);
  });

  it('`keepvip status` and `status --json` show the daemon as it is', async () => {
    const json = await keepvipCli(vl, 'a', ['status', '--json', '--socket', socket]);
    expect(json.status, json.stderr).toBe(0);
    const snap = JSON.parse(json.stdout) as StatusSnapshot;
    expect(snap.daemon.pid).toBe(a.pid);
    expect(snap.daemon.configFile).toBe(a.configFile);
    expect(snap.daemon.routerId).toBe(vl.node('a').ns);
    expect(snap.instances).toHaveLength(1);
    const inst = snap.instances[0]!;
    expect(inst).toMatchObject({
      name: 'VI_1',
      vrid: VRID,
      version: 3,
      family: 4,
      ifname: 'eth0',
      srcIp: aSrc,
      state: 'MASTER',
      master: null,
      vips: [MODE.vip],
      vipsSet: true,
      intervalCs: 20,
      authType: 'none',
      faults: [],
    });
    expect(inst.priority).toMatchObject({ base: HIGH, effective: HIGH });
    expect(inst.lastTransition).toMatchObject({ from: 'BACKUP', to: 'MASTER' });
    expect(inst.stats.becomeMaster).toBe(1);
    expect(inst.stats.releaseMaster).toBe(0);
    const onWire = vl.capture.advertsWhere({ vrid: VRID, src: aSrc, minPriority: 1, before: snap.generatedAt + 1 }).length;
    expect(Math.abs(inst.stats.advertSent - onWire), `status says ${inst.stats.advertSent} sent, capture has ${onWire}`).toBeLessThanOrEqual(2);
    // What the kernel says agrees with vipsSet.
    expect(vl.lab.addresses('a')).toContain(VIP);

    const table = await keepvipCli(vl, 'a', ['status', '--socket', socket]);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toContain(`pid ${a.pid}`);
    expect(table.stdout).toContain(`config ${a.configFile}`);
    const row = table.stdout.split('\n').find((l) => l.startsWith('VI_1'));
    expect(row, table.stdout).toBeDefined();
    expect(row!.split(/\s{2,}/).slice(0, 5)).toEqual(['VI_1', 'MASTER', String(HIGH), 'self', MODE.vip]);
    expect(row).toMatch(/BACKUP->MASTER \S+ ago/);

    // The socket can also come from the configuration file (keepvip_defs control_socket).
    const viaConf = await keepvipCli(vl, 'a', ['status', '--json', '-f', a.configFile]);
    expect(viaConf.status, viaConf.stderr).toBe(0);
    expect((JSON.parse(viaConf.stdout) as typeof snap).daemon.pid).toBe(a.pid);
  });

  it('SIGHUP with an unchanged file is invisible to the keepalived peer', async () => {
    const statesBefore = a.events('instance_state').length;
    const t0 = Date.now();
    const r = await hup();
    expect(r.failed, JSON.stringify(r.failed)).toBeUndefined();
    expect(r.done).toMatchObject({ instances: 1, added: [], removed: [] });
    await sleep(QUIET_MS);
    const t1 = Date.now();
    expectUndisturbed(t0, t1, statesBefore);
    const s = await controlStatus(socket);
    expect(s.instances[0]).toMatchObject({ state: 'MASTER', vipsSet: true, vips: [MODE.vip] });
    expect(s.daemon.lastReload).toMatchObject({ ok: true });
    expect(vl.lab.addresses('a')).toContain(VIP);
  });

  it('SIGHUP with one VIP added: the VIP appears, nothing else moves', async () => {
    writeFileSync(a.configFile, conf2);
    const statesBefore = a.events('instance_state').length;
    const t0 = Date.now();
    const r = await hup();
    expect(r.failed, JSON.stringify(r.failed)).toBeUndefined();
    expect(r.done).toMatchObject({ instances: 1, added: [], removed: [] });
    await waitFor(() => vl.lab.addresses('a').includes(VIP2), 3000, `${VIP2} on node a`, { explain: explain(t0) });
    // ip monitor's line may reach us a moment after the address is visible.
    await waitFor(() => monitor.additions(VIP2).length >= 1, 2000, `ip monitor to report ${VIP2} added`, { explain: () => monitor.lines.join('\n') });
    // The adverts now carry both addresses (RFC 9568 §5.2.6, "Count IPvX Addr").
    await waitFor(() => vl.capture.advertsWhere({ vrid: VRID, src: aSrc, after: t0 }).find((x) => x.count === 2), 2000, 'an advert with 2 addresses', {
      explain: explain(t0),
    });
    await sleep(QUIET_MS);
    const t1 = Date.now();
    expectUndisturbed(t0, t1, statesBefore);
    // The new VIP is announced.
    expect(vl.capture.announcementsOf(VIP2, { mac: vl.node('a').mac, after: t0 }).length).toBeGreaterThanOrEqual(1);
    const s = await controlStatus(socket);
    expect(s.instances[0]).toMatchObject({ state: 'MASTER', vipsSet: true, vips: [MODE.vip, `${VIP2}/24`] });
    expect(vl.lab.addresses('a')).toEqual(expect.arrayContaining([VIP, VIP2]));
    expect(monitor.deletions(VIP2)).toEqual([]);
    // Every gratuitous ARP on the wire is counted, the reload's too.
    const garps = vl.capture.announcements.filter((n) => n.mac === vl.node('a').mac).length;
    const scraped = await scrapeMetrics(vl, 'a', METRICS);
    expect(sampleValue(scraped.exposition, 'keepvip_garp_sent_total', { instance: 'VI_1' })).toBe(garps);
    expect(sampleValue(scraped.exposition, 'keepvip_transitions_total', { instance: 'VI_1', from: 'BACKUP', to: 'MASTER' })).toBe(1);
  });

  it('SIGHUP with a broken file keeps the running configuration', async () => {
    const broken = conf2.replace(`virtual_router_id ${VRID}`, 'virtual_router_id {');
    expect(broken).not.toBe(conf2);
    const brokenLine = broken.split('\n').findIndex((l) => l.includes('virtual_router_id {')) + 1;
    writeFileSync(a.configFile, broken);
    const statesBefore = a.events('instance_state').length;
    const errorsBefore = a.events('config_error').length;
    const t0 = Date.now();
    const r = await hup();
    expect(r.done, JSON.stringify(r.done)).toBeUndefined();
    expect(r.failed).toMatchObject({ level: 'error', code: 'config-invalid' });
    expect(String(r.failed!.error)).toMatch(/[1-9][0-9]* error\(s\)/);
    const errors = a.events('config_error').slice(errorsBefore);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.some((e) => e.file === a.configFile && e.line === brokenLine && /virtual_router_id/.test(String(e.message))), JSON.stringify(errors)).toBe(
      true,
    );
    await sleep(QUIET_MS);
    const t1 = Date.now();
    expectUndisturbed(t0, t1, statesBefore);
    // Still the last good configuration: two addresses in every advert, both VIPs held.
    const after = vl.capture.advertsWhere({ vrid: VRID, src: aSrc, after: t0 });
    expect(after.every((x) => x.count === 2 && x.priority === HIGH)).toBe(true);
    const s = await controlStatus(socket);
    expect(s.instances[0]).toMatchObject({ state: 'MASTER', vipsSet: true, vips: [MODE.vip, `${VIP2}/24`] });
    expect(s.daemon.lastReload).toMatchObject({ ok: false });
    expect(s.daemon.lastReload!.error).toMatch(/error/);
    expect(vl.lab.addresses('a')).toEqual(expect.arrayContaining([VIP, VIP2]));
    expect(monitor.deletions(VIP2)).toEqual([]);
  });

  it('SIGTERM hands over to keepalived within Skew_Time + 50 ms and exits 0 within 2 s', async () => {
    const t0 = Date.now();
    process.kill(a.pid!, 'SIGTERM');
    const res = await Promise.race([a.exited, sleep(2000).then(() => 'timeout' as const)]);
    exitMs = Date.now() - t0;
    expect(res, `keepvip still running 2 s after SIGTERM\n${a.output()}`).toEqual({ code: 0, signal: null });
    handover = await waitFor(() => vl.capture.handover({ vrid: VRID, from: aSrc, to: bSrc, after: t0 }), 3000, 'the handover on the wire', {
      explain: explain(t0),
    });
    expect(handover.gapMs, vl.capture.timeline(t0 - 300)).toBeLessThanOrEqual(HANDOVER_BOUND_MS);
    // Exactly one goodbye, after which keepvip is silent.
    expect(vl.capture.advertsWhere({ vrid: VRID, src: aSrc, after: t0, priority: 0 })).toHaveLength(1);
    expect(vl.capture.advertsWhere({ vrid: VRID, src: aSrc, after: handover.leave, minPriority: 1 })).toEqual([]);
    await waitFor(() => b.state() === 'MASTER', 2000, 'keepalived to log MASTER', { explain: explain(t0) });
    expect(vl.lab.addresses('a')).not.toContain(VIP);
    expect(vl.lab.addresses('a')).not.toContain(VIP2);
    await waitFor(() => vl.lab.addresses('b').includes(VIP), 2000, 'the VIP on keepalived', { explain: explain(t0) });
    expect(a.events('daemon_stopping')).toMatchObject([{ signal: 'SIGTERM' }]);
    expect(a.events('daemon_stopped')).toHaveLength(1);
    // With the daemon gone, `keepvip status` says so (exit 1: unreachable).
    const st = await keepvipCli(vl, 'a', ['status', '--socket', socket]);
    expect(st.status).toBe(1);
  });

  it('told systemd: READY=1 with STATUS, STATUS on the transition, WATCHDOG=1, RELOADING=1/READY=1 per reload, STOPPING=1', () => {
    const msgs = notify.messages;
    const why = notify.transcript();
    const ready = msgs.findIndex((m) => m.fields.READY === '1');
    expect(ready, why).toBeGreaterThanOrEqual(0);
    expect(msgs[ready]!.fields.STATUS, why).toMatch(/^VI_1 (BACKUP|MASTER) 200$/);
    // The BACKUP -> MASTER transition shows up as a STATUS line after READY.
    const master = msgs.findIndex((m, i) => i > ready && m.fields.STATUS === `VI_1 MASTER ${HIGH}`);
    expect(master, why).toBeGreaterThan(ready);

    // After start-up: per SIGHUP RELOADING=1 (with MONOTONIC_USEC) then READY=1, then STOPPING=1.
    const lifecycle = msgs.slice(ready + 1).filter((m) => m.fields.READY || m.fields.RELOADING || m.fields.STOPPING);
    const kinds = lifecycle.map((m) => (m.fields.RELOADING ? 'RELOADING' : m.fields.READY ? 'READY' : 'STOPPING'));
    expect(kinds, why).toEqual([...hups.flatMap(() => ['RELOADING', 'READY']), 'STOPPING']);
    expect(hups).toHaveLength(3);
    for (const m of lifecycle.filter((x) => x.fields.RELOADING)) expect(m.fields.MONOTONIC_USEC, why).toMatch(/^\d+$/);
    for (const m of lifecycle.filter((x) => x.fields.READY)) expect(m.fields.STATUS, why).toBe(`VI_1 MASTER ${HIGH}`);
    for (let i = 0; i < hups.length; i++) {
      // Each RELOADING=1 comes after its SIGHUP (clock skew between processes is nil: one host).
      expect(lifecycle[2 * i]!.t, why).toBeGreaterThanOrEqual(hups[i]! - 5);
    }

    // WATCHDOG=1 every WATCHDOG_USEC / 2 from READY to STOPPING, never later than WatchdogSec.
    const stop = msgs.findIndex((m) => m.fields.STOPPING === '1');
    const pings = msgs.filter((m, i) => i > ready && i < stop && m.fields.WATCHDOG === '1').map((m) => m.t);
    const span = msgs[stop]!.t - msgs[ready]!.t;
    expect(pings.length, why).toBeGreaterThanOrEqual(Math.floor(span / (WATCHDOG_USEC / 2000)) - 2);
    expect(maxGap(pings, msgs[ready]!.t, msgs[stop]!.t), why).toBeLessThan(WATCHDOG_USEC / 1000);
    expect(msgs.slice(stop + 1).filter((m) => m.fields.WATCHDOG), why).toEqual([]);
    expect(startedAt).toBeLessThan(msgs[ready]!.t);
  });

  it('SIGINT stops keepvip as gracefully as SIGTERM: priority 0, VIP removed, exit 0 within 2 s', async () => {
    // keepalived (priority 100) is MASTER now; a new keepvip (200) preempts it.
    const t0 = Date.now();
    const c = await startKeepvip(vl, 'a', conf1, { dir });
    await waitFor(() => c.state() === 'MASTER', 10_000, 'the second keepvip to become MASTER', { explain: explain(t0) });
    await waitFor(() => b.states.some((x) => x.t > t0 && x.state === 'BACKUP'), 5000, 'keepalived to back off', { explain: explain(t0) });
    await waitFor(() => vl.lab.addresses('a').includes(VIP), 2000, 'the VIP on keepvip', { explain: explain(t0) });
    await sleep(300);
    const t1 = Date.now();
    process.kill(c.pid!, 'SIGINT');
    const res = await Promise.race([c.exited, sleep(2000).then(() => 'timeout' as const)]);
    const ms = Date.now() - t1;
    expect(res, `keepvip still running 2 s after SIGINT\n${c.output()}`).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(2000);
    // Exactly one goodbye advert, then silence; keepalived takes over.
    await waitFor(() => vl.capture.advertsWhere({ vrid: VRID, src: aSrc, after: t1, priority: 0 }).length > 0, 2000, 'the priority-0 advert', {
      explain: explain(t1),
    });
    expect(vl.capture.advertsWhere({ vrid: VRID, src: aSrc, after: t1, priority: 0 })).toHaveLength(1);
    const h = await waitFor(() => vl.capture.handover({ vrid: VRID, from: aSrc, to: bSrc, after: t1 }), 3000, 'the handover on the wire', {
      explain: explain(t1),
    });
    expect(h.gapMs, vl.capture.timeline(t1 - 300)).toBeLessThanOrEqual(HANDOVER_BOUND_MS);
    expect(vl.lab.addresses('a')).not.toContain(VIP);
    expect(c.events('daemon_stopping')).toMatchObject([{ signal: 'SIGINT' }]);
    expect(c.events('daemon_stopped')).toHaveLength(1);
    await waitFor(() => b.state() === 'MASTER', 2000, 'keepalived to log MASTER', { explain: explain(t1) });
    console.log(`[ops] SIGINT: exit after ${ms} ms, handover ${h.gapMs.toFixed(1)} ms`);
  });
});
