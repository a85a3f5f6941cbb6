import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FifoWriter } from '../../src/notify/fifo.js';
import { readFifoLines } from './golden-scenario.js';
import { until } from '../track/proc-helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(`${tmpdir()}/kv-fifo-`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FifoWriter', () => {
  it('with no reader never blocks: a full pipe drops lines and counts them, the event loop keeps ticking', async () => {
    const w = await FifoWriter.open(`${dir}/noreader`);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const line = 'INSTANCE "VI_1" MASTER 150\n';
    let accepted = 0;
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 1000; i++) if (w.write(line)) accepted++;
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 1));
    }
    clearInterval(timer);
    expect(w.stats.written).toBe(accepted);
    expect(w.stats.dropped).toBe(20_000 - accepted);
    expect(w.stats.dropped).toBeGreaterThan(0);
    expect(w.stats.errors).toBe(0);
    // The pipe holds whole lines only (each write is atomic): at most 64 KiB worth.
    expect(accepted * line.length).toBeLessThanOrEqual(1 << 20);
    expect(ticks).toBeGreaterThanOrEqual(10);
    // A reader arriving later gets the buffered lines, whole and in order.
    const r = readFifoLines(`${dir}/noreader`);
    await r.opened;
    await w.close();
    await r.ended;
    expect(r.lines).toHaveLength(accepted);
    expect(new Set(r.lines)).toEqual(new Set([line.trimEnd()]));
  });

  it('delivers lines in order to a reader and keeps working when the reader goes away', async () => {
    const w = await FifoWriter.open(`${dir}/ordered`);
    const r = readFifoLines(`${dir}/ordered`);
    await r.opened;
    for (let i = 0; i < 100; i++) w.write(`INSTANCE "VI_${i}" BACKUP ${i}\n`);
    await until(() => r.lines.length === 100, 3000, 'lines');
    expect(r.lines).toEqual(Array.from({ length: 100 }, (_, i) => `INSTANCE "VI_${i}" BACKUP ${i}`));
    await w.close();
    await r.ended;
  });

  it('creates a missing FIFO and removes it on close; leaves an existing one alone', async () => {
    const made = `${dir}/made`;
    const w = await FifoWriter.open(made);
    expect(lstatSync(made).isFIFO()).toBe(true);
    await w.close();
    expect(existsSync(made)).toBe(false);
    const pre = `${dir}/pre`;
    execFileSync('mkfifo', [pre]);
    const w2 = await FifoWriter.open(pre);
    await w2.close();
    expect(lstatSync(pre).isFIFO()).toBe(true);
  });

  it('refuses a path that is not a FIFO', async () => {
    writeFileSync(`${dir}/regular`, '');
    await expect(FifoWriter.open(`${dir}/regular`)).rejects.toMatchObject({ code: 'KV_FIFO_NOT_FIFO' });
    await expect(FifoWriter.open(`${dir}/no/such/dir/f`)).rejects.toMatchObject({ code: 'KV_FIFO_CREATE' });
  });

  it('runs notify_fifo_script with the FIFO path as last argument and stops it on close', async () => {
    const out = `${dir}/script.out`;
    const script = `${dir}/reader.sh`;
    writeFileSync(script, `#!/bin/sh\necho "args: $*" > ${out}\nwhile read -r line; do echo "$line" >> ${out}; done < "$2"\n`);
    chmodSync(script, 0o755);
    const w = await FifoWriter.open(`${dir}/scripted`, { script: { argv: [script, 'x'] } });
    w.write('GROUP "G1" MASTER 0\n');
    await until(() => existsSync(out) && readFileSync(out, 'utf8').includes('GROUP'), 3000, 'script to read');
    expect(readFileSync(out, 'utf8')).toBe(`args: x ${dir}/scripted\nGROUP "G1" MASTER 0\n`);
    await w.close();
  });
});
