import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/track/clock.js';
import { compileMatcher, parseStat, ProcessMonitor, scanProc, type ProcEntry } from '../../src/track/process.js';
import { until } from './proc-helpers.js';

const e = (comm: string, ...argv: string[]): ProcEntry => ({
  pid: 1,
  comm,
  cmdline: Buffer.from(argv.map((a) => a + '\0').join('')),
});

describe('process matching (keepalived.conf vrrp_track_process)', () => {
  it('matches the process name exactly, not as a pattern', () => {
    const m = compileMatcher({ process: ['ssh'] });
    expect(m.useCmdline).toBe(false);
    expect(m.test(e('ssh', '/usr/bin/ssh'))).toBe(true);
    expect(m.test(e('sshd', '/usr/sbin/sshd'))).toBe(false);
  });

  it('compares a name longer than 15 bytes on its first 15 (the kernel truncates comm)', () => {
    const m = compileMatcher({ process: ['abcdefghijklmnopqrstu'] });
    expect(m.test(e('abcdefghijklmno'))).toBe(true);
    expect(m.test(e('abcdefghijklmnX'))).toBe(false);
  });

  it('with parameters compares argv exactly by default', () => {
    const m = compileMatcher({ process: ['/usr/sbin/haproxy', '-f', '/etc/h.cfg'] });
    expect(m.useCmdline).toBe(true);
    expect(m.test(e('haproxy', '/usr/sbin/haproxy', '-f', '/etc/h.cfg'))).toBe(true);
    expect(m.test(e('haproxy', '/usr/sbin/haproxy', '-f', '/etc/h.cfg', '-D'))).toBe(false);
    expect(m.test(e('haproxy', 'haproxy', '-f', '/etc/h.cfg'))).toBe(false);
    expect(m.test(e('haproxy', '/usr/sbin/haproxy', '-f', '/etc/h.cfgx'))).toBe(false);
  });

  it('partial: more parameters may follow; initial: the last one may also be longer', () => {
    const partial = compileMatcher({ process: ['nginx', '-c'], paramMatch: 'partial' });
    expect(partial.test(e('nginx', 'nginx', '-c', '/etc/n.conf'))).toBe(true);
    expect(partial.test(e('nginx', 'nginx', '-cx'))).toBe(false);
    const initial = compileMatcher({ process: ['nginx', '-c'], paramMatch: 'initial' });
    expect(initial.test(e('nginx', 'nginx', '-cx'))).toBe(true);
    expect(initial.test(e('nginx', 'nginx', '-c', 'y'))).toBe(true);
    expect(initial.test(e('nginx', 'nginx', '-x'))).toBe(false);
  });

  it('bare param_match (exact) with no parameters means "no parameters at all"', () => {
    const m = compileMatcher({ process: ['sleep'], paramMatch: 'exact' });
    expect(m.test(e('sleep', 'sleep'))).toBe(true);
    expect(m.test(e('sleep', 'sleep', '5'))).toBe(false);
  });

  it('full_command without parameters compares argv[0] and ignores the rest', () => {
    const m = compileMatcher({ process: ['/usr/bin/python3'], fullCommand: true });
    expect(m.test(e('python3', '/usr/bin/python3', 'x.py'))).toBe(true);
    expect(m.test(e('python3', 'python3', 'x.py'))).toBe(false);
  });

  it('copes with a cmdline without its final NUL (rewritten argv) and an empty one (kernel thread)', () => {
    const m = compileMatcher({ process: ['nginx: master'], fullCommand: true });
    expect(m.test({ pid: 1, comm: 'nginx', cmdline: Buffer.from('nginx: master') })).toBe(true);
    expect(m.test({ pid: 2, comm: 'kthreadd', cmdline: Buffer.alloc(0) })).toBe(false);
  });

  it('parses /proc/PID/stat with parentheses in the name', () => {
    expect(parseStat('42 (a) b) S 1 42 42 0')).toEqual({ comm: 'a) b', state: 'S' });
    expect(parseStat('43 (x) Z 1 43')).toEqual({ comm: 'x', state: 'Z' });
  });
});

