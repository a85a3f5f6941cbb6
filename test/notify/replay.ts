/**
 * Feed a sequence of FIFO lines (from keepalived) into keepvip's Notifier, configured
 * from the same script lines, and collect what it produced: its own FIFO lines (through a
 * real FIFO) and the argv its scripts received.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { FifoWriter } from '../../src/notify/fifo.js';
import { parseFifoLine } from '../../src/notify/format.js';
import { Notifier } from '../../src/notify/notifier.js';
import { notifyTargets, readArgvLog, readFifoLines, recorderScript } from './golden-scenario.js';

export async function replayThroughKeepvip(sequence: string[]): Promise<{ fifo: string[]; argv: string[][] }> {
  const dir = mkdtempSync('/tmp/kv-replay-');
  chmodSync(dir, 0o755);
  try {
    const rec = `${dir}/rec.sh`;
    writeFileSync(rec, recorderScript(`${dir}/argv.log`));
    chmodSync(rec, 0o755);
    writeFileSync(`${dir}/argv.log`, '');
    const fifo = await FifoWriter.open(`${dir}/fifo`);
    const reader = readFifoLines(`${dir}/fifo`);
    await reader.opened;
    const notifier = new Notifier({ targets: notifyTargets(rec), fifos: [fifo] });
    const pending: Promise<void>[] = [];
    for (const line of sequence) {
      const ev = parseFifoLine(line);
      if (!ev || ev.state === 'MASTER_PRIORITY' || ev.state === 'BACKUP_PRIORITY') throw new Error(`unexpected line ${line}`);
      pending.push(notifier.notify({ kind: ev.kind, name: ev.name, state: ev.state, priority: ev.priority }));
    }
    await Promise.all(pending);
    expectComplete(await notifier.drain(10_000));
    await fifo.close();
    await reader.ended;
    return { fifo: reader.lines, argv: readArgvLog(readFileSync(`${dir}/argv.log`, 'utf8'), rec) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectComplete(r: { complete: boolean }): void {
  if (!r.complete) throw new Error('notify scripts did not finish');
}
