/**
 * sd_notify datagrams reach a unix datagram socket bound at a path or an abstract name.
 * Node has no AF_UNIX datagram sockets, so a python3 one-liner is the receiver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { hasBinary } from '../helpers/netns.js';
import { notify } from '../../src/shell/net/sdnotify.js';

const RECEIVER = `
import socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\\0' + addr[1:] if addr.startswith('@') else addr)
print('ready', flush=True)
while len(sys.argv) < 3:
    print(s.recv(65536).hex(), flush=True)
sys.stdin.read()
`;

const reason = hasBinary('python3') || process.env.CI ? undefined : 'needs python3';

/** A datagram receiver; `next()` resolves with the next datagram as text. */
async function receiver(addr: string, read = true): Promise<{ child: ChildProcess; next: () => Promise<string> }> {
  const args = ['-c', RECEIVER, addr, ...(read ? [] : ['noread'])];
  const child = spawn('python3', args, { stdio: [read ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  procs.add(child);
  const queue: string[] = [];
  const waiting: Array<(s: string) => void> = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`receiver exited ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'ready') return resolve();
      const text = Buffer.from(line, 'hex').toString();
      const w = waiting.shift();
      if (w) w(text);
      else queue.push(text);
    });
  });
  const next = (): Promise<string> =>
    queue.length ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve));
  return { child, next };
}

const procs = new Set<ChildProcess>();
const dir = mkdtempSync(join(tmpdir(), 'keepvip-notify-'));

/** Stop a receiver this test started, by PID, and wait for it to exit. */
async function stop(child: ChildProcess): Promise<void> {
  procs.delete(child);
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGKILL');
  await exited;
}

afterAll(async () => {
  await Promise.all([...procs].map(stop));
  rmSync(dir, { recursive: true, force: true });
});

describe('notify (sd_notify)', () => {
  it('returns false when NOTIFY_SOCKET is unset or empty', () => {
    expect(notify('READY=1', {})).toBe(false);
    expect(notify('READY=1', { NOTIFY_SOCKET: '' })).toBe(false);
  });

  describe.skipIf(!!reason)('with a receiver', () => {
    it('delivers each state as one datagram to a socket path', async () => {
      const path = join(dir, 'notify.sock');
      const rx = await receiver(path);
      expect(notify('READY=1', { NOTIFY_SOCKET: path })).toBe(true);
      expect(await rx.next()).toBe('READY=1');
      expect(notify('STATUS=2 instances, MASTER\nMAINPID=4242', { NOTIFY_SOCKET: path })).toBe(true);
      expect(await rx.next()).toBe('STATUS=2 instances, MASTER\nMAINPID=4242');
      await stop(rx.child);
    });

    it('delivers to an abstract socket written as @name', async () => {
      const name = `@keepvip-test-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
      const rx = await receiver(name);
      for (let i = 0; i < 20; i++) {
        expect(notify(`WATCHDOG=1\nSTATUS=${i}`, { NOTIFY_SOCKET: name })).toBe(true);
        expect(await rx.next()).toBe(`WATCHDOG=1\nSTATUS=${i}`);
      }
      await stop(rx.child);
    });

    it('never blocks the loop: a receiver that stops reading yields ERR_SYSCALL EAGAIN', async () => {
      const path = join(dir, 'stalled.sock');
      const rx = await receiver(path, false);
      let err: unknown;
      let sent = 0;
      try {
        for (; sent < 10_000; sent++) notify('WATCHDOG=1', { NOTIFY_SOCKET: path });
      } catch (e) {
        err = e;
      }
      expect(sent).toBeGreaterThan(0);
      expect(err).toMatchObject({ code: 'ERR_SYSCALL', syscall: 'sendto(NOTIFY_SOCKET)', errnoName: 'EAGAIN' });
      await stop(rx.child);
    });
  });

  it('a missing socket is an ERR_SYSCALL naming sendto and ENOENT / ECONNREFUSED', () => {
    let err: unknown;
    try {
      notify('READY=1', { NOTIFY_SOCKET: join(dir, 'absent.sock') });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ERR_SYSCALL', syscall: 'sendto(NOTIFY_SOCKET)', errno: 2, errnoName: 'ENOENT' });
    expect((err as Error).message).toMatch(/sendto\(NOTIFY_SOCKET\).*ENOENT/);
    expect(() => notify('READY=1', { NOTIFY_SOCKET: `@keepvip-absent-${process.pid}-${Date.now()}` })).toThrow(
      expect.objectContaining({ code: 'ERR_SYSCALL', errnoName: 'ECONNREFUSED' }),
    );
  });

  it('rejects address forms other than a path or @name', () => {
    expect(() => notify('READY=1', { NOTIFY_SOCKET: 'vsock:2:1234' })).toThrow(
      expect.objectContaining({ code: 'ERR_NOTIFY_SOCKET' }),
    );
  });
});
