/**
 * keepvip's keepalived-compatible dumps and its secrecy, in a namespace lab (VRRPv2, IPv4
 * multicast, authentication PASS): keepvip (priority 200) is MASTER, keepalived 2.2.7 with
 * the same password (priority 100) follows it, and a keepalived with another password
 * (priority 50) keeps sending adverts that keepvip must refuse (RFC 3768 §7.1, auth
 * check) and log.
 *
 * SIGUSR1 / SIGUSR2 write /tmp/keepalived.data and /tmp/keepalived.stats, keepalived's
 * fixed paths. keepvip runs with a private /tmp (a tmpfs in its own mount namespace), so
 * the host's /tmp is never touched; the files are read through /proc/<pid>/root/tmp.
 *
 * `keepvip dump --json` (keepalived's JSON dump is written on a real-time signal Node
 * cannot catch) fetches the dump over the control socket and writes /tmp/keepalived.json;
 * it is run with a private /tmp too.
 *
 * keepvip runs with -D and a vrrp_script that prints a marker: its output is logged at
 * debug level (script_output).
 *
 * The password must never show up: not in the dumps (keepalived itself prints it in its
 * data dump; keepvip does not), not in the logs (at debug level, with refused adverts and
 * a reload), not in `keepvip status`, nor in `--dump-config`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import {
  DEFAULT_VRID,
  KEEPVIP_CLI,
  masterDownIntervalMs,
  MODES,
  renderConfig,
  skewTimeMs,
  VrrpLab,
  waitFor,
  type VrrpDaemon,
} from '../helpers/vrrp-lab.js';
import {
  controlDump,
  controlStatus,
  execIn,
  keepvipCli,
  makeOpsDir,
  readPrivateTmp,
  removeOpsDir,
  sleep,
  startKeepvip,
  withPrivateTmp,
} from './helpers-ops.js';

const reason = skipReason('keepalived', 'tcpdump', 'unshare', 'mount');

const MODE = MODES.v2;
const VRID = DEFAULT_VRID;
/** Eight characters (PASS uses 8 bytes) that occur nowhere else. */
const PASSWORD = 'Qz7kVw3x';
const WRONG_PASSWORD = 'wr0ngPw9';
const HIGH = 200;
const LOW = 100;
const ROGUE = 50;

const auth = (password: string) => ['authentication {', '    auth_type PASS', `    auth_pass ${password}`, '}'];
/** What keepvip's vrrp_script prints (it always succeeds: weight 0 and no effect on the priority). */
const SCRIPT_MARKER = 'kv-script-says-hello';
const SCRIPT = ['vrrp_script chk_echo {', `    script "/bin/echo ${SCRIPT_MARKER}"`, '    interval 1', '}', ''].join('\n');

