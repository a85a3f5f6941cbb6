/**
 * Bad configuration files, as operators and accidents produce them (no root needed):
 *
 *   - every prefix of rich valid configurations (a file cut short by a full disk or an
 *     interrupted copy): never an exception, every diagnostic positioned;
 *   - a file that cannot be read (missing, a directory, a path under a file, mode 000 for
 *     an unprivileged user, a device that never ends): `keepvip -t` prints exactly one
 *     line, no stack trace, exit 2;
 *   - a missing include target: a positioned warning, the configuration still runs;
 *   - include loops and an include fan-out: a diagnostic, no hang;
 *   - huge files (50 MB of comments, 5,000 vrrp_instance blocks): parse time and peak
 *     memory printed and bounded, in a separate process;
 *   - binary garbage (random bytes, NULs, invalid UTF-8): diagnostics, no exception.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { nodeFs, type ConfigFs } from '../../src/config/fs.js';
import { loadConfig, parseConfigText, type LoadResult } from '../../src/config/load.js';
import { FIXTURES } from '../config/corpus.js';
import { hasBinary, isRoot } from '../helpers/netns.js';
import { KEEPVIP_CLI, REPO_ROOT } from '../helpers/vrrp-lab.js';

const CONFIG_ID = 'node1';
const INTERFACES = ['lo', 'eth0', 'eth1'];
const env = { interfaceExists: (n: string) => INTERFACES.includes(n) };
const anyInterface = { interfaceExists: () => true };

/** A deterministic generator (LCG), so every run abuses the parser the same way. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/**
 * Positions point into a file that was given, at line >= 1 (and within it), col >= 1;
 * `ok` is exactly "no error". Checked in plain code (thousands of parses), asserted once.
 */
function expectPositioned(r: LoadResult, lineCounts: Map<string, number>, what: string): void {
  const bad = r.diagnostics.filter(
    (d) =>
      !lineCounts.has(d.pos.file) ||
      !Number.isInteger(d.pos.line) ||
      !Number.isInteger(d.pos.col) ||
      d.pos.line < 1 ||
      d.pos.line > lineCounts.get(d.pos.file)! ||
      d.pos.col < 1 ||
      !['error', 'warning', 'note'].includes(d.severity) ||
      d.message.length === 0,
  );
  if (bad.length > 0) expect(bad, `${what}: diagnostics without a valid position`).toEqual([]);
  const ok = !r.diagnostics.some((d) => d.severity === 'error');
  if (r.ok !== ok) expect(r.ok, `${what}: ok`).toBe(ok);
}

