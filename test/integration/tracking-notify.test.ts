/**
 * Notify scripts and notify_fifo lines of keepvip against keepalived 2.2.7, on a real
 * network (docs/tracking.md "Notify", REFERENCE.md §2 "Notify").
 *
 * The same scenario runs twice, in two labs of the same shape: node `a` runs the
 * implementation under test (keepalived first, as the reference, then keepvip), node `b`
 * runs keepalived as the peer. a has two instances:
 *
 *   VI_1 (VRID 51, priority 150, + track_file 5 x weight 2 = 160 effective) tracking a
 *        weight-0 script; notify_master/backup/fault/stop, a generic notify and
 *        notify_priority_changes (MASTER_PRIORITY / BACKUP_PRIORITY FIFO lines).
 *   VI_2 (VRID 52, priority 120) with notify_master and a generic notify only.
 *
 * b runs both VRIDs at priority 100. Sequence: start (BACKUP -> MASTER), the script fails
 * (VI_1 FAULT), recovers (BACKUP -> MASTER), the track_file goes 5 -> 10 (VI_1 170), then
 * SIGTERM (STOP). Every notify script is a recorder that appends its argv to a file; the
 * test reads the FIFO. FIFO lines and script argv must be the same for both
 * implementations, per instance and in order (keepalived orders different instances, and
 * a state script against the generic one, by timing, so only those orders are left free).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import { MODES, renderConfig, VrrpLab, waitFor, type Impl } from '../helpers/vrrp-lab.js';
import { mkfifo, perName, readFifo, readRecorderLog, releaseFifo, secondInstance, trackBlock, vrrpScript, withTracking, writeRecorder, type NotifyRun } from './helpers-tracking.js';

const reason = skipReason('keepalived', 'tcpdump');
const MODE = MODES.v3;

type Run = NotifyRun;

const open = new Set<VrrpLab>();

async function runScenario(impl: Impl): Promise<Run> {
  const vl = await VrrpLab.create({ nodes: ['a', 'b'] });
  open.add(vl);
  const started = Date.now();
  const fifoPath = join(vl.dir, 'notify.fifo');
  try {
    const log = join(vl.dir, 'argv.log');
    const rec = writeRecorder(vl, 'rec.sh', log);
    const ok = vl.writeFile('ok', '');
    const bonus = vl.writeFile('bonus', '5\n');
    mkfifo(fifoPath);
    const reader = readFifo(fifoPath);
    const has = (line: string, n = 1): boolean => reader.lines.filter((l) => l === line).length >= n;

    const vi1 = [
      ...trackBlock('track_script', ['chk']),
      ...trackBlock('track_file', ['bonus']),
      'notify_priority_changes on',
      `notify_master "${rec} VI_1 master 'with space'"`,
      `notify_backup "${rec} VI_1 backup"`,
      `notify_fault "${rec} VI_1 fault"`,
      `notify_stop "${rec} VI_1 stop"`,
      `notify "${rec} VI_1 generic"`,
    ];
    const vi2 = [`notify_master "${rec} VI_2 master"`, `notify "${rec} VI_2 generic"`];
    const conf = withTracking(renderConfig(MODE, vl.peerView('a'), { priority: 150, extra: vi1 }), {
      globals: [`notify_fifo ${fifoPath}`],
      blocks: [
        vrrpScript({ name: 'chk', script: `/usr/bin/test -f ${ok}`, interval: 1, weight: 0 }),
        ['vrrp_track_file bonus {', `    file ${bonus}`, '    weight 2', '}'].join('\n'),
      ],
      instances: [secondInstance(vl, 'a', 120, vi2)],
    });
    const peer = withTracking(renderConfig(MODE, vl.peerView('b'), { priority: 100 }), { instances: [secondInstance(vl, 'b', 100)] });

    await vl.start('a', impl, conf);
    await vl.start('b', 'keepalived', peer);
    await waitFor(() => has('INSTANCE "VI_1" MASTER 160') && has('INSTANCE "VI_2" MASTER 120'), 10_000, 'both instances MASTER', {
      explain: () => reader.lines.join('\n'),
    });
    rmSync(ok);
    await waitFor(() => reader.lines.some((l) => l.startsWith('INSTANCE "VI_1" FAULT')), 5000, 'VI_1 FAULT', { explain: () => reader.lines.join('\n') });
    // Let the peer take over VRID 51 before the recovery.
    await new Promise((r) => setTimeout(r, 1000));
    writeFileSync(ok, '');
    await waitFor(() => has('INSTANCE "VI_1" MASTER 160', 2), 10_000, 'VI_1 MASTER again', { explain: () => reader.lines.join('\n') });
    // A priority change while MASTER (track_file 5 -> 10: 150 + 20).
    writeFileSync(bonus, '10\n');
    await waitFor(() => reader.lines.some((l) => l.startsWith('INSTANCE "VI_1" MASTER_PRIORITY')), 8000, 'the MASTER_PRIORITY line', { explain: () => reader.lines.join('\n') });
    await vl.terminate('a');
    await Promise.race([reader.ended, new Promise((r) => setTimeout(r, 3000))]);
    reader.close();
    // keepalived does not wait for its notify scripts: give the STOP ones time to finish.
    const stops = (): number => readRecorderLog(log).filter((a) => a.includes('STOP') || a[1] === 'stop').length;
    await waitFor(() => stops() >= 3, 5000, 'the STOP notify scripts', { explain: () => JSON.stringify(readRecorderLog(log)) });
    await new Promise((r) => setTimeout(r, 300));
    return { impl, fifo: [...reader.lines], argv: readRecorderLog(log) };
  } catch (e) {
    if (e instanceof Error) e.message += `\n${vl.explain(started)}`;
    throw e;
  } finally {
    releaseFifo(fifoPath);
    open.delete(vl);
    await vl.close();
  }
}

/** Per instance: the state scripts' argv in order, and the generic script's argv in order. */
function scriptSequences(argv: string[][]): Record<string, { state: string[][]; generic: string[][] }> {
  const out: Record<string, { state: string[][]; generic: string[][] }> = {};
  for (const a of argv) {
    const o = (out[a[0]!] ??= { state: [], generic: [] });
    (a[1] === 'generic' ? o.generic : o.state).push(a);
  }
  return out;
}

