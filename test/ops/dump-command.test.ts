/**
 * `keepvip dump`: fetches the daemon's dumps over the control socket and writes them
 * (keepalived's /tmp/keepalived.json for --json) with the daemon's safeguards.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dumpCommand } from '../../src/cli-commands.js';
import { startControlServer, type ControlServer } from '../../src/ops/control.js';
import { runDumpCommand, DUMP_EXIT } from '../../src/ops/dump-command.js';
import { DEFAULT_DUMP_PATHS, dumpPath, formatDump } from '../../src/ops/dumps.js';
import { sampleSnapshot } from './helpers/sample-snapshot.js';

const dirs: string[] = [];
const servers: ControlServer[] = [];

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kvdump-'));
  chmodSync(d, 0o700);
  dirs.push(d);
  return d;
}

async function daemon(dir: string): Promise<string> {
  const path = join(dir, 'ctl.sock');
  servers.push(await startControlServer({ path, snapshot: () => sampleSnapshot() }));
  return path;
}

function sink() {
  let text = '';
  return { write: (s: string) => void (text += s), get text() { return text; } };
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('keepvip dump', () => {
  it('writes the JSON dump the daemon renders, mode 0600, to --file', async () => {
    const dir = tmp();
    const socket = await daemon(dir);
    const file = join(dir, 'keepalived.json');
    const out = sink();
    const err = sink();
    const code = await runDumpCommand({ formats: ['json'], socketPath: socket, file, out, err });
    expect(code, err.text).toBe(DUMP_EXIT.OK);
    expect(readFileSync(file, 'utf8')).toBe(formatDump('json', sampleSnapshot()));
    expect(Array.isArray(JSON.parse(readFileSync(file, 'utf8')))).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(out.text).toBe(`json dump written to ${file}\n`);
  });

  it("defaults to keepalived's paths, or dump_dir; --data --stats write both", async () => {
    expect(DEFAULT_DUMP_PATHS.json).toBe('/tmp/keepalived.json');
    expect(dumpPath('json')).toBe('/tmp/keepalived.json');
    expect(dumpPath('stats', '/var/lib/keepvip/')).toBe('/var/lib/keepvip/keepalived.stats');
    const dir = tmp();
    const socket = await daemon(dir);
    const out = sink();
    const code = await runDumpCommand({ formats: ['data', 'stats'], socketPath: socket, dumpDir: dir, out, err: sink() });
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'keepalived.data'), 'utf8')).toBe(formatDump('data', sampleSnapshot()));
    expect(readFileSync(join(dir, 'keepalived.stats'), 'utf8')).toBe(formatDump('stats', sampleSnapshot()));
    expect(existsSync(join(dir, 'keepalived.json'))).toBe(false);
  });

  it('through the command line: --json --file, --stdout, and -f FILE for control_socket and dump_dir', async () => {
    const dir = tmp();
    const socket = await daemon(dir);
    const out = sink();
    const err = sink();
    const file = join(dir, 'out.json');
    expect(await dumpCommand(['--json', '--file', file, '--socket', socket], { out: out.write, err: err.write }), err.text).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(formatDump('json', sampleSnapshot()));
    const printed = sink();
    expect(await dumpCommand(['--stats', '--stdout', '--socket', socket], { out: printed.write, err: err.write })).toBe(0);
    expect(printed.text).toBe(formatDump('stats', sampleSnapshot()));
    // No format: the JSON dump; socket and directory from the configuration.
    const dumps = join(dir, 'dumps');
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(
      conf,
      `keepvip_defs {\n  control_socket ${socket}\n  dump_dir ${dumps}\n}\nvrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n`,
    );
    mkdirSync(dumps);
    const viaConf = sink();
    expect(await dumpCommand(['-f', conf], { out: viaConf.write, err: err.write }), err.text).toBe(0);
    expect(viaConf.text).toBe(`json dump written to ${join(dumps, 'keepalived.json')}\n`);
    expect(readFileSync(join(dumps, 'keepalived.json'), 'utf8')).toBe(formatDump('json', sampleSnapshot()));
  });

  it('exit 1 when no daemon answers, 3 when the file cannot be written (a planted symlink), 2 for --file with two dumps', async () => {
    const dir = tmp();
    const err = sink();
    expect(await runDumpCommand({ socketPath: join(dir, 'none.sock'), file: join(dir, 'x.json'), out: sink(), err })).toBe(DUMP_EXIT.UNREACHABLE);
    expect(err.text).toMatch(/cannot reach the daemon/);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);

    const socket = await daemon(dir);
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'untouched');
    const link = join(dir, 'keepalived.json');
    symlinkSync(victim, link);
    const err2 = sink();
    expect(await runDumpCommand({ socketPath: socket, file: link, out: sink(), err: err2 })).toBe(DUMP_EXIT.WRITE_FAILED);
    expect(err2.text).toMatch(/cannot write/);
    expect(readFileSync(victim, 'utf8')).toBe('untouched');

    const err3 = sink();
    expect(await runDumpCommand({ formats: ['json', 'data'], socketPath: socket, file: join(dir, 'y'), out: sink(), err: err3 })).toBe(2);
    expect(err3.text).toMatch(/--file takes exactly one/);
  });

  it('refuses to write a dump holding a configured secret', async () => {
    const dir = tmp();
    const socket = await daemon(dir);
    const text = formatDump('data', sampleSnapshot());
    // Any string the dump really contains stands in for a leaked secret.
    const leaked = 'VI_1';
    expect(text).toContain(leaked);
    const err = sink();
    const file = join(dir, 'keepalived.data');
    expect(await runDumpCommand({ formats: ['data'], socketPath: socket, file, secrets: [leaked], out: sink(), err })).toBe(DUMP_EXIT.WRITE_FAILED);
    expect(err.text).toMatch(/secret/);
    expect(existsSync(file)).toBe(false);
  });
});