describe('/proc scanning with real processes', () => {
  const tag = `0.00${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const children: ChildProcess[] = [];
  let dir: string;
  let bin: string;
  const name = `kvp${(process.pid % 100000).toString(36)}${Math.floor(Math.random() * 1e5).toString(36)}`.slice(0, 12);

  const start = (file: string, args: string[]): ChildProcess => {
    const c = spawn(file, args, { stdio: 'ignore' });
    children.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = mkdtempSync(`${tmpdir()}/kv-proc-`);
    mkdirSync(`${dir}/bin`);
    bin = `${dir}/bin/${name}`;
    copyFileSync('/usr/bin/sleep', bin);
    for (let i = 0; i < 3; i++) start('/usr/bin/sleep', [tag, '30']);
    start('/usr/bin/sleep', [tag, '31']);
    // A zombie named like the binary: the first copy exits and its parent (the exec'd
    // second copy) never reaps it.
    writeFileSync(`${dir}/z.sh`, `${bin} 0.01 & exec ${bin} 30\n`);
    start('/bin/sh', [`${dir}/z.sh`]);
    await until(() => children.every((c) => c.pid !== undefined), 2000, 'spawn');
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(() => {
    for (const c of children) {
      if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) continue;
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts processes by argv (exact and partial) in one scan', async () => {
    const states: Array<[string, boolean, number]> = [];
    const mon = new ProcessMonitor(
      [
        { name: 'exact30', process: ['/usr/bin/sleep', tag, '30'] },
        { name: 'partial', process: ['/usr/bin/sleep', tag], paramMatch: 'partial' },
        { name: 'initial', process: ['/usr/bin/sleep', tag.slice(0, -2)], paramMatch: 'initial' },
        { name: 'q4', process: ['/usr/bin/sleep', tag], paramMatch: 'partial', quorum: 5 },
        { name: 'max3', process: ['/usr/bin/sleep', tag], paramMatch: 'partial', quorumMax: 3 },
      ],
      { clock: new ManualClock(), onState: (n, ok, count) => states.push([n, ok, count]) },
    );
    const counts = await mon.count();
    expect(Object.fromEntries(counts)).toEqual({ exact30: 3, partial: 4, initial: 4, q4: 4, max3: 4 });
    await mon.scanNow();
    expect(states).toEqual([
      ['exact30', true, 3],
      ['partial', true, 4],
      ['initial', true, 4],
      ['q4', false, 4],
      ['max3', false, 4],
    ]);
    expect(mon.scans).toBe(2);
  });

  it('does not count zombies', async () => {
    const all = await scanProc('/proc', false);
    expect(all.filter((p) => p.comm === name)).toHaveLength(1);
    const mon = new ProcessMonitor([{ name: 'z', process: [name] }], { onState: () => undefined });
    expect((await mon.count()).get('z')).toBe(1);
  });

  it('notices a process going away on the next scan', async () => {
    const extra = start('/usr/bin/sleep', [tag, '32']);
    const clock = new ManualClock();
    const states: Array<[boolean, number]> = [];
    const mon = new ProcessMonitor([{ name: 'one', process: ['/usr/bin/sleep', tag, '32'] }], {
      clock,
      intervalMs: 1000,
      onState: (_n, ok, count) => states.push([ok, count]),
    });
    mon.start();
    await until(() => states.length === 1, 3000, 'first scan');
    expect(states[0]).toEqual([true, 1]);
    process.kill(extra.pid!, 'SIGKILL');
    await new Promise<void>((r) => extra.once('exit', () => r()));
    clock.advance(1000);
    await until(() => states.length === 2, 3000, 'second scan');
    expect(states[1]).toEqual([false, 0]);
    mon.stop();
  });

  it('applies terminate_delay before reporting the loss', async () => {
    const extra = start('/usr/bin/sleep', [tag, '33']);
    const clock = new ManualClock();
    const states: Array<[boolean, number]> = [];
    const mon = new ProcessMonitor([{ name: 'one', process: ['/usr/bin/sleep', tag, '33'], terminateDelayMs: 2500 }], {
      clock,
      intervalMs: 1000,
      onState: (_n, ok, count) => states.push([ok, count]),
    });
    mon.start();
    await until(() => states.length === 1, 3000, 'first scan');
    process.kill(extra.pid!, 'SIGKILL');
    await new Promise<void>((r) => extra.once('exit', () => r()));
    clock.advance(1000); // t=1000: the scan sees 0: count reported, state still OK
    await until(() => states.length === 2, 3000, 'scan');
    expect(states[1]).toEqual([true, 0]);
    clock.advance(2499);
    await new Promise((r) => setTimeout(r, 150));
    expect(states.every(([ok]) => ok)).toBe(true);
    clock.advance(1); // t=3500: 2500 ms after the loss was seen
    await until(() => states.at(-1)![0] === false, 3000, 'delayed loss');
    mon.stop();
  });
});
