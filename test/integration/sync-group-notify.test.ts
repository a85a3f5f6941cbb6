/**
 * Sync-group notifications of keepvip against keepalived 2.2.7, on a real network
 * (REFERENCE.md §2 "Notify"; `man keepalived.conf`, vrrp_sync_group: notify_master,
 * notify_backup, notify_fault, notify_stop and the generic notify with GROUP, the name,
 * the state and priority 0).
 *
 * The same scenario runs twice, in two labs of the same shape: node `a` runs the
 * implementation under test (keepalived first, as the reference, then keepvip), node `b`
 * runs keepalived as the peer. a has VI_1 (VRID 51, priority 150) and VI_2 (VRID 52,
 * priority 120) in sync group G, which tracks a weight-0 script and has every group notify
 * (each a recorder appending its argv to a file) and the global notify_fifo. b runs both
 * VRIDs at priority 100. Sequence: start (G BACKUP -> MASTER), the script fails (G FAULT),
 * recovers (G BACKUP -> MASTER), SIGTERM. The GROUP lines of the FIFO and the group scripts'
 * argv must be the same for both implementations, line for line and in order (keepalived
 * leaves only the order of a state script against the generic one to timing).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import { closeOpenLabs, MODES, renderConfig, waitFor, withVrrpLab, type Impl } from '../helpers/vrrp-lab.js';
import { mkfifo, readFifo, readRecorderLog, releaseFifo, secondInstance, vrrpScript, withTracking, writeRecorder, type NotifyRun } from './helpers-tracking.js';

const reason = skipReason('keepalived', 'tcpdump');
const MODE = MODES.v3;

type Run = NotifyRun;

afterEach(closeOpenLabs);

function runScenario(impl: Impl): Promise<Run> {
  return withVrrpLab({ nodes: ['a', 'b'] }, async (vl) => {
    const fifoPath = join(vl.dir, 'notify.fifo');
    try {
      const log = join(vl.dir, 'argv.log');
      const rec = writeRecorder(vl, 'rec.sh', log);
      const ok = vl.writeFile('ok', '');
      mkfifo(fifoPath);
      const reader = readFifo(fifoPath);
      const group = (state: string, n = 1) => reader.lines.filter((l) => l === `GROUP "G" ${state} 0`).length >= n;
      const explain = () => reader.lines.join('\n');

      const conf = withTracking(renderConfig(MODE, vl.peerView('a'), { priority: 150 }), {
        globals: [`notify_fifo ${fifoPath}`],
        blocks: [vrrpScript({ name: 'chk', script: `/usr/bin/test -f ${ok}`, interval: 1, weight: 0 })],
        instances: [
          secondInstance(vl, 'a', 120),
          [
            'vrrp_sync_group G {',
            '    group {',
            '        VI_1',
            '        VI_2',
            '    }',
            '    track_script {',
            '        chk',
            '    }',
            `    notify_master "${rec} G master"`,
            `    notify_backup "${rec} G backup"`,
            `    notify_fault "${rec} G fault"`,
            `    notify_stop "${rec} G stop"`,
            `    notify "${rec} G generic"`,
            '}',
          ].join('\n'),
        ],
      });
      const peer = withTracking(renderConfig(MODE, vl.peerView('b'), { priority: 100 }), { instances: [secondInstance(vl, 'b', 100)] });

      await vl.start('a', impl, conf);
      await vl.start('b', 'keepalived', peer);
      await waitFor(() => group('MASTER'), 10_000, 'G MASTER', { explain });
      rmSync(ok);
      await waitFor(() => group('FAULT'), 5000, 'G FAULT', { explain });
      // Let the peer take both VRIDs over before the recovery.
      await new Promise((r) => setTimeout(r, 1000));
      writeFileSync(ok, '');
      await waitFor(() => group('MASTER', 2), 10_000, 'G MASTER again', { explain });
      await vl.terminate('a');
      await Promise.race([reader.ended, new Promise((r) => setTimeout(r, 3000))]);
      reader.close();
      // keepalived does not wait for its notify scripts: give the last ones time to finish.
      await new Promise((r) => setTimeout(r, 800));
      return { impl, fifo: [...reader.lines], argv: readRecorderLog(log) };
    } finally {
      releaseFifo(fifoPath);
    }
  });
}

const groupLines = (r: Run) => r.fifo.filter((l) => l.startsWith('GROUP '));
const groupArgv = (r: Run) => r.argv.filter((a) => a[0] === 'G');

describe.skipIf(!!reason)('sync-group notify scripts and notify_fifo: keepvip against keepalived 2.2.7', () => {
  let ka: Run;
  let kv: Run;

  beforeAll(async () => {
    ka = await runScenario('keepalived');
    console.log(`[sync-group-notify] keepalived FIFO:\n  ${ka.fifo.join('\n  ')}\n  argv: ${JSON.stringify(groupArgv(ka))}`);
    kv = await runScenario('keepvip');
    console.log(`[sync-group-notify] keepvip FIFO:\n  ${kv.fifo.join('\n  ')}\n  argv: ${JSON.stringify(groupArgv(kv))}`);
  }, 120_000);

  it('keepalived (the reference) took the group BACKUP -> MASTER -> FAULT -> BACKUP -> MASTER', () => {
    const states = groupLines(ka).map((l) => l.split(' ')[2]);
    expect(states.slice(0, 5)).toEqual(['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER']);
  });

  it('keepvip writes the same GROUP lines to the FIFO, line for line', () => {
    expect(groupLines(kv)).toEqual(groupLines(ka));
  });

  it('each GROUP line follows the lines of both members entering that state, as keepalived writes them', () => {
    const shape = (r: Run) =>
      r.fifo.flatMap((l, i) => {
        if (!l.startsWith('GROUP ')) return [];
        const state = l.split(' ')[2];
        return [[...r.fifo.slice(i - 2, i)].sort().join(' | ') + ` -> ${state}`];
      });
    const want = shape(ka);
    for (const line of want) expect(line).toMatch(/^INSTANCE "VI_1" (\w+) 150 \| INSTANCE "VI_2" \1 120 -> \1$/);
    expect(shape(kv)).toEqual(want);
  });

  it('keepvip runs the same group scripts with the same argv, in the same order per script kind', () => {
    // keepalived starts a state script and the generic one at once, so their relative order
    // is left to timing there; each kind's own sequence is not.
    const kinds = (r: Run) => ({ state: groupArgv(r).filter((a) => a[1] !== 'generic'), generic: groupArgv(r).filter((a) => a[1] === 'generic') });
    expect(kinds(kv)).toEqual(kinds(ka));
    // keepvip runs them in transition order, the state script before the generic one.
    expect(groupArgv(kv).map((a) => (a[1] === 'generic' ? `generic:${a[4]}` : a[1]))).toEqual(
      ['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER', 'STOP'].flatMap((st) => [st.toLowerCase(), `generic:${st}`]),
    );
    // The generic one gets GROUP, the name, the state and priority 0.
    expect(groupArgv(kv).filter((a) => a[1] === 'generic')[0]).toEqual(['G', 'generic', 'GROUP', 'G', 'BACKUP', '0']);
  });
});
