/**
 * Cost of logging dropped adverts under a flood: 10,000 invalid packets per second for
 * 10 simulated seconds (100,000 drops, two reasons on one instance) with console (pretty)
 * logging on, writing to a discarding sink. Compares the rate-limited DropLogger with
 * logging every drop, and reports heap growth per suppressed drop.
 *
 *   npx tsx bench/ops-droplog.ts
 */
import { DropLogger } from '../src/ops/droplog.js';
import { createLog } from '../src/ops/log.js';
import { Metrics } from '../src/ops/metrics.js';

const DROPS = 100_000;
const PER_SECOND = 10_000;

function sinkCounter() {
  let lines = 0;
  let bytes = 0;
  return { sink: { write: (s: string) => ((lines++, (bytes += s.length))) }, stats: () => ({ lines, bytes }) };
}

function run(label: string, fn: (i: number) => void): number {
  for (let i = 0; i < 2_000; i++) fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < DROPS; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0);
  const perOp = ns / DROPS;
  console.log(`${label.padEnd(46)} ${perOp.toFixed(0).padStart(7)} ns/drop  ${((perOp * PER_SECOND) / 1e6).toFixed(2).padStart(6)} ms CPU per second of flood`);
  return perOp;
}

// Simulated clock: 10k drops per second.
let simMs = 0;
const now = () => simMs;

for (const format of ['pretty', 'json'] as const) {
  const limited = sinkCounter();
  const log = createLog({ format, colorize: false, sink: limited.sink });
  const dl = new DropLogger(log, { windowMs: 10_000, now });
  simMs = 0;
  run(`${format}: rate-limited DropLogger`, (i) => {
    simMs = i / (PER_SECOND / 1000);
    dl.drop('VI_1', i & 1 ? 'auth_mismatch' : 'checksum', 'password differs');
  });
  console.log(`  lines written: ${limited.stats().lines}`);

  const every = sinkCounter();
  const log2 = createLog({ format, colorize: false, sink: every.sink });
  run(`${format}: every drop logged (no limiter)`, (i) => {
    log2.event('advert_dropped', { instance: 'VI_1', reason: i & 1 ? 'auth_mismatch' : 'checksum', detail: 'password differs', suppressed: 0 });
  });
  console.log(`  lines written: ${every.stats().lines}, ${(every.stats().bytes / 1e6).toFixed(1)} MB`);
}

const metrics = new Metrics({ processMetrics: false });
metrics.addInstance('VI_1', 'BACKUP', 100, 100);
run('metrics: advertDropped counter', (i) => metrics.advertDropped('VI_1', i & 1 ? 'auth_mismatch' : 'checksum'));

// Heap growth on the suppressed path (all drops after the first one are suppressed).
{
  const dl = new DropLogger(createLog({ format: 'pretty', sink: { write: () => 0 } }), { windowMs: 1e12, now: () => 0 });
  dl.drop('VI_1', 'checksum', 'x');
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) dl.drop('VI_1', 'checksum', 'x');
  const after = process.memoryUsage().heapUsed;
  console.log(
    `suppressed path heap growth: ${((after - before) / 1_000_000).toFixed(3)} bytes/drop over 1e6 drops${gc ? '' : ' (run with --expose-gc for a cleaner number)'}`,
  );
}
