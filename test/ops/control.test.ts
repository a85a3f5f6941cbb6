import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, existsSync, lstatSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlRequest, handleRequest, startControlServer, type ControlServer } from '../../src/ops/control.js';
import { formatDump } from '../../src/ops/dumps.js';
import { isRoot } from '../helpers/netns.js';
import { sampleSnapshot } from './helpers/sample-snapshot.js';

const run = promisify(execFile);
const dirs: string[] = [];
const servers: (ControlServer | Server)[] = [];
const rawSockets = new Set<Socket>();

/** A plain unix-socket server standing in for a broken daemon. */
async function rawServer(path: string, onConn: (s: Socket) => void): Promise<void> {
  const srv = createServer((s) => {
    rawSockets.add(s);
    onConn(s);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(path, () => r()));
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kvctl-'));
  // World-traversable, so only the socket's own mode protects it.
  chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}

afterEach(async () => {
  for (const s of rawSockets) s.destroy();
  rawSockets.clear();
  for (const s of servers.splice(0)) {
    if ('path' in s) await s.close();
    else await new Promise<void>((r) => s.close(() => r()));
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(path: string, extra: Partial<Parameters<typeof startControlServer>[0]> = {}) {
  const s = await startControlServer({ path, snapshot: () => sampleSnapshot(), ...extra });
  servers.push(s);
  return s;
}

describe('control socket server and client', () => {
  it('answers status, stats, dump and reload over a real unix socket', async () => {
    const path = join(tmp(), 'keepvip.sock');
    let reloads = 0;
    await start(path, { reload: async () => ({ ok: true, message: `reload ${++reloads}` }) });

    const status = await controlRequest(path, { cmd: 'status' });
    expect(status).toEqual({ ok: true, cmd: 'status', result: sampleSnapshot() });

    const stats = await controlRequest(path, { cmd: 'stats' });
    expect(stats.ok && stats.cmd === 'stats' && stats.result.instances.map((i) => [i.name, i.stats.advertSent])).toEqual([
      ['VI_1', 3],
      ['VI_6', 0],
      ['VI_U', 12],
    ]);

    for (const format of ['data', 'stats', 'json'] as const) {
      const d = await controlRequest(path, { cmd: 'dump', format });
      expect(d).toEqual({ ok: true, cmd: 'dump', result: { format, text: formatDump(format, sampleSnapshot()) } });
    }
    expect(await controlRequest(path, { cmd: 'reload' })).toEqual({ ok: true, cmd: 'reload', result: { ok: true, message: 'reload 1' } });
    expect(reloads).toBe(1);
  });

  it('creates the socket with mode 0600, and its missing directory with 0700', async () => {
    const path = join(tmp(), 'run', 'keepvip', 'keepvip.sock');
    // Even under a permissive umask.
    const old = process.umask(0o000);
    try {
      await start(path);
    } finally {
      process.umask(old);
    }
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    // The process umask is back to what it was.
    expect(process.umask(old)).toBe(old);
  });

  it('reports errors as {ok:false, error:{code}} and keeps the connection usable', async () => {
    const h = { snapshot: () => sampleSnapshot() };
    expect(await handleRequest('not json', h)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await handleRequest('{"nocmd":1}', h)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await handleRequest('{"cmd":"launch"}', h)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    expect(await handleRequest('{"cmd":"reload"}', h)).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
    expect(await handleRequest('{"cmd":"dump","format":"xml"}', h)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const failing = {
      snapshot: () => {
        throw Object.assign(new Error('state unavailable'), { code: 'NOT_READY' });
      },
    };
    expect(await handleRequest('{"cmd":"status"}', failing)).toEqual({ ok: false, error: { code: 'NOT_READY', message: 'state unavailable' } });
  });

  it('answers several requests on one connection, in order', async () => {
    const path = join(tmp(), 'k.sock');
    await start(path);
    const script = `
      const s = require('net').createConnection(${JSON.stringify(path)});
      let buf = '';
      s.on('connect', () => s.write('{"cmd":"stats"}\\n{"cmd":"nope"}\\n\\n{"cmd":"status"}\\n'));
      s.on('data', (d) => { buf += d; if (buf.split('\\n').length > 3) { process.stdout.write(buf); s.destroy(); } });
    `;
    // A separate process: this one runs the server and must stay free to answer.
    const { stdout: out } = await run(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    const answers = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(answers.map((a) => a.cmd ?? a.error.code)).toEqual(['stats', 'UNKNOWN_COMMAND', 'status']);
  });

  it('closes a connection whose request line is too long', async () => {
    const path = join(tmp(), 'k.sock');
    await start(path);
    const script = `
      const s = require('net').createConnection(${JSON.stringify(path)});
      let buf = '';
      s.on('connect', () => s.write('x'.repeat(70000)));
      s.on('data', (d) => (buf += d));
      s.on('close', () => process.stdout.write(buf));
    `;
    const { stdout: out } = await run(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(JSON.parse(out)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'request too long' } });
  });

  it('replaces a stale socket left by a dead daemon', async () => {
    const path = join(tmp(), 'k.sock');
    // A process that binds the path and dies without unlinking it.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(lstatSync(path).isSocket()).toBe(true);
    await expect(controlRequest(path, { cmd: 'status' })).rejects.toMatchObject({ code: 'CONTROL_UNREACHABLE' });
    await start(path);
    expect(await controlRequest(path, { cmd: 'status' })).toMatchObject({ ok: true });
  });

  it('refuses to start when another daemon answers, or the path is not a socket', async () => {
    const path = join(tmp(), 'k.sock');
    await start(path);
    await expect(startControlServer({ path, snapshot: () => sampleSnapshot() })).rejects.toMatchObject({ code: 'CONTROL_IN_USE' });
    expect(await controlRequest(path, { cmd: 'status' })).toMatchObject({ ok: true });

    const file = join(tmp(), 'not-a-socket');
    writeFileSync(file, 'keep me');
    await expect(startControlServer({ path: file, snapshot: () => sampleSnapshot() })).rejects.toMatchObject({
      code: 'CONTROL_PATH_NOT_SOCKET',
    });
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('removes the socket file on close', async () => {
    const path = join(tmp(), 'k.sock');
    const s = await startControlServer({ path, snapshot: () => sampleSnapshot() });
    await s.close();
    expect(existsSync(path)).toBe(false);
  });
});

describe('control client failures', () => {
  it('CONTROL_UNREACHABLE when nothing is there', async () => {
    await expect(controlRequest(join(tmp(), 'absent.sock'), { cmd: 'status' })).rejects.toMatchObject({ code: 'CONTROL_UNREACHABLE' });
  });

  it('CONTROL_TIMEOUT when the daemon never answers', async () => {
    const path = join(tmp(), 'mute.sock');
    await rawServer(path, () => undefined);
    await expect(controlRequest(path, { cmd: 'status' }, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'CONTROL_TIMEOUT' });
  });

  it('CONTROL_PROTOCOL on a garbage answer or a hang-up', async () => {
    const path = join(tmp(), 'junk.sock');
    await rawServer(path, (s) => s.end('<html>\n'));
    await expect(controlRequest(path, { cmd: 'status' })).rejects.toMatchObject({ code: 'CONTROL_PROTOCOL' });
    const path2 = join(tmp(), 'hangup.sock');
    await rawServer(path2, (s) => s.end());
    await expect(controlRequest(path2, { cmd: 'status' })).rejects.toMatchObject({ code: 'CONTROL_PROTOCOL' });
  });
});

// Needs root to switch to another user; under CI=true it runs (and fails) rather than skips.
const notRoot = !isRoot && !process.env.CI ? 'needs root (to connect as another user)' : undefined;

describe.skipIf(!!notRoot)('the 0600 mode is enforced by the kernel', () => {
  it('refuses a non-root user (nobody) and accepts root', async () => {
    const path = join(tmp(), 'k.sock');
    await start(path);
    const probe = `
      const s = require('net').createConnection(${JSON.stringify(path)});
      s.on('connect', () => { process.stdout.write('connected'); s.destroy(); });
      s.on('error', (e) => process.stdout.write(e.code));
    `;
    const asNobody = await run(process.execPath, ['-e', probe], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000 });
    expect(asNobody.stdout).toBe('EACCES');
    const asRoot = await run(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 10_000 });
    expect(asRoot.stdout).toBe('connected');
  });
});
