import { createServer, type Server } from 'node:net';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/track/clock.js';
import { ScriptRunner, type ScriptEvent, type ScriptRunResult } from '../../src/track/script-runner.js';
import { liveInGroup, until } from './proc-helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(`${tmpdir()}/kv-runner-`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const p = `${dir}/${name}`;
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

function runner(argv: string[], extra: Partial<ConstructorParameters<typeof ScriptRunner>[0]> = {}) {
  const clock = new ManualClock();
  const results: ScriptRunResult[] = [];
  const events: ScriptEvent[] = [];
  const r = new ScriptRunner({
    name: 'chk',
    argv,
    intervalMs: 1000,
    timeoutMs: 0,
    clock,
    onResult: (x) => results.push(x),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { r, clock, results, events };
}

describe('ScriptRunner', () => {
  it('maps exit status 0 to OK and anything else to failure', async () => {
    const ok = runner(['/bin/sh', '-c', 'exit 0']);
    expect((await ok.r.runOnce())!.ok).toBe(true);
    const bad = runner(['/bin/sh', '-c', 'exit 3']);
    const r = (await bad.r.runOnce())!;
    expect(r).toMatchObject({ ok: false, status: 3, timedOut: false });
    const sig = runner(['/bin/sh', '-c', 'kill -USR1 $$']);
    expect(await sig.r.runOnce()).toMatchObject({ ok: false, status: null, signal: 'SIGUSR1' });
    expect(bad.results).toHaveLength(1);
  });

  it('reports a command that cannot be started as a failure', async () => {
    const { r, events } = runner([`${dir}/does-not-exist`]);
    const res = (await r.runOnce())!;
    expect(res.ok).toBe(false);
    expect(res.error).toMatch(/ENOENT/);
    expect(events.some((e) => e.type === 'script_spawn_error')).toBe(true);
  });

  it('never runs the same script twice at once: a tick during a run is skipped', async () => {
    const gate = `${dir}/gate-${Date.now()}`;
    const started = `${dir}/started-${Date.now()}`;
    const p = script('slow.sh', `echo x >> ${started}\nwhile [ ! -e ${gate} ]; do sleep 0.02; done\nexit 0`);
    const { r, clock, results } = runner([p], { timeoutMs: 60_000 });
    r.start();
    await until(() => existsSync(started), 5000, 'first run');
    clock.advance(1000);
    clock.advance(1000);
    expect(r.stats).toMatchObject({ runs: 1, skipped: 2 });
    writeFileSync(gate, '');
    await until(() => results.length === 1, 5000, 'result');
    clock.advance(1000);
    await until(() => results.length === 2, 5000, 'second result');
    expect(readFileSync(started, 'utf8')).toBe('x\nx\n');
    await r.stop();
  });

  it('on timeout sends SIGTERM to the group, then SIGKILL 2 s later, leaving no process (leader and child ignore SIGTERM)', async () => {
    const m = `${dir}/t1`;
    const p = script(
      'stubborn.sh',
      `( trap '' TERM; echo child > ${m}.child; while :; do sleep 0.05; done ) &
trap 'echo term >> ${m}.leader' TERM
echo ready > ${m}.ready
while :; do sleep 0.05; done`,
    );
    const { r, clock, events } = runner([p], { timeoutMs: 3000 });
    const done = r.runOnce()!;
    await until(() => existsSync(`${m}.ready`) && existsSync(`${m}.child`), 5000, 'script start');
    // The pid arrives from the spawner thread, possibly after the script's first output.
    await until(() => events.some((e) => e.type === 'script_started'), 5000, 'script_started');
    const pid = (events.find((e) => e.type === 'script_started') as { pid: number }).pid;
    expect(liveInGroup(pid).length).toBeGreaterThanOrEqual(2);
    clock.advance(2999);
    await new Promise((res) => setTimeout(res, 100));
    expect(existsSync(`${m}.leader`)).toBe(false);
    clock.advance(1); // timeout: SIGTERM to the group
    await until(() => existsSync(`${m}.leader`), 5000, 'SIGTERM to reach the leader');
    await new Promise((res) => setTimeout(res, 100));
    expect(liveInGroup(pid).length).toBeGreaterThanOrEqual(2); // both ignore it
    clock.advance(1999);
    await new Promise((res) => setTimeout(res, 100));
    expect(liveInGroup(pid).length).toBeGreaterThanOrEqual(2);
    clock.advance(1); // SIGKILL
    const res = await done;
    expect(res).toMatchObject({ ok: false, timedOut: true, signal: 'SIGKILL' });
    await until(() => liveInGroup(pid).length === 0, 5000, 'the group to die');
    expect(r.stats.timeouts).toBe(1);
  });

  it('kills a SIGTERM-ignoring child at once when the leader exits on SIGTERM', async () => {
    const m = `${dir}/t2`;
    const p = script('leader-dies.sh', `( trap '' TERM; echo child > ${m}.child; while :; do sleep 0.05; done ) &\nwhile :; do sleep 0.05; done`);
    const { r, clock, events } = runner([p], { timeoutMs: 500 });
    const done = r.runOnce()!;
    await until(() => existsSync(`${m}.child`), 5000, 'child');
    // The pid arrives from the spawner thread, possibly after the script's first output.
    await until(() => events.some((e) => e.type === 'script_started'), 5000, 'script_started');
    const pid = (events.find((e) => e.type === 'script_started') as { pid: number }).pid;
    clock.advance(500);
    const res = await done;
    expect(res.timedOut).toBe(true);
    expect(res.signal).toBe('SIGTERM');
    await until(() => liveInGroup(pid).length === 0, 2000, 'the child to be killed without waiting 2 s');
    expect(clock.now()).toBe(500);
  });

  it('completes when the script exits, even if a background child keeps its output open (and leaves that child alone)', async () => {
    const m = `${dir}/bg`;
    const p = script('bg.sh', `sleep 30 &\necho $! > ${m}\nexit 0`);
    const { r } = runner([p], { timeoutMs: 60_000 });
    const res = (await r.runOnce())!;
    expect(res).toMatchObject({ ok: true, status: 0, timedOut: false });
    const child = Number(readFileSync(m, 'utf8'));
    expect(() => process.kill(child, 0)).not.toThrow(); // keepalived does not reap it either
    process.kill(child, 'SIGKILL');
  });

  it('uses the interval as the timeout when timeout is 0', () => {
    expect(runner(['/bin/true'], { intervalMs: 5000, timeoutMs: 0 }).r.timeoutMs).toBe(5000);
    expect(runner(['/bin/true'], { intervalMs: 5000, timeoutMs: 2000 }).r.timeoutMs).toBe(2000);
  });

  it('runs at a fixed rate: at start, then once per interval', async () => {
    const { r, clock, results } = runner(['/bin/true'], { intervalMs: 2000 });
    r.start();
    await until(() => results.length === 1, 5000, 'first');
    clock.advance(1999);
    await new Promise((res) => setTimeout(res, 50));
    expect(results).toHaveLength(1);
    clock.advance(1);
    await until(() => results.length === 2, 5000, 'second');
    clock.advance(2000);
    await until(() => results.length === 3, 5000, 'third');
    await r.stop();
    clock.advance(10_000);
    await new Promise((res) => setTimeout(res, 50));
    expect(results).toHaveLength(3);
  });

  it('captures output for the debug log, bounded', async () => {
    const { r, events } = runner(['/bin/sh', '-c', 'printf "%05000d" 0; printf "%05000d" 0 >&2'], { outputLimit: 4096 });
    const res = (await r.runOnce())!;
    expect(res.output).toHaveLength(4096);
    expect(res.outputDropped).toBe(10_000 - 4096);
    expect(events).toContainEqual({ type: 'script_output', name: 'chk', output: res.output, dropped: 10_000 - 4096 });
  });

  it('stop() terminates a run in progress and does not report it', async () => {
    const m = `${dir}/t3`;
    const p = script('forever.sh', `echo ready > ${m}\nwhile :; do sleep 0.05; done`);
    const { r, results, events } = runner([p], { timeoutMs: 60_000, killGraceMs: 200 });
    r.start();
    await until(() => existsSync(m), 5000, 'start');
    // The pid arrives from the spawner thread, possibly after the script's first output.
    await until(() => events.some((e) => e.type === 'script_started'), 5000, 'script_started');
    const pid = (events.find((e) => e.type === 'script_started') as { pid: number }).pid;
    await r.stop();
    expect(results).toHaveLength(0);
    await until(() => liveInGroup(pid).length === 0, 3000, 'group gone');
  });

  it.skipIf(process.getuid?.() !== 0)('runs as the given uid/gid', async () => {
    const { r } = runner(['/usr/bin/id', '-u'], { uid: 65534, gid: 65534 });
    const res = (await r.runOnce())!;
    expect(res.output.trim()).toBe('65534');
    const g = runner(['/usr/bin/id', '-g'], { uid: 65534, gid: 65534 });
    expect((await g.r.runOnce())!.output.trim()).toBe('65534');
  });
});

describe('ScriptRunner: the "</path" form, without a shell', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((res) => server.close(() => res())));

  it('</dev/tcp/HOST/PORT succeeds when something listens (bash semantics)', async () => {
    const { r } = runner([`</dev/tcp/127.0.0.1/${port}`]);
    expect(await r.runOnce()).toMatchObject({ ok: true, status: 0 });
  });

  it('</dev/tcp/HOST/PORT fails when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', () => res()));
    const p = (closed.address() as { port: number }).port;
    await new Promise<void>((res) => closed.close(() => res()));
    const { r } = runner([`</dev/tcp/127.0.0.1/${p}`]);
    expect(await r.runOnce()).toMatchObject({ ok: false, status: 1 });
  });

  it('a "</path" check that hangs times out like a script and counts as a failure', async () => {
    let aborted = false;
    const { r, clock, events } = runner(['</dev/tcp/127.0.0.1/9'], {
      timeoutMs: 1000,
      openCheck: (_c, signal) =>
        new Promise((res) => signal.addEventListener('abort', () => ((aborted = true), res({ ok: false, detail: 'aborted' })))),
    });
    const done = r.runOnce()!;
    clock.advance(999);
    await new Promise((res) => setTimeout(res, 20));
    expect(aborted).toBe(false);
    clock.advance(1);
    expect(await done).toMatchObject({ ok: false, timedOut: true });
    expect(aborted).toBe(true);
    expect(events.some((e) => e.type === 'script_timeout')).toBe(true);
  });

  it('</file succeeds when the file can be opened, fails otherwise', async () => {
    writeFileSync(`${dir}/present`, '1');
    expect((await runner([`<${dir}/present`]).r.runOnce())!.ok).toBe(true);
    expect((await runner([`< ${dir}/absent`]).r.runOnce())!.ok).toBe(false);
  });
});