describe.skipIf(!!reason)(`notify scripts and notify_fifo: keepvip against keepalived 2.2.7${reason ? ` (${reason})` : ''}`, () => {
  let ka: Run;
  let kv: Run;

  beforeAll(async () => {
    ka = await runScenario('keepalived');
    console.log(`[tracking-notify] keepalived FIFO:\n  ${ka.fifo.join('\n  ')}`);
    kv = await runScenario('keepvip');
    console.log(`[tracking-notify] keepvip FIFO:\n  ${kv.fifo.join('\n  ')}`);
  }, 120_000);

  afterAll(async () => {
    for (const vl of open) await vl.close();
  });

  it('keepalived (the reference) went BACKUP -> MASTER -> FAULT -> BACKUP -> MASTER -> STOP with effective priorities', () => {
    const p = perName(ka.fifo);
    // notify_priority_changes: BACKUP_PRIORITY when the track_file's 5 x 2 lifts VI_1 from
    // 150 to 160 (in INIT, before the first state line), MASTER_PRIORITY 170 when it becomes 10.
    expect(p.VI_1).toEqual([
      'INSTANCE "VI_1" BACKUP_PRIORITY 160',
      'INSTANCE "VI_1" BACKUP 160',
      'INSTANCE "VI_1" MASTER 160',
      'INSTANCE "VI_1" FAULT 160',
      'INSTANCE "VI_1" BACKUP 160',
      'INSTANCE "VI_1" MASTER 160',
      'INSTANCE "VI_1" MASTER_PRIORITY 170',
      'INSTANCE "VI_1" STOP 170',
    ]);
    expect(p.VI_2).toEqual(['INSTANCE "VI_2" BACKUP 120', 'INSTANCE "VI_2" MASTER 120', 'INSTANCE "VI_2" STOP 120']);
  });

  it('keepvip writes the same FIFO lines per instance, line for line (names, states, priorities)', () => {
    expect(perName(kv.fifo)).toEqual(perName(ka.fifo));
  });

  it('keepvip runs the same notify scripts with the same argv, in the same order per instance and script kind', () => {
    expect(scriptSequences(kv.argv)).toEqual(scriptSequences(ka.argv));
    expect(kv.argv.map((a) => JSON.stringify(a)).sort()).toEqual(ka.argv.map((a) => JSON.stringify(a)).sort());
  });

  it('the generic notify gets INSTANCE, the name, the state and the effective priority', () => {
    expect(scriptSequences(kv.argv).VI_1!.generic[1]).toEqual(['VI_1', 'generic', 'INSTANCE', 'VI_1', 'MASTER', '160']);
    expect(scriptSequences(kv.argv).VI_1!.state[0]).toEqual(['VI_1', 'backup']);
    expect(scriptSequences(kv.argv).VI_1!.state[1]).toEqual(['VI_1', 'master', 'with space']);
  });

  it("keepvip runs each instance's scripts strictly in transition order, the state script before the generic one", () => {
    for (const name of ['VI_1', 'VI_2']) {
      const mine = kv.argv.filter((a) => a[0] === name).map((a) => (a[1] === 'generic' ? `generic:${a[4]}` : a[1]!.toUpperCase()));
      const transitions = perName(kv.fifo)[name]!.filter((l) => !l.includes('_PRIORITY '));
      const expected = transitions.flatMap((l) => {
        const st = l.split(' ')[2]!;
        const hasStateScript = name === 'VI_1' || st === 'MASTER';
        return hasStateScript ? [st, `generic:${st}`] : [`generic:${st}`];
      });
      expect(mine, name).toEqual(expected);
    }
  });
});
