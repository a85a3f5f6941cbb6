/**
 * SIGHUP with bad configuration files, against a running keepvip MASTER in a namespace lab
 * (VRRPv3, IPv4 multicast, advert_int 0.2 s). Twenty versions of its configuration file
 * are written in turn to the path it was started with, each followed by SIGHUP and a wait
 * for reload_done / reload_failed in its JSON log: truncated, fuzzed, binary garbage,
 * invalid UTF-8, huge (50 MB of comments, 5,000 instances), a directory, a symlink loop,
 * a missing file, and two valid ones with warnings. Then a final valid configuration with
 * a second VIP.
 *
 * Invariants: the daemon never exits; a bad file is refused (reload_failed with a code and
 * a reason) and the instance stays MASTER; a valid one is applied with the instance kept;
 * the adverts never stop, as the capture on the bridge sees them (no gap a backup would
 * take as the master's death: RFC 9568 §6.4.2, Master_Down_Interval); no priority-0
 * advert; the final reload succeeds and its new VIP appears.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { skipReason } from '../helpers/netns.js';
import { DEFAULT_VRID, masterDownIntervalMs, MODES, renderConfig, VrrpLab, waitFor, type VrrpDaemon } from '../helpers/vrrp-lab.js';

const reason = skipReason('tcpdump');

const MODE = MODES.v3;
const VRID = DEFAULT_VRID;
const PRIORITY = 200;
const VIP2 = '192.0.2.101';
/** A backup at priority 100 would take over after this much silence (RFC 9568 §6.1). */
const BACKUP_DOWN_MS = masterDownIntervalMs(3, 100, MODE.advertInt);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A deterministic generator (LCG): every run sends the same files. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** What to put at the configuration path. */
type Variant =
  | { name: string; kind: 'text'; text: string | Buffer; expect: 'fail' | 'done'; code?: string }
  | { name: string; kind: 'directory' | 'symlink-loop' | 'missing'; expect: 'fail' };

const VOCAB = ['{', '}', '"', "'", 'virtual_router_id', 'priority', '300', '-5', 'state', 'interface', 'nosuch0', '\\', '$X', '192.0.2.1/40', 'vrrp_instance'];

function variants(valid: string, ifname: string): Variant[] {
  const env = { interfaceExists: (n: string) => n === ifname };
  const bad = (t: string) => !parseConfigText(t, { env }).ok;
  const out: Variant[] = [];
  // Truncated inside the vrrp_instance block: the file as an interrupted copy leaves it.
  const start = valid.indexOf('vrrp_instance');
  for (const f of [0.1, 0.4, 0.7, 0.95]) {
    const text = valid.slice(0, start + Math.floor((valid.length - start) * f));
    out.push({ name: `truncated at ${Math.round(f * 100)}% of the instance`, kind: 'text', text, expect: 'fail' });
  }
  // Seeded line mutations, kept when the loader refuses them.
  const rnd = lcg(20260602);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!;
  while (out.length < 9) {
    const lines = valid.split('\n');
    for (let k = 0; k < 3; k++) {
      const at = Math.floor(rnd() * lines.length);
      const op = pick(['delete', 'duplicate', 'insert'] as const);
      if (op === 'delete') lines.splice(at, 1);
      else if (op === 'duplicate') lines.splice(at, 0, lines[at] ?? '');
      else lines[at] = `${lines[at] ?? ''} ${pick(VOCAB)}`;
    }
    const text = lines.join('\n');
    if (bad(text)) out.push({ name: `fuzzed #${out.length - 3}`, kind: 'text', text, expect: 'fail' });
  }
  const garbage = Buffer.alloc(8192);
  for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(rnd() * 256);
  out.push({ name: 'random bytes (8 kB)', kind: 'text', text: garbage, expect: 'fail' });
  out.push({ name: 'NULs in the instance', kind: 'text', text: valid.replace(`virtual_router_id ${VRID}`, `virtual_router_id ${VRID}\0\0`), expect: 'fail' });
  out.push({
    name: 'invalid UTF-8 in a keyword',
    kind: 'text',
    text: Buffer.concat([Buffer.from(valid.slice(0, valid.indexOf('virtual_router_id'))), Buffer.from([0xc0, 0xaf]), Buffer.from(valid.slice(valid.indexOf('virtual_router_id')))]),
    expect: 'fail',
  });
  out.push({ name: 'a directory', kind: 'directory', expect: 'fail' });
  // Valid with warnings (unknown keyword, include of nothing): applied, the instance kept.
  out.push({ name: 'valid, with warnings', kind: 'text', text: `no_such_keyword 1\ninclude /nonexistent-keepvip-dir/*.conf\n${valid}`, expect: 'done' });
  const line = `# ${'x'.repeat(96)}\n`;
  out.push({
    name: 'huge: 50 MB of comments, then a truncated instance',
    kind: 'text',
    text: line.repeat(Math.ceil((50 * 1024 * 1024) / line.length)) + valid.slice(0, start + 40),
    expect: 'fail',
  });
  out.push({ name: 'a symlink loop', kind: 'symlink-loop', expect: 'fail' });
  const many = Array.from(
    { length: 5000 },
    (_, i) => `vrrp_instance X_${i} {\n  interface ${ifname}\n  virtual_router_id ${(i % 255) + 1}\n  priority 100\n  virtual_ipaddress {\n    192.0.2.${(i % 250) + 1}/24\n  }\n}\n`,
  ).join('');
  out.push({ name: 'huge: 5,000 instances, duplicate VRIDs', kind: 'text', text: valid + many, expect: 'fail' });
  out.push({ name: 'missing file', kind: 'missing', expect: 'fail' });
  out.push({ name: 'valid again, the same file', kind: 'text', text: valid, expect: 'done' });
  // A comment alone: valid to the loader (and to keepalived -t), refused as a reload.
  out.push({ name: 'truncated to one byte', kind: 'text', text: valid.slice(0, 1), expect: 'fail', code: 'config-no-instances' });
  return out;
}

