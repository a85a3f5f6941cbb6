import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertNoSecrets, DUMP_SIGNALS, formatDump, writeDump } from '../../src/ops/dumps.js';
import { KEEPALIVED_COUNTER_OF } from '../../src/ops/dump-stats.js';
import { keepalivedTime } from '../../src/ops/dump-format.js';
import { instanceConfigFromParams } from '../../src/ops/status.js';
import { DROP_REASONS } from '../../src/core/codec/errors.js';
import type { InstanceParams } from '../../src/core/fsm/types.js';
import { expectKeepalivedShape } from './helpers/dump-compare.js';
import { parseDataDump } from './helpers/dump-shape.js';
import { sampleSnapshot } from './helpers/sample-snapshot.js';

const FIX = join(import.meta.dirname, 'fixtures');
const fixture = {
  data: readFileSync(join(FIX, 'keepalived-2.2.7.data'), 'utf8'),
  stats: readFileSync(join(FIX, 'keepalived-2.2.7.stats'), 'utf8'),
  json: readFileSync(join(FIX, 'keepalived-2.2.7.json'), 'utf8'),
};
const ours = () => {
  const s = sampleSnapshot();
  return { data: formatDump('data', s), stats: formatDump('stats', s), json: formatDump('json', s) };
};

/** Link-local addresses and timestamps differ from run to run. */
const normalise = (line: string) => line.replace(/fe80::[0-9a-f:]+/g, 'fe80::X');

