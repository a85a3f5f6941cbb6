/**
 * keepvip's notify output against keepalived 2.2.7's, for the same configuration and the
 * same sequence of transitions (golden-scenario.ts).
 *
 * - Always: replay the stored keepalived run (fixtures/keepalived-2.2.7-golden.json)
 *   through keepvip's Notifier; FIFO lines must be identical line for line, and the set of
 *   script invocations (argv) identical.
 * - As root with keepalived installed: run keepalived live in a lab namespace, drive it
 *   BACKUP -> MASTER -> FAULT -> BACKUP -> MASTER -> STOP, compare it with the stored run
 *   (per instance, since keepalived orders different instances by timing), and replay the
 *   live sequence through keepvip too. UPDATE_GOLDEN=1 rewrites the fixture from the live run.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, skipReason, type Lab } from '../helpers/netns.js';
import { startKeepalived, waitFor } from '../track/keepalived-lab.js';
import { keepalivedConfig, multiset, perName, readArgvLog, readFifoLines, recorderScript } from './golden-scenario.js';
import { replayThroughKeepvip } from './replay.js';

interface Golden {
  keepalived: string;
  note: string;
  fifo: string[];
  argv: string[][];
}

const FIXTURE = fileURLToPath(new URL('./fixtures/keepalived-2.2.7-golden.json', import.meta.url));
const golden = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Golden;

describe('notify output matches the stored keepalived 2.2.7 run', () => {
  let mine: { fifo: string[]; argv: string[][] };
  beforeAll(async () => {
    mine = await replayThroughKeepvip(golden.fifo);
  }, 30_000);

  it('covers BACKUP, MASTER, FAULT and STOP for instances and the group', () => {
    for (const s of ['INSTANCE "VI_1" BACKUP 150', 'INSTANCE "VI_1" MASTER 150', 'INSTANCE "VI_1" FAULT 150', 'INSTANCE "VI_1" STOP 150', 'GROUP "G1" FAULT 0', 'GROUP "G1" STOP 0']) {
      expect(golden.fifo).toContain(s);
    }
  });

  it('writes the same FIFO lines, in the same order', () => {
    expect(mine.fifo).toEqual(golden.fifo);
  });

  it('runs the same scripts with the same argv', () => {
    expect(multiset(mine.argv)).toEqual(multiset(golden.argv));
  });

  it('runs each target\'s scripts in transition order, the state script before the generic one', () => {
    for (const target of ['VI_1', 'G1']) {
      const own = mine.argv.filter((a) => (target === 'G1' ? a[1]!.startsWith('group-') : ['master', 'backup', 'fault', 'stop', 'generic'].includes(a[1]!)));
      const states = own.map((a) => (a[1]!.endsWith('generic') ? `generic:${a[4]}` : a[1]!.replace('group-', '').toUpperCase()));
      const expected = perName(golden.fifo)[target]!.flatMap((l) => {
        const st = l.split(' ')[2]!;
        return [st, `generic:${st}`];
      });
      expect(states).toEqual(expected);
    }
  });
});

const reason = skipReason('keepalived');

describe.skipIf(!!reason)('live keepalived 2.2.7 in a lab namespace', () => {
  let lab: Lab;
  let dir: string;
  let live: { fifo: string[]; argv: string[][] };

  beforeAll(async () => {
    lab = createLab({ nodes: ['a'] });
    dir = mkdtempSync('/tmp/kv-golden-');
    chmodSync(dir, 0o755);
    const rec = `${dir}/rec.sh`;
    writeFileSync(rec, recorderScript(`${dir}/argv.log`));
    chmodSync(rec, 0o755);
    writeFileSync(`${dir}/argv.log`, '');
    execFileSync('mkfifo', [`${dir}/fifo`]);
    const reader = readFifoLines(`${dir}/fifo`);
    const ka = startKeepalived(lab, lab.node('a').ns, dir, keepalivedConfig(dir, rec));
    const has = (l: string, n = 1): boolean => reader.lines.filter((x) => x === l).length >= n;
    try {
      await waitFor(() => has('GROUP "G1" MASTER 0'), 20_000, 'MASTER');
      writeFileSync(`${dir}/fail`, '');
      await waitFor(() => has('GROUP "G1" FAULT 0'), 10_000, 'FAULT');
      unlinkSync(`${dir}/fail`);
      await waitFor(() => has('GROUP "G1" MASTER 0', 2), 20_000, 'MASTER again');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${ka.log()}`);
    } finally {
      await ka.stop();
    }
    await reader.ended;
    const argvCount = (): number => readFileSync(`${dir}/argv.log`, 'utf8').split('\n').filter(Boolean).length;
    // keepalived does not wait for its notify scripts: let the last ones finish.
    await waitFor(() => argvCount() >= golden.argv.length, 5000, 'the STOP scripts').catch(() => undefined);
    live = { fifo: reader.lines, argv: readArgvLog(readFileSync(`${dir}/argv.log`, 'utf8'), rec) };
    if (process.env.UPDATE_GOLDEN) {
      const g: Golden = {
        keepalived: execFileSync('keepalived', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0] || '2.2.7',
        note: 'Recorded by test/notify/keepalived-golden.test.ts (UPDATE_GOLDEN=1) from keepalived in a lab namespace.',
        fifo: live.fifo,
        argv: live.argv,
      };
      writeFileSync(FIXTURE, JSON.stringify(g, null, 2) + '\n');
    }
  }, 90_000);

  afterAll(async () => {
    await lab?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('behaves as the stored run: same FIFO lines per instance and group, same script invocations', () => {
    expect(perName(live.fifo)).toEqual(perName(golden.fifo));
    expect(multiset(live.argv)).toEqual(multiset(golden.argv));
  });

  it('keepvip replays the live sequence with identical FIFO lines and argv', async () => {
    const mine = await replayThroughKeepvip(live.fifo);
    expect(mine.fifo).toEqual(live.fifo);
    expect(multiset(mine.argv)).toEqual(multiset(live.argv));
  });
});
