/**
 * Tracking and notify costs:
 * - one /proc scan (comm only, and with cmdline), and how many processes it saw;
 * - one script run (/bin/true) end to end, and the event-loop delay while scripts run;
 * - FIFO lines per second to a draining reader, and the cost of a dropped line;
 * - argv splitting.
 *
 *   npx tsx bench/track.ts [iterations=50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createReadStream } from 'node:fs';
import { splitQuotedEscaped } from '../src/track/argv.js';
import { scanProc } from '../src/track/process.js';
import { ScriptRunner } from '../src/track/script-runner.js';
import { FifoWriter } from '../src/notify/fifo.js';

const N = Number(process.argv[2] ?? 50);

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const p = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `median ${p(0.5).toFixed(3)} ms, p90 ${p(0.9).toFixed(3)} ms, max ${s.at(-1)!.toFixed(3)} ms`;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const procs = (await scanProc()).length;
  const comm: number[] = [];
  const cmd: number[] = [];
  for (let i = 0; i < N; i++) {
    comm.push(await time(() => scanProc('/proc', false)));
    cmd.push(await time(() => scanProc('/proc', true)));
  }
  console.log(`/proc scan, ${procs} processes: comm only: ${stats(comm)}`);
  console.log(`/proc scan, ${procs} processes: with cmdline: ${stats(cmd)}`);

  const runs: number[] = [];
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  for (let i = 0; i < N; i++) {
    const r = new ScriptRunner({ name: 'b', argv: ['/bin/true'], intervalMs: 1000, timeoutMs: 0, onResult: () => undefined });
    runs.push(await time(async () => r.runOnce()));
  }
  const parallel = await time(async () => {
    await Promise.all(
      Array.from({ length: 20 }, () => new ScriptRunner({ name: 'p', argv: ['/bin/true'], intervalMs: 1000, timeoutMs: 0, onResult: () => undefined }).runOnce()),
    );
  });
  lag.disable();
  console.log(`script run (/bin/true): ${stats(runs)}; 20 in parallel: ${parallel.toFixed(1)} ms`);
  console.log(`event-loop delay while running scripts: mean ${(lag.mean / 1e6).toFixed(3)} ms, max ${(lag.max / 1e6).toFixed(3)} ms`);

  const dir = mkdtempSync(`${tmpdir()}/kv-bench-`);
  try {
    const w = await FifoWriter.open(`${dir}/fifo`);
    const rd = createReadStream(`${dir}/fifo`);
    await new Promise((r) => rd.once('open', r));
    rd.on('data', () => undefined);
    const line = 'INSTANCE "VI_1" MASTER 150\n';
    const L = 100_000;
    let t = performance.now();
    let ok = 0;
    for (let i = 0; i < L; i++) {
      if (w.write(line)) ok++;
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    let ms = performance.now() - t;
    console.log(`FIFO with a reader: ${ok}/${L} lines written, ${((L / ms) * 1000).toFixed(0)} lines/s`);
    rd.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const w2 = await FifoWriter.open(`${dir}/fifo2`);
    while (w2.write(line));
    t = performance.now();
    for (let i = 0; i < L; i++) w2.write(line);
    ms = performance.now() - t;
    console.log(`FIFO with no reader (pipe full): ${w2.stats.dropped} dropped, ${((ms / L) * 1000).toFixed(2)} us per dropped line`);
    await w.close();
    await w2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const line = String.raw`"/usr/local/bin/check.sh --host 'db 1' --timeout=3 \x41\102"`;
  const S = 100_000;
  const t = performance.now();
  for (let i = 0; i < S; i++) splitQuotedEscaped(line);
  console.log(`argv split: ${(((performance.now() - t) / S) * 1000).toFixed(2)} us per line`);
}

await main();
