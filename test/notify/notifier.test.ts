import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/track/clock.js';
import type { LineSink } from '../../src/notify/fifo.js';
import { Notifier, type NotifyLogEvent } from '../../src/notify/notifier.js';
import { liveInGroup, until } from '../track/proc-helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(`${tmpdir()}/kv-notify-`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A script that logs "<tag> start <ns>", optionally sleeps, then "<tag> end <ns>". */
function stamp(log: string, tag: string, sleep = 0): string {
  const p = `${dir}/s${n++}.sh`;
  writeFileSync(p, `#!/bin/sh\necho "${tag} start $(date +%s%N) $*" >> ${log}\n${sleep ? `sleep ${sleep}\n` : ''}echo "${tag} end $(date +%s%N)" >> ${log}\n`);
  chmodSync(p, 0o755);
  return p;
}

function parse(log: string): Array<{ tag: string; what: string; t: bigint; rest: string }> {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [tag, what, t, ...rest] = l.split(' ');
      return { tag: tag!, what: what!, t: BigInt(t!), rest: rest.join(' ') };
    });
}

const at = (events: ReturnType<typeof parse>, tag: string, what: string): bigint => events.find((e) => e.tag === tag && e.what === what)!.t;

class Sink implements LineSink {
  lines: string[] = [];
  write(line: string): boolean {
    this.lines.push(line);
    return true;
  }
}