describe.skipIf(!!reason)('keepvip dumps (SIGUSR1/SIGUSR2) and auth_pass secrecy', () => {
  let vl: VrrpLab;
  let dir: string;
  let socket: string;
  let a: VrrpDaemon;
  let b: VrrpDaemon;
  let aSrc: string;
  let bStartedAt: number;

  const explain = (after = 0) => () => vl.explain(after);

  beforeAll(async () => {
    dir = makeOpsDir();
    vl = await VrrpLab.create({ nodes: ['a', 'b', 'c'] });
    aSrc = vl.srcOf('a', 4);
    socket = join(dir, 'a.sock');
    const conf =
      SCRIPT +
      renderConfig(MODE, { ...vl.peerView('a'), controlSocket: socket }, { priority: HIGH, extra: [...auth(PASSWORD), 'track_script {', '    chk_echo', '}'] });
    expect(conf).toContain(`auth_pass ${PASSWORD}`);
    a = await startKeepvip(vl, 'a', conf, { dir, privateTmp: true, detail: true });
    await waitFor(() => a.state() === 'MASTER', 10_000, 'keepvip to become MASTER', { explain: explain() });
    bStartedAt = Date.now();
    b = await vl.start('b', 'keepalived', renderConfig(MODE, vl.peerView('b'), { priority: LOW, extra: auth(PASSWORD) }));
    await vl.start('c', 'keepalived', renderConfig(MODE, vl.peerView('c'), { priority: ROGUE, extra: auth(WRONG_PASSWORD) }));
    // Longer than keepalived's Master_Down_Interval: had it refused keepvip's adverts, it
    // would be MASTER by now.
    await sleep(masterDownIntervalMs(2, LOW, MODE.advertInt) + 500);
  }, 60_000);

  afterAll(async () => {
    await vl?.close();
    removeOpsDir(dir);
  });

  it('runs MASTER with PASS authentication: the same password is accepted, another refused and logged', async () => {
    expect(a.state()).toBe('MASTER');
    expect(b.state(), b.output()).toBe('BACKUP');
    expect(vl.capture.advertsWhere({ vrid: VRID, src: vl.srcOf('b', 4), after: bStartedAt, minPriority: 1 })).toEqual([]);
    // The rogue (wrong password) is refused by keepvip: logged and counted as auth_mismatch.
    await waitFor(() => a.events('advert_dropped').find((r) => r.reason === 'auth_mismatch'), 5000, 'an auth_mismatch drop in the log', {
      explain: () => a.output(),
    });
    const s = await controlStatus(socket);
    expect(s.instances[0]).toMatchObject({ name: 'VI_1', state: 'MASTER', authType: 'pass', vipsSet: true });
    expect(s.instances[0]!.stats.drops.auth_mismatch).toBeGreaterThan(0);
  });

  it('SIGUSR1 writes the data dump at /tmp/keepalived.data with the instance state', async () => {
    const n = a.events('dump_written').length;
    process.kill(a.pid!, 'SIGUSR1');
    await waitFor(() => a.events('dump_written').length > n || a.events('dump_failed').length > 0, 5000, 'dump_written', {
      explain: () => a.output(),
    });
    expect(a.events('dump_failed')).toEqual([]);
    expect(a.events('dump_written')[n]).toMatchObject({ dump: 'data', path: '/tmp/keepalived.data' });
    const data = readPrivateTmp(a.pid!, 'keepalived.data');
    expect(data, 'the data dump in the daemon\'s /tmp').toBeDefined();
    expect(statSync(`/proc/${a.pid}/root/tmp/keepalived.data`).mode & 0o777).toBe(0o600);
    expect(data).toContain('------< Global definitions >------');
    expect(data).toContain(` Router ID = ${vl.node('a').ns}`);
    expect(data).toContain(' VRRP Instance = VI_1');
    const section = data!.slice(data!.indexOf(' VRRP Instance = VI_1'));
    for (const line of [
      '   State = MASTER',
      '   Interface = eth0',
      `   Using src_ip = ${aSrc}`,
      `   Virtual Router ID = ${VRID}`,
      `   Priority = ${HIGH}`,
      '   Authentication type = SIMPLE_PASSWORD',
    ]) {
      expect(section, line).toContain(`${line}\n`);
    }
    expect(section).toMatch(/Virtual IP \(1\):\n\s+192\.0\.2\.100\/24 dev eth0/);
    expect(data).not.toContain(PASSWORD);
  });

  it('SIGUSR2 writes the stats dump at /tmp/keepalived.stats with the counters', async () => {
    const n = a.events('dump_written').length;
    const before = (await controlStatus(socket)).instances[0]!.stats;
    process.kill(a.pid!, 'SIGUSR2');
    await waitFor(() => a.events('dump_written').length > n, 5000, 'dump_written', { explain: () => a.output() });
    expect(a.events('dump_written')[n]).toMatchObject({ dump: 'stats', path: '/tmp/keepalived.stats' });
    const after = (await controlStatus(socket)).instances[0]!.stats;
    const stats = readPrivateTmp(a.pid!, 'keepalived.stats');
    expect(stats).toBeDefined();
    expect(stats!.startsWith('VRRP Instance: VI_1\n')).toBe(true);
    expect(stats).toContain('  Became master: 1\n');
    expect(stats).toContain('  Released master: 0\n');
    const num = (re: RegExp) => Number(re.exec(stats!)?.[1]);
    const sent = num(/Advertisements:\n\s+Received: \d+\n\s+Sent: (\d+)/);
    expect(sent).toBeGreaterThanOrEqual(before.advertSent);
    expect(sent).toBeLessThanOrEqual(after.advertSent);
    expect(sent).toBeGreaterThan(4);
    const failures = num(/Authentication Errors:\n(?:\s+.*\n){2}\s+Failure: (\d+)/);
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(failures).toBeLessThanOrEqual(after.drops.auth_mismatch);
    expect(stats).not.toContain(PASSWORD);
  });

  it('-D logs vrrp_script output at debug level, and the script result per instance', async () => {
    const out = await waitFor(() => a.events('script_output').find((r) => r.script === 'chk_echo'), 5000, 'script_output for chk_echo', {
      explain: () => a.output(),
    });
    expect(out).toMatchObject({ level: 'debug', msg: 'script output', script: 'chk_echo', stream: 'stdout+stderr', output: SCRIPT_MARKER, omitted: 0 });
    // The result change names the instance using the script, with its state and priority.
    expect(a.events('tracker_changed')).toContainEqual(
      expect.objectContaining({ tracker: 'chk_echo', kind: 'script', up: true, instance: 'VI_1', priority: HIGH }),
    );
    // Drops name the instance's state and priority too.
    const drop = a.events('advert_dropped').find((r) => r.reason === 'auth_mismatch');
    expect(drop).toMatchObject({ instance: 'VI_1', state: 'MASTER', priority: HIGH });
  });

  it('`keepvip dump --json` writes the JSON dump at /tmp/keepalived.json (and --file, --stdout)', async () => {
    // keepalived's path, in a private /tmp of the command's own (the host's /tmp is never touched).
    const script = `node --import tsx '${KEEPVIP_CLI}' dump --json --socket '${socket}' && stat -c '%a' /tmp/keepalived.json && cat /tmp/keepalived.json`;
    const r = await execIn(vl, 'a', withPrivateTmp(['sh', '-c', script]));
    expect(r.status, r.stderr).toBe(0);
    const [written, mode, ...rest] = r.stdout.split('\n');
    expect(written).toBe('json dump written to /tmp/keepalived.json');
    expect(mode).toBe('600');
    const dump = JSON.parse(rest.join('\n')) as Array<{ data: Record<string, unknown>; stats: Record<string, unknown> }>;
    expect(dump).toHaveLength(1);
    expect(dump[0]!.data).toMatchObject({ iname: 'VI_1', vrid: VRID, base_priority: HIGH, effective_priority: HIGH, state: 2, ifp_ifname: 'eth0' });
    expect(Number(dump[0]!.stats.advert_sent)).toBeGreaterThan(4);

    // --file and -f (control_socket from the configuration).
    const file = join(dir, 'kv.json');
    const viaFile = await keepvipCli(vl, 'a', ['dump', '--json', '--file', file, '-f', a.configFile]);
    expect(viaFile.status, viaFile.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((JSON.parse(readFileSync(file, 'utf8')) as typeof dump)[0]!.data.iname).toBe('VI_1');
    // --stdout, the data dump: the SIGUSR1 layout.
    const data = await keepvipCli(vl, 'a', ['dump', '--data', '--stdout', '--socket', socket]);
    expect(data.status, data.stderr).toBe(0);
    expect(data.stdout).toContain(' VRRP Instance = VI_1');
    for (const text of [r.stdout, readFileSync(file, 'utf8'), data.stdout]) expect(text).not.toContain(PASSWORD);
  });

  it('never touched the host /tmp', () => {
    for (const f of ['/tmp/keepalived.data', '/tmp/keepalived.stats', '/tmp/keepalived.json']) {
      if (existsSync(f)) expect(readFileSync(f, 'utf8')).not.toContain(vl.node('a').ns);
    }
  });

  it('never shows auth_pass: logs, dumps, status, --dump-config', async () => {
    // A reload and its log lines too.
    const n = a.events('reload_done').length;
    process.kill(a.pid!, 'SIGHUP');
    await waitFor(() => a.events('reload_done').length > n, 5000, 'reload_done', { explain: () => a.output() });
    const texts: Record<string, string> = {
      'control dump data': await controlDump(socket, 'data'),
      'control dump stats': await controlDump(socket, 'stats'),
      'control dump json': await controlDump(socket, 'json'),
    };
    const st = await keepvipCli(vl, 'a', ['status', '--json', '--socket', socket]);
    expect(st.status, st.stderr).toBe(0);
    texts['status --json'] = st.stdout;
    expect(JSON.parse(st.stdout).instances[0]).toMatchObject({ state: 'MASTER', authType: 'pass' });
    const table = await keepvipCli(vl, 'a', ['status', '--socket', socket]);
    texts.status = table.stdout + table.stderr;
    const dumpConfig = await keepvipCli(vl, 'a', ['--dump-config', '-f', a.configFile, '-i', 'a']);
    expect(dumpConfig.status, dumpConfig.stderr).toBe(0);
    expect(dumpConfig.stdout).toContain('VI_1');
    texts['--dump-config'] = dumpConfig.stdout + dumpConfig.stderr;
    // The log (JSON lines, -D), with the refused adverts, the dumps and the reload.
    await sleep(1200);
    texts.log = a.lines.join('\n');
    for (const e of ['daemon_starting', 'instance_state', 'advert_dropped', 'reload_started', 'reload_done', 'dump_written']) {
      expect(a.events(e).length, `${e} in the log`).toBeGreaterThan(0);
    }
    for (const [what, text] of Object.entries(texts)) {
      expect(text.length, what).toBeGreaterThan(0);
      expect(text.includes(PASSWORD), `auth_pass in ${what}`).toBe(false);
    }
    // The control socket's data dump is the SIGUSR1 one (same instance section).
    expect(texts['control dump data']).toContain('   Authentication type = SIMPLE_PASSWORD');
  });

  it('SIGTERM: the priority-0 advert carries the password, keepalived takes over within Skew_Time + 50 ms', async () => {
    const bSrc = vl.srcOf('b', 4);
    const t0 = Date.now();
    process.kill(a.pid!, 'SIGTERM');
    const res = await Promise.race([a.exited, sleep(2000).then(() => 'timeout' as const)]);
    const exitMs = Date.now() - t0;
    expect(res, a.output()).toEqual({ code: 0, signal: null });
    const h = await waitFor(() => vl.capture.handover({ vrid: VRID, from: aSrc, to: bSrc, after: t0 }), 3000, 'the handover on the wire', {
      explain: explain(t0),
    });
    const bound = skewTimeMs(2, LOW, MODE.advertInt) + 50;
    console.log(`[ops] VRRPv2 PASS SIGTERM handover keepvip -> keepalived: ${h.gapMs.toFixed(1)} ms (bound ${bound.toFixed(1)} ms); exit after ${exitMs} ms`);
    // keepalived only shortens its timer to Skew_Time for a priority-0 advert it accepted
    // (password included); otherwise it would wait its whole Master_Down_Interval.
    expect(h.gapMs, vl.capture.timeline(t0 - 1500)).toBeLessThanOrEqual(bound);
    await waitFor(() => b.state() === 'MASTER', 2000, 'keepalived to log MASTER', { explain: explain(t0) });
  });
});
