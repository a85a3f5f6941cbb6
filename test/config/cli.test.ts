/** The command line, run as a subprocess (`tsx src/cli.ts`) like a user would. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from './corpus.js';

const root = resolve(FIXTURES, '..', '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'keepvip-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keepvip(...args: string[]) {
  const r = spawnSync(tsx, [join(root, 'src', 'cli.ts'), ...args], { encoding: 'utf8', cwd: root, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function conf(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const VALID = `vrrp_instance VI {
  interface vnone0
  virtual_router_id 5
  advert_int 1.5
  authentication {
    auth_type PASS
    auth_pass hunter2
  }
  virtual_ipaddress {
    192.0.2.1
  }
}
global_defs {
  dynamic_interfaces
}
`;

describe('keepvip -t', () => {
  it('prints FILE:LINE:COL diagnostics and exits 0 when the configuration will run', () => {
    const f = conf('valid.conf', VALID);
    const r = keepvip('-t', '-f', f, '-i', 'node1');
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe(`${f}:2:3: warning: (VI) interface vnone0 does not exist yet [interface-unknown]`);
    expect(lines).toContain(`${f}:4:3: warning: (VI) VRRPv2 advert_int 1.5s must be whole seconds (rounded to 2) [advert-rounded]`);
    expect(lines.at(-1)).toMatch(/configuration will run$/);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('exits 1 when the configuration will not run', () => {
    const f = conf('bad.conf', 'vrrp_instance X {\n  interface eth0\n}\n');
    const r = keepvip('--config-test', '--use-file', f);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${f}:1:1: error: \\(X\\) virtual_router_id must be set`, 'm'));
    expect(r.stderr).toMatch(/configuration will NOT run/);
  });

  it('a missing file is one line, no stack trace, exit 2', () => {
    const r = keepvip('-t', '-f', join(dir, 'nope.conf'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`keepvip: cannot read configuration file ${join(dir, 'nope.conf')}: ENOENT`]);
  });

  it('a directory is an unreadable file, exit 2', () => {
    const r = keepvip('-t', '-f', dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/EISDIR/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('other modes', () => {
  it('--dump-config prints the resolved model as JSON with secrets redacted', () => {
    const f = conf('dump.conf', VALID);
    const r = keepvip('--dump-config', '-f', f);
    expect(r.status).toBe(0);
    const model = JSON.parse(r.stdout) as { instances: Array<{ auth: unknown; advertInt: number }> };
    expect(model.instances[0]!.auth).toEqual({ type: 'PASS', password: '***' });
    expect(model.instances[0]!.advertInt).toBe(2);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });

  it('--help lists the keepalived-compatible flags', () => {
    const r = keepvip('--help');
    expect(r.status).toBe(0);
    for (const flag of ['--use-file', '--config-test', '--dont-fork', '--log-console', '--log-detail', '--pid', '--config-id', '--dump-config']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('an unknown option is a usage error', () => {
    const r = keepvip('--frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument/);
  });

  it('daemon mode hands the resolved model to runDaemon, or says it is not available', async () => {
    const { main } = await import('../../src/cli.js');
    const f = conf('daemon.conf', VALID);
    const err: string[] = [];
    const quiet = { stdout: () => undefined, stderr: (s: string) => void err.push(s), env: {} };
    expect(await main(['-f', f], { ...quiet, loadDaemon: async () => undefined })).toBe(1);
    expect(err.join('')).toMatch(/daemon mode not available/);
    let seen: unknown;
    const code = await main(['-n', '-l', '-D', '-p', '/run/x.pid', '-i', 'node7', '-f', f], {
      ...quiet,
      loadDaemon: async () => async (opts) => {
        seen = opts;
        return 0;
      },
    });
    expect(code).toBe(0);
    expect(seen).toMatchObject({ configFile: f, configId: 'node7', dontFork: true, logConsole: true, logDetail: true, pidFile: '/run/x.pid' });
    expect((seen as { model: { instances: Array<{ name: string }> } }).model.instances[0]!.name).toBe('VI');
    // A configuration with errors never reaches the daemon.
    const bad = conf('daemon-bad.conf', 'vrrp_instance X {\n interface eth0\n}\n');
    let called = false;
    const badCode = await main(['-f', bad], { ...quiet, loadDaemon: async () => async () => ((called = true), 0) });
    expect([badCode, called]).toEqual([1, false]);
  });

  it("runs the daemon with V8's --optimize-for-size unless KEEPVIP_OPTIMIZE_FOR_SIZE=0", async () => {
    const { daemonV8Flags } = await import('../../src/cli.js');
    expect(daemonV8Flags({})).toEqual(['--optimize-for-size']);
    expect(daemonV8Flags({ KEEPVIP_OPTIMIZE_FOR_SIZE: '1' })).toEqual(['--optimize-for-size']);
    expect(daemonV8Flags({ KEEPVIP_OPTIMIZE_FOR_SIZE: '0' })).toEqual([]);
  });
});