describe('Notifier', () => {
  it('a slow BACKUP script is followed by the MASTER script only once it has finished', async () => {
    const log = `${dir}/order.log`;
    const notifier = new Notifier({
      targets: [{ kind: 'INSTANCE', name: 'VI_1', backup: { argv: [stamp(log, 'B', 0.6)] }, master: { argv: [stamp(log, 'M')] } }],
    });
    const b = notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: 100 });
    const m = notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100 });
    expect(notifier.backlog('INSTANCE', 'VI_1')).toBe(2);
    await Promise.all([b, m]);
    const ev = parse(log);
    expect(ev.map((e) => `${e.tag} ${e.what}`)).toEqual(['B start', 'B end', 'M start', 'M end']);
    expect(at(ev, 'M', 'start')).toBeGreaterThanOrEqual(at(ev, 'B', 'end'));
  });

  it('different instances do not wait for each other', async () => {
    const log = `${dir}/par.log`;
    const notifier = new Notifier({
      targets: [
        { kind: 'INSTANCE', name: 'VI_1', backup: { argv: [stamp(log, 'B1', 0.6)] } },
        { kind: 'INSTANCE', name: 'VI_2', master: { argv: [stamp(log, 'M2')] } },
      ],
    });
    await Promise.all([
      notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: 100 }),
      notifier.notify({ kind: 'INSTANCE', name: 'VI_2', state: 'MASTER', priority: 100 }),
    ]);
    const ev = parse(log);
    expect(at(ev, 'M2', 'end')).toBeLessThan(at(ev, 'B1', 'end'));
  });

  it('runs the state script with its own argv, then the generic one with four more arguments', async () => {
    const log = `${dir}/args.log`;
    const sink = new Sink();
    const notifier = new Notifier({
      targets: [
        { kind: 'INSTANCE', name: 'VI_1', fault: { argv: [stamp(log, 'F'), 'x y'] }, generic: { argv: [stamp(log, 'G'), 'cfg'] } },
        { kind: 'GROUP', name: 'G1', generic: { argv: [stamp(log, 'GG')] } },
      ],
      fifos: [sink],
    });
    await notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'FAULT', priority: 90 });
    await notifier.notify({ kind: 'GROUP', name: 'G1', state: 'FAULT', priority: 90 });
    await notifier.notify({ kind: 'INSTANCE', name: 'VI_9', state: 'BACKUP', priority: 50 }); // no scripts: FIFO only
    const starts = parse(log).filter((e) => e.what === 'start');
    expect(starts.map((e) => `${e.tag}:${e.rest}`)).toEqual(['F:x y', 'G:cfg INSTANCE VI_1 FAULT 90', 'GG:GROUP G1 FAULT 0']);
    expect(sink.lines).toEqual(['INSTANCE "VI_1" FAULT 90\n', 'GROUP "G1" FAULT 0\n', 'INSTANCE "VI_9" BACKUP 50\n']);
  });

  it('writes FIFO lines at once, before queued scripts run', () => {
    const sink = new Sink();
    const notifier = new Notifier({ targets: [{ kind: 'INSTANCE', name: 'VI_1', backup: { argv: ['/bin/sleep', '0.2'] } }], fifos: [sink] });
    void notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: 1 });
    void notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 2 });
    notifier.notifyPriority('INSTANCE', 'VI_1', 'MASTER', 3);
    expect(sink.lines).toEqual(['INSTANCE "VI_1" BACKUP 1\n', 'INSTANCE "VI_1" MASTER 2\n', 'INSTANCE "VI_1" MASTER_PRIORITY 3\n']);
    return notifier.drain(5000);
  });

  it('kills a script that outlives the notify timeout (SIGTERM, then SIGKILL) and goes on with the next', async () => {
    const log = `${dir}/timeout.log`;
    const stuck = `${dir}/stuck.sh`;
    writeFileSync(stuck, `#!/bin/sh\ntrap '' TERM\necho ready > ${dir}/stuck.ready\nwhile :; do sleep 0.05; done\n`);
    chmodSync(stuck, 0o755);
    const clock = new ManualClock();
    const events: NotifyLogEvent[] = [];
    const notifier = new Notifier({
      targets: [{ kind: 'INSTANCE', name: 'VI_1', backup: { argv: [stuck] }, master: { argv: [stamp(log, 'M')] } }],
      clock,
      timeoutMs: 10_000,
      onEvent: (e) => events.push(e),
    });
    const b = notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: 100 });
    const m = notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100 });
    await until(() => existsSync(`${dir}/stuck.ready`), 5000, 'stuck script');
    // The pid arrives from the spawner thread, possibly after the script's first output.
    await until(() => events.some((e) => e.type === 'notify_started'), 5000, 'notify_started');
    const pid = (events.find((e) => e.type === 'notify_started') as { pid: number }).pid;
    clock.advance(10_000); // SIGTERM: ignored
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(log)).toBe(false);
    expect(liveInGroup(pid).length).toBeGreaterThan(0);
    clock.advance(2000); // SIGKILL
    await Promise.all([b, m]);
    expect(parse(log).map((e) => e.what)).toEqual(['start', 'end']);
    expect(events.filter((e) => e.type === 'notify_timeout')).toHaveLength(1);
    expect(notifier.stats.timedOut).toBe(1);
    expect(liveInGroup(pid)).toEqual([]);
  });

  it('drain() waits for the STOP scripts when they finish within the bound', async () => {
    const log = `${dir}/stop.log`;
    const notifier = new Notifier({ targets: [{ kind: 'INSTANCE', name: 'VI_1', stop: { argv: [stamp(log, 'S', 0.2)] } }] });
    void notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'STOP', priority: 100 });
    expect(await notifier.drain(5000)).toEqual({ complete: true, dropped: 0, killed: 0 });
    expect(parse(log).map((e) => e.what)).toEqual(['start', 'end']);
  });

  it('drain() past its bound kills what runs and drops what has not started', async () => {
    const clock = new ManualClock();
    const events: NotifyLogEvent[] = [];
    const notifier = new Notifier({
      targets: [{ kind: 'INSTANCE', name: 'VI_1', backup: { argv: ['/bin/sleep', '30'] }, stop: { argv: ['/bin/true'] } }],
      clock,
      killGraceMs: 2000,
      onEvent: (e) => events.push(e),
    });
    void notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: 100 });
    const stop = notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'STOP', priority: 100 });
    await until(() => events.some((e) => e.type === 'notify_started'), 3000, 'start');
    const pid = (events.find((e) => e.type === 'notify_started') as { pid: number }).pid;
    const drained = notifier.drain(3000);
    clock.advance(3000);
    expect(await drained).toEqual({ complete: false, dropped: 1, killed: 1 });
    await stop;
    expect(events.filter((e) => e.type === 'notify_dropped')).toHaveLength(1);
    expect(liveInGroup(pid)).toEqual([]);
    // After shutdown started, new events are not run.
    await notifier.notify({ kind: 'INSTANCE', name: 'VI_1', state: 'STOP', priority: 100 });
    expect(notifier.stats.dropped).toBe(2);
  });
});