const lines = (text: string) => text.split('\n').length;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], opts: { asNobody?: boolean } = {}): Promise<CliRun> {
  const cmd = ['node', '--import', 'tsx', KEEPVIP_CLI, ...args];
  const argv = opts.asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...cmd] : cmd;
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('bad configuration files', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keepvip-config-abuse-'));
    chmodSync(dir, 0o755);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('truncated at every byte offset', () => {
    // Every offset, except in full.conf (4.5 kB, the slowest): every third offset there,
    // plus every offset next to a character that changes the lexer's or the line
    // reader's state (quote, brace, backslash, $, comment, newline).
    const SEEDS: Array<{ file: string; stride: number }> = [
      { file: join(FIXTURES, 'full.conf'), stride: 3 },
      { file: join(REPO_ROOT, 'config', 'examples', 'huaweicloud-unicast.conf'), stride: 1 },
      { file: join(FIXTURES, 'tracking.conf'), stride: 1 },
      { file: join(FIXTURES, 'syntax.conf'), stride: 1 },
      { file: join(FIXTURES, 'structure.conf'), stride: 1 },
      { file: join(FIXTURES, 'unsupported.conf'), stride: 1 },
    ];
    const STATEFUL = new Set([...'"\'{}\\$#!\n'].map((c) => c.charCodeAt(0)));

    for (const { file, stride } of SEEDS) {
      it(`${file.slice(REPO_ROOT.length)}${stride > 1 ? ` (every ${stride} bytes and around every quote, brace, $ ...)` : ''}`, () => {
        const buf = readFileSync(file);
        const offsets: number[] = [];
        for (let i = 0; i <= buf.length; i++) {
          if (i % stride === 0 || i === buf.length || STATEFUL.has(buf[i]!) || STATEFUL.has(buf[i - 1]!)) offsets.push(i);
        }
        // Includes (syntax.conf) are read from the fixture directory; the main file is the cut one.
        let cut = '';
        const fs: ConfigFs = { ...nodeFs, readFile: (p) => (p === file ? cut : nodeFs.readFile(p)) };
        let diagnostics = 0;
        let errors = 0;
        for (const at of offsets) {
          cut = buf.subarray(0, at).toString('utf8');
          let r: LoadResult;
          try {
            r = loadConfig(file, { fs, configId: CONFIG_ID, env, random: () => 0.5 });
          } catch (e) {
            throw new Error(`${file} cut at byte ${at}: ${(e as Error).stack}`);
          }
          const counts = new Map([[file, lines(cut)]]);
          for (const d of r.diagnostics) if (d.pos.file !== file) counts.set(d.pos.file, lines(nodeFs.readFile(d.pos.file)));
          expectPositioned(r, counts, `${file} cut at byte ${at}`);
          diagnostics += r.diagnostics.length;
          errors += r.diagnostics.filter((d) => d.severity === 'error').length;
        }
        // The cuts do reach the checks: most prefixes end inside a block.
        expect(errors).toBeGreaterThan(offsets.length / 4);
        expect(diagnostics).toBeGreaterThanOrEqual(errors);
      }, 60_000);
    }

    it('a notify script cut inside its quotes is a warning, not a crash', () => {
      const r = parseConfigText(
        'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n priority 100\n notify "/bin/echo \'x"\n virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n',
        { env },
      );
      const d = r.diagnostics.find((x) => x.code === 'invalid-value' && /notify/.test(x.message));
      expect(d, JSON.stringify(r.diagnostics)).toMatchObject({ severity: 'warning', pos: { line: 5, col: 9 } });
      expect(r.model.instances[0]!.notify.generic).toBeUndefined();
    });
  });

  describe('a file that cannot be read: one line, no stack trace, exit 2', () => {
    const cases: Array<{ name: string; path: () => string; reason: RegExp; asNobody?: boolean; mode?: string }> = [
      { name: 'missing file', path: () => join(dir, 'no-such.conf'), reason: /ENOENT/ },
      { name: 'missing file, daemon mode (-n)', path: () => join(dir, 'no-such.conf'), reason: /ENOENT/, mode: '-n' },
      { name: 'a directory', path: () => dir, reason: /EISDIR/ },
      { name: 'a path under a regular file', path: () => join(dir, 'plain.conf', 'keepalived.conf'), reason: /ENOTDIR/ },
      { name: 'mode 000, unprivileged user', path: () => join(dir, 'locked.conf'), reason: /EACCES/, asNobody: isRoot },
      { name: 'a device that never ends (/dev/zero)', path: () => '/dev/zero', reason: /EFBIG/ },
    ];
    let runs: CliRun[];

    beforeAll(async () => {
      writeFileSync(join(dir, 'plain.conf'), 'global_defs {\n}\n');
      writeFileSync(join(dir, 'locked.conf'), 'global_defs {\n}\n');
      chmodSync(join(dir, 'locked.conf'), 0o000);
      if (isRoot && !hasBinary('setpriv')) throw new Error('running as root: setpriv (util-linux) is needed to test an unreadable file');
      runs = await Promise.all(cases.map((c) => runCli([c.mode ?? '-t', '-f', c.path()], { asNobody: c.asNobody ?? false })));
    }, 90_000);

    cases.forEach((c, i) => {
      it(c.name, () => {
        const r = runs[i]!;
        const what = JSON.stringify(r);
        expect(r.code, what).toBe(2);
        expect(r.stdout, what).toBe('');
        expect(r.stderr, what).not.toContain('    at ');
        const out = r.stderr.split('\n').filter((l) => l !== '');
        expect(out, what).toHaveLength(1);
        expect(out[0], what).toMatch(/^keepvip: cannot read configuration file /);
        expect(out[0], what).toContain(c.path());
        expect(out[0], what).toMatch(c.reason);
      });
    });
  });

  describe('includes', () => {
    const instance = (ifname = 'eth0') =>
      `vrrp_instance VI_1 {\n  interface ${ifname}\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n`;

    it('a missing include target: a positioned warning, and the configuration still runs', () => {
      const main = join(dir, 'inc-missing.conf');
      const text = `global_defs {\n  router_id r1\n}\n  include ${join(dir, 'no-such-dir', '*.conf')}\ninclude missing-too.conf\n${instance()}`;
      writeFileSync(main, text);
      const r = loadConfig(main, { configId: CONFIG_ID, env });
      expectPositioned(r, new Map([[main, lines(text)]]), main);
      // A pattern that matches nothing, and a plain name that does not exist.
      const misses = r.diagnostics.filter((d) => d.code === 'include-no-match' || d.code === 'include-unreadable');
      expect(misses.map((d) => [d.code, d.severity, d.pos.line, d.pos.col]), JSON.stringify(r.diagnostics)).toEqual([
        ['include-no-match', 'warning', 4, 3],
        ['include-unreadable', 'warning', 5, 1],
      ]);
      expect(r.ok).toBe(true);
      expect(r.model.instances.map((i) => i.name)).toEqual(['VI_1']);
    });

    it('an include cycle (a includes b includes a): one diagnostic at the include, read once, no hang', () => {
      const a = join(dir, 'cycle-a.conf');
      const b = join(dir, 'cycle-b.conf');
      writeFileSync(a, `include cycle-b.conf\n${instance()}`);
      writeFileSync(b, 'include cycle-a.conf\n');
      const r = loadConfig(a, { configId: CONFIG_ID, env });
      expectPositioned(r, new Map([[a, 10], [b, 2]]), 'cycle');
      const loops = r.diagnostics.filter((d) => d.code === 'include-depth');
      expect(loops, JSON.stringify(r.diagnostics)).toHaveLength(1);
      expect(loops[0]).toMatchObject({ severity: 'warning', pos: { file: b, line: 1, col: 1 } });
      expect(loops[0]!.message).toContain(a);
      // Each file's blocks were read once: no duplicate vrrp_instance from re-reading a.
      expect(r.diagnostics.filter((d) => d.code === 'duplicate-block')).toEqual([]);
      expect(r.ok).toBe(true);
    });

    it('a file that includes itself twice (2^32 reads without loop detection): two diagnostics, no hang', () => {
      const self = join(dir, 'self.conf');
      writeFileSync(self, `include self.conf\ninclude ${self}\n${instance()}`);
      const r = loadConfig(self, { configId: CONFIG_ID, env });
      expect(r.diagnostics.filter((d) => d.code === 'include-depth').map((d) => d.pos.line)).toEqual([1, 2]);
      expect(r.ok).toBe(true);
    });

    it('an include fan-out without a loop (each level includes the next twice) is bounded', () => {
      const sub = join(dir, 'fan');
      mkdirSync(sub, { recursive: true });
      for (let i = 0; i < 30; i++) writeFileSync(join(sub, `f${i}.conf`), `include f${i + 1}.conf\ninclude f${i + 1}.conf\n`);
      writeFileSync(join(sub, 'f30.conf'), '# leaf\n');
      const r = loadConfig(join(sub, 'f0.conf'), { configId: CONFIG_ID, env });
      const bounded = r.diagnostics.filter((d) => d.code === 'include-depth');
      expect(bounded.length).toBeGreaterThan(0);
      expect(bounded[0]!.message).toMatch(/files included/);
      for (const d of r.diagnostics) expect(d.pos.line).toBeGreaterThanOrEqual(1);
    }, 30_000);
  });

  describe('huge files: parse time and peak memory (separate process)', () => {
    interface Probe {
      ms: number;
      maxRssKb: number;
      ok: boolean;
      instances: number;
      codes: Record<string, number>;
      firstPositions: Diagnostic['pos'][];
    }

    /** loadConfig in a fresh node process: its peak RSS is the parse's, not this worker's. */
    function probe(file: string): Promise<Probe> {
      const script = join(dir, 'probe.mts');
      if (!existsSync(script)) writeFileSync(
        script,
        [
          `import { loadConfig } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'src/config/load.ts')).href)};`,
          'const t0 = performance.now();',
          `const r = loadConfig(process.argv[2], { configId: 'x', env: { interfaceExists: () => true } });`,
          'const ms = performance.now() - t0;',
          'const codes = {};',
          'for (const d of r.diagnostics) codes[d.code] = (codes[d.code] ?? 0) + 1;',
          'console.log(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, ok: r.ok, instances: r.model.instances.length,',
          '  codes, firstPositions: r.diagnostics.slice(0, 20).map((d) => d.pos) }));',
        ].join('\n'),
      );
      return new Promise((resolve, reject) => {
        execFile('node', ['--import', 'tsx', script, file], { cwd: REPO_ROOT, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`probe of ${file} failed: ${err.message}\n${stderr}`));
          else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Probe);
        });
      });
    }

    const BOUND_MS = 30_000;
    const FILES = {
      comments: 'comments-50mb.conf',
      unique: 'instances-5000.conf',
      duplicate: 'instances-dup.conf',
    } as const;
    const probes = new Map<keyof typeof FILES, Promise<Probe>>();

    /** The probe's result, printed; fails the test when the probe process failed. */
    async function measured(key: keyof typeof FILES, what: string): Promise<Probe> {
      const p = await probes.get(key)!;
      console.log(`[config-abuse] ${what}: parsed in ${p.ms.toFixed(0)} ms, peak RSS ${(p.maxRssKb / 1024).toFixed(0)} MB`);
      expect(p.ms).toBeLessThan(BOUND_MS);
      expect(p.maxRssKb).toBeLessThan(1024 * 1024);
      return p;
    }

    beforeAll(() => {
      const line = `# ${'x'.repeat(96)}\n! ${'y'.repeat(96)}\n`;
      writeFileSync(join(dir, FILES.comments), line.repeat(Math.ceil((50 * 1024 * 1024) / line.length)) + instanceText(0, 'eth0', 51));
      // Unique VRIDs are impossible beyond 255 per interface and family: 20 interfaces.
      writeFileSync(join(dir, FILES.unique), Array.from({ length: 5000 }, (_, i) => instanceText(i, `if${Math.floor(i / 250)}`, (i % 250) + 1)).join(''));
      writeFileSync(join(dir, FILES.duplicate), Array.from({ length: 5000 }, (_, i) => instanceText(i, 'eth0', (i % 255) + 1)).join(''));
      // The three probes run side by side (this is not a benchmark; bounds are generous).
      for (const key of Object.keys(FILES) as Array<keyof typeof FILES>) {
        const pr = probe(join(dir, FILES[key]));
        pr.catch(() => undefined); // awaited (and reported) by the test
        probes.set(key, pr);
      }
    });

    it('50 MB of comments, then one instance', async () => {
      const p = await measured('comments', '50 MB of comments');
      expect(p.ok, JSON.stringify(p)).toBe(true);
      expect(p.instances).toBe(1);
    }, 90_000);

    it('5,000 vrrp_instance blocks on 20 interfaces (unique VRIDs per interface)', async () => {
      const p = await measured('unique', '5,000 instances');
      expect(p.ok, JSON.stringify(p.codes)).toBe(true);
      expect(p.instances).toBe(5000);
    }, 90_000);

    it('5,000 vrrp_instance blocks on one interface: duplicate-VRID errors, each positioned', async () => {
      const p = await measured('duplicate', '5,000 instances, one interface');
      expect(p.ok).toBe(false);
      expect(p.codes['vrid-duplicate']).toBe(5000 - 255);
      const file = join(dir, FILES.duplicate);
      for (const pos of p.firstPositions) expect(pos.line >= 1 && pos.col >= 1 && pos.file === file, JSON.stringify(pos)).toBe(true);
    }, 90_000);
  });

  describe('binary garbage', () => {
    const load = (name: string, bytes: Buffer): LoadResult => {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      let r: LoadResult;
      try {
        r = loadConfig(file, { configId: CONFIG_ID, env: anyInterface });
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).stack}`);
      }
      // Line count as the loader sees it (invalid UTF-8 decodes to U+FFFD, never to '\n').
      expectPositioned(r, new Map([[file, lines(bytes.toString('utf8'))]]), name);
      return r;
    };

    it('random bytes (20 seeded files of 64 kB): diagnostics, never an exception', () => {
      const rnd = lcg(20260601);
      let errors = 0;
      for (let k = 0; k < 20; k++) {
        const bytes = Buffer.alloc(64 * 1024);
        for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rnd() * 256);
        const r = load(`random-${k}.bin`, bytes);
        expect(r.diagnostics.length, `random-${k}`).toBeGreaterThan(0);
        if (!r.ok) errors++;
      }
      // Random bytes hold unbalanced braces and quotes: keepvip would refuse them.
      expect(errors).toBe(20);
    });

    it('NUL bytes: a file of NULs, and NULs inside a valid configuration', () => {
      const nuls = load('nuls.bin', Buffer.alloc(4096));
      expect(nuls.diagnostics.length).toBeGreaterThan(0);
      const text = instanceText(0, 'eth0', 51);
      const withNul = load('nul-inside.conf', Buffer.from(text.replace('virtual_router_id 51', 'virtual_router_id 51\0\0').replace('priority 100', 'prio\0rity 100')));
      expect(withNul.ok).toBe(false);
      expect(withNul.diagnostics.some((d) => d.pos.line === 4), JSON.stringify(withNul.diagnostics)).toBe(true);
      expect(withNul.diagnostics.some((d) => d.pos.line === 5), JSON.stringify(withNul.diagnostics)).toBe(true);
    });

    it('invalid UTF-8 (overlong, lone continuation, truncated sequences, 0xFF) inside a valid configuration', () => {
      const base = Buffer.from(readFileSync(join(FIXTURES, 'full.conf')));
      const rnd = lcg(77);
      const bad = [[0xc0, 0xaf], [0x80], [0xe2, 0x82], [0xff, 0xfe], [0xf4, 0x90, 0x80, 0x80], [0xed, 0xa0, 0x80]];
      for (let k = 0; k < 30; k++) {
        const at = Math.floor(rnd() * base.length);
        const seq = Buffer.from(bad[k % bad.length]!);
        const bytes = Buffer.concat([base.subarray(0, at), seq, base.subarray(at)]);
        load(`utf8-${k}.conf`, bytes);
      }
      // The replacement character shows up in a diagnostic, at the right line.
      const text = instanceText(0, 'eth0', 51);
      const at = text.indexOf('priority');
      const r = load('utf8-keyword.conf', Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xc0, 0xaf]), Buffer.from(text.slice(at))]));
      const d = r.diagnostics.find((x) => x.code === 'unknown-keyword');
      expect(d, JSON.stringify(r.diagnostics)).toMatchObject({ pos: { line: 5 } });
    });
  });
});

/** One vrrp_instance block (10 lines). */
function instanceText(i: number, ifname: string, vrid: number): string {
  return (
    `vrrp_instance VI_${i} {\n  state BACKUP\n  interface ${ifname}\n  virtual_router_id ${vrid}\n  priority 100\n` +
    `  advert_int 1\n  virtual_ipaddress {\n    192.0.2.${(i % 250) + 1}/24\n  }\n}\n`
  );
}