describe('dumps against the keepalived 2.2.7 capture (test/ops/fixtures)', () => {
  it('have keepalived’s sections, key order, stats lines and JSON keys', () => {
    expectKeepalivedShape(ours(), fixture, ['VI_1', 'VI_6']);
  });

  it('print the same lines as keepalived for the same instance values', () => {
    const o = parseDataDump(ours().data).get('VRRP Topology')!;
    const t = parseDataDump(fixture.data).get('VRRP Topology')!;
    // Lines whose text legitimately differs: times, and keepalived's ifindex suffix.
    const differs = /^ {3}(Last transition|Multicast address ff02)/;
    let compared = 0;
    for (const name of ['VI_1', 'VI_6']) {
      const theirs = new Set(t.find((x) => x.name === name)!.lines.map(normalise));
      for (const line of o.find((x) => x.name === name)!.lines) {
        if (differs.test(line)) continue;
        expect(theirs.has(normalise(line)), `${name}: "${line}" not in keepalived's dump`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('write the PASS password nowhere, unlike keepalived', () => {
    expect(fixture.data).toContain('Password = s3cr3tpw');
    expect(fixture.json).toContain('"auth_data":"s3cr3tpw"');
    const o = ours();
    expect(o.data).not.toMatch(/Password/);
    expect(o.json).not.toContain('auth_data');
    expect(o.data).toContain('   Authentication type = SIMPLE_PASSWORD');
  });
});

describe('stats dump', () => {
  it('maps drop reasons onto keepalived counters and lists the rest under Other Drops', () => {
    const s = sampleSnapshot();
    const st = s.instances[0]!.stats;
    st.drops.length = 5;
    st.drops.ttl = 6;
    st.drops.type = 7;
    st.drops.interval_mismatch = 8;
    st.drops.auth_ah = 9;
    st.drops.auth_type = 10;
    st.drops.version = 11;
    st.drops.vrid = 12;
    st.drops.family = 13;
    st.drops.unicast_src = 14;
    st.drops.cast_mismatch = 15;
    st.priZeroRcvd = 16;
    const text = formatDump('stats', s);
    const vi1 = text.split('VRRP Instance: VI_6')[0]!;
    expect(vi1).toBe(
      [
        'VRRP Instance: VI_1',
        '  Advertisements:',
        '    Received: 0',
        '    Sent: 3',
        '  Became master: 1',
        '  Released master: 0',
        '  Packet Errors:',
        '    Length: 5',
        '    TTL: 6',
        '    Invalid Type: 7',
        '    Advertisement Interval: 8',
        '    Address List: 3',
        '  Authentication Errors:',
        '    Invalid Type: 9',
        '    Type Mismatch: 10',
        '    Failure: 4',
        '  Priority Zero:',
        '    Received: 16',
        '    Sent: 0',
        '  Other Drops:',
        '    Version: 11',
        '    VRID: 12',
        '    Checksum: 2',
        '    Address Family: 13',
        '    Unicast Source: 14',
        '    Unicast/Multicast Mismatch: 15',
        '',
      ].join('\n'),
    );
  });

  it('accounts for every drop reason exactly once', () => {
    const s = sampleSnapshot();
    const st = s.instances[1]!.stats;
    DROP_REASONS.forEach((r, i) => (st.drops[r] = 1000 * (i + 1)));
    const text = formatDump('stats', s).split('VRRP Instance: VI_6')[1]!.split('VRRP Instance:')[0]!;
    const counted = [...text.matchAll(/(?:Length|TTL|Type|Interval|List|Mismatch|Failure|Version|VRID|Checksum|Family|Source): (\d+)/g)]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
    const total = DROP_REASONS.reduce((a, r) => a + st.drops[r], 0);
    expect(counted).toBe(total);
    expect(Object.keys(KEEPALIVED_COUNTER_OF).sort()).toEqual([...DROP_REASONS].sort());
  });
});

describe('data dump', () => {
  it('shows master, unicast peers, sync group, scripts and the cloud claim', () => {
    const d = formatDump('data', sampleSnapshot());
    expect(d).toContain('   Master router = fe80::2cb0:ff:fe1b:273\n   Master priority = 200\n   Master advert int = 1.00 sec\n');
    expect(d).toContain('   Flags:\n     Using unicast\n');
    expect(d).toContain('   Sync group = G1\n');
    expect(d).toContain('   Unicast Peer :\n     192.0.2.11\n');
    expect(d).toContain('   Check unicast src : yes\n');
    expect(d).toContain('   Advert interval = 500 milli-sec\n   Master advert interval = 500 milli-sec\n');
    expect(d).toContain('   Preempt = disabled\n   Preempt delay = 5 secs\n');
    expect(d).toContain('   Cloud claim = claimed (provider huaweicloud, attempts 2)\n');
    expect(d).toContain(' VRRP Script = chk_ok\n   Command = \'/usr/bin/true\'\n');
    expect(d).toContain('------< VRRP Sync groups >------\n VRRP Sync Group = G1, MASTER\n');
    expect(d).toContain('   Tracked interfaces :\n     eth1 weight -20\n');
  });

  it('formats times like keepalived (seconds.usec and ctime with microseconds)', () => {
    const t = keepalivedTime(1795297241743.729);
    expect(t).toMatch(/^1795297241\.743729 \((Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\.743729 \d{4}\)$/);
    const d = new Date(1795297241743);
    expect(t).toContain(`${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:`);
  });
});

describe('JSON dump', () => {
  it('uses keepalived’s keys, codes and units', () => {
    const j = JSON.parse(formatDump('json', sampleSnapshot())) as { data: Record<string, unknown>; stats: Record<string, unknown> }[];
    expect(j.map((x) => x.data.iname)).toEqual(['VI_1', 'VI_6', 'VI_U']);
    const [a, b, u] = j;
    expect(a!.data).toMatchObject({ state: 2, wantstate: 2, base_priority: 150, effective_priority: 163, auth_type: 1, adver_int: 1 });
    expect(a!.data.track_script).toEqual(["'/usr/bin/true'"]);
    expect(a!.data.track_ifp).toEqual(['lo']);
    expect(a!.stats).toMatchObject({ auth_failure: 4, addr_list_err: 3, advert_sent: 3 });
    expect(b!.data).toMatchObject({ state: 1, master_priority: 200, version: 3, vipset: false });
    expect(u!.data).toMatchObject({ nopreempt: true, preempt_delay: 5, adver_int: 0.5 });
    expect((u!.data.keepvip as { cloud: { state: string } }).cloud.state).toBe('claimed');
  });
});

describe('writing dumps', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'kvdump-'));
    dirs.push(d);
    return d;
  };

  it('writes each format to its path with mode 0600', async () => {
    const dir = tmp();
    const s = sampleSnapshot();
    for (const f of ['data', 'stats', 'json'] as const) {
      const path = join(dir, `keepalived.${f}`);
      writeFileSync(path, 'old contents that are longer than nothing', { mode: 0o644 });
      expect(await writeDump(f, s, { path })).toBe(path);
      expect(readFileSync(path, 'utf8')).toBe(formatDump(f, s));
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
  });

  it('refuses to follow a symlink planted at the dump path', async () => {
    const dir = tmp();
    const target = join(dir, 'victim');
    writeFileSync(target, 'precious');
    const path = join(dir, 'keepalived.data');
    symlinkSync(target, path);
    await expect(writeDump('data', sampleSnapshot(), { path })).rejects.toMatchObject({ code: 'DUMP_WRITE_FAILED' });
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
  });

  it('refuses to write a dump that contains a configured secret', async () => {
    const dir = tmp();
    const s = sampleSnapshot();
    // A secret smuggled into free text (a script's command line).
    s.trackers[0]!.script!.command = ['/usr/local/bin/check', '--token', 'tok-9f8e7d6c'];
    const path = join(dir, 'keepalived.data');
    await expect(writeDump('data', s, { path, secrets: ['tok-9f8e7d6c'] })).rejects.toMatchObject({
      code: 'DUMP_SECRET_LEAK',
    });
    expect(existsSync(path)).toBe(false);
    expect(() => assertNoSecrets(formatDump('json', s), [{ reveal: () => 'tok-9f8e7d6c' }])).toThrow(/secret/);
    expect(() => assertNoSecrets(formatDump('stats', s), ['tok-9f8e7d6c'])).not.toThrow();
  });

  it('maps SIGUSR1 to the data dump and SIGUSR2 to the stats dump', () => {
    expect(DUMP_SIGNALS).toEqual({ SIGUSR1: 'data', SIGUSR2: 'stats' });
  });

  it('builds instance status from InstanceParams without the password', () => {
    const p: InstanceParams = {
      name: 'VI_1',
      vrid: 51,
      version: 2,
      family: 4,
      ifname: 'eth0',
      primaryIp: '192.0.2.10',
      priority: 150,
      intervalCs: 100,
      vips: ['192.0.2.100'],
      initialState: 'MASTER',
      preempt: true,
      preemptDelayMs: 0,
      downTimerAdverts: 3,
      unicastPeers: [],
      auth: { type: 'pass', password: 'pw-7c1d2e' },
      skipCheckAdvAddr: false,
      checkUnicastSrc: false,
      garpMasterDelayMs: 5000,
      garpMasterRefreshMs: 0,
      cloudClaim: false,
      cloudRelease: false,
      manageForwarding: false,
    };
    const c = instanceConfigFromParams(p, 3414);
    expect(c).toMatchObject({ name: 'VI_1', srcIp: '192.0.2.10', authType: 'pass', masterDownMs: 3414 });
    expect(JSON.stringify(c)).not.toContain('pw-7c1d2e');
  });
});