describe.skipIf(!!reason)('SIGHUP with bad configuration files (keepvip MASTER, VRRPv3 0.2 s)', () => {
  let vl: VrrpLab;
  let a: VrrpDaemon;
  let valid: string;
  let src: string;
  let list: Variant[];
  const results: Array<{ name: string; expect: string; got: Record<string, unknown> | undefined; event: string; ms: number; state: string | undefined }> = [];
  let t0 = 0;
  let t1 = 0;

  beforeAll(async () => {
    vl = await VrrpLab.create({ nodes: ['a'] });
    src = vl.srcOf('a', 4);
    valid = renderConfig(MODE, vl.peerView('a'), { priority: PRIORITY });
    list = variants(valid, vl.node('a').ifname);
    a = await vl.start('a', 'keepvip', valid);
    await waitFor(() => a.state() === 'MASTER', 10_000, 'keepvip to become MASTER', { explain: () => vl.explain() });
    await sleep(500);
  }, 60_000);

  afterAll(async () => {
    await vl?.close();
  });

  /** Put a variant at the configuration path. */
  function place(v: Variant): void {
    const path = a.configFile;
    rmSync(path, { recursive: true, force: true });
    if (v.kind === 'text') writeFileSync(path, v.text);
    else if (v.kind === 'directory') mkdirSync(path);
    else if (v.kind === 'symlink-loop') symlinkSync(path, path);
  }

  async function hup(what: string): Promise<{ event: 'reload_done' | 'reload_failed'; rec: Record<string, unknown>; ms: number }> {
    const nDone = a.events('reload_done').length;
    const nFailed = a.events('reload_failed').length;
    const sent = Date.now();
    process.kill(a.pid!, 'SIGHUP');
    await waitFor(() => a.events('reload_done').length > nDone || a.events('reload_failed').length > nFailed || !a.running, 60_000, `the reload of ${what}`, {
      explain: () => a.output(),
    });
    const ms = Date.now() - sent;
    expect(a.running, `keepvip exited on the reload of ${what}:\n${a.output()}`).toBe(true);
    const done = a.events('reload_done')[nDone];
    if (done) return { event: 'reload_done', rec: done, ms };
    return { event: 'reload_failed', rec: a.events('reload_failed')[nFailed]!, ms };
  }

  it('the bad versions are bad and the valid ones valid, as the loader sees them', () => {
    expect(list).toHaveLength(20);
    const env = { interfaceExists: (n: string) => n === vl.node('a').ifname };
    for (const v of list) {
      if (v.kind !== 'text') continue;
      const text = typeof v.text === 'string' ? v.text : v.text.toString('utf8');
      const r = parseConfigText(text, { env });
      if (v.code === 'config-no-instances') expect(r.ok && r.model.instances.length === 0, v.name).toBe(true);
      else expect(r.ok, v.name).toBe(v.expect === 'done');
    }
  });

  it('20 SIGHUPs with bad and odd files: never exits, refuses each bad file, stays MASTER', async () => {
    t0 = Date.now();
    const statesBefore = a.events('instance_state').length;
    for (const v of list) {
      place(v);
      const r = await hup(v.name);
      results.push({ name: v.name, expect: v.expect, got: r.rec, event: r.event, ms: r.ms, state: a.state() });
      const where = `${v.name}: ${JSON.stringify(r.rec)}`;
      if (v.expect === 'fail') {
        expect(r.event, where).toBe('reload_failed');
        expect(r.rec.code, where).toBe(v.kind !== 'text' ? 'config-file-unreadable' : (v.code ?? 'config-invalid'));
        expect(String(r.rec.error ?? ''), where).not.toBe('');
      } else {
        expect(r.event, where).toBe('reload_done');
        expect(r.rec, where).toMatchObject({ instances: 1, added: [], removed: [] });
      }
      expect(a.state(), `${v.name}\n${a.output(20)}`).toBe('MASTER');
    }
    t1 = Date.now();
    console.log(
      `[reload-abuse] ${results.length} reloads: ${results.map((r) => `${r.name}: ${r.event} ${r.ms} ms`).join('; ')}`,
    );
    expect(a.events('instance_state').slice(statesBefore), 'no state change during the reloads').toEqual([]);
    // Every file was read in the worker thread, never on the loop that sends the adverts.
    expect(a.events('config_load_inline')).toEqual([]);
  }, 240_000);

  it('the adverts never stopped: no gap a backup would take as the master gone, no priority 0', () => {
    expect(t1, 'the reload sequence ran').toBeGreaterThan(t0);
    const cap = vl.capture;
    const times = cap.advertsWhere({ vrid: VRID, src, after: t0 - 1, before: t1 + 1, minPriority: 1 }).map((x) => x.t);
    const edges = [t0, ...times, t1];
    let gap = 0;
    let at = t0;
    for (let i = 1; i < edges.length; i++) {
      if (edges[i]! - edges[i - 1]! > gap) {
        gap = edges[i]! - edges[i - 1]!;
        at = edges[i - 1]!;
      }
    }
    console.log(`[reload-abuse] ${times.length} adverts over ${t1 - t0} ms; longest silence ${gap.toFixed(0)} ms (a backup's Master_Down_Interval: ${BACKUP_DOWN_MS.toFixed(0)} ms)`);
    expect(gap, `longest silence at ${new Date(at).toISOString()}\n${cap.timeline(at - 1000, 40)}`).toBeLessThan(BACKUP_DOWN_MS);
    expect(cap.advertsWhere({ vrid: VRID, src, after: t0, priority: 0 })).toEqual([]);
    expect(cap.advertsWhere({ vrid: VRID, src, after: t0, before: t1 + 1 }).every((x) => x.priority === PRIORITY)).toBe(true);
  });

  it('a final valid configuration (one more VIP) is applied', async () => {
    const next = valid.replace(`${MODE.vip} dev`, `${VIP2}/24 dev ${vl.node('a').ifname}\n        ${MODE.vip} dev`);
    expect(next).not.toBe(valid);
    const statesBefore = a.events('instance_state').length;
    place({ name: 'final', kind: 'text', text: next, expect: 'done' });
    const r = await hup('the final valid configuration');
    expect(r.event, JSON.stringify(r.rec)).toBe('reload_done');
    expect(r.rec).toMatchObject({ instances: 1, added: [], removed: [] });
    await waitFor(() => vl.lab.addresses('a').includes(VIP2), 5000, `${VIP2} on a`, { explain: () => a.output() });
    expect(a.state()).toBe('MASTER');
    expect(a.events('instance_state').length, a.output()).toBe(statesBefore);
    const after = Date.now();
    await waitFor(() => vl.capture.advertsWhere({ vrid: VRID, src, after, minPriority: 1 }).some((x) => x.count === 2), 3000, 'an advert with both VIPs', {
      explain: () => vl.explain(after),
    });
    expect(a.running).toBe(true);
  });
});
