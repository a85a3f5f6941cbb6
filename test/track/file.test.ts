import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/track/clock.js';
import { FileWatcher, initTrackFile, parseTrackFileValue, readTrackFile } from '../../src/track/file.js';
import { until } from './proc-helpers.js';

describe('parseTrackFileValue (keepalived 2.2.7: strtol base 0, int range)', () => {
  // Every row with a comment was observed on keepalived 2.2.7 (the effective priority moved by the value).
  it.each([
    ['5', 5], // observed
    ['-300', -300], // observed (FAULT)
    ['abc', 0], // observed
    ['', 0], // observed
    ['  7\n', 7], // observed
    ['7abc', 7], // observed
    ['0x10', 16], // observed
    ['010', 8], // observed
    ['1e3', 1], // observed
    ['+9', 9], // observed
    ['99999999999', 0], // observed: out of int range reads as 0
    ['2\n9', 2], // observed
    ['-254', -254], // observed
    ['-0x10', -16],
    ['08', 0],
    ['0x', 0],
    ['\t\v\f-12', -12],
    ['2147483647', 2147483647],
    ['-2147483648', -2147483648],
    ['2147483648', 0],
    ['- 5', 0],
  ])('%j -> %i', (text, value) => expect(parseTrackFileValue(text)).toBe(value));
});

describe('track files on disk', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(`${tmpdir()}/kv-file-`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a missing or unreadable file as 0 (keepalived: missing file = no change)', async () => {
    expect(await readTrackFile(`${dir}/missing`)).toEqual({ value: 0, error: 'ENOENT' });
    writeFileSync(`${dir}/dir-not-file`, '');
    expect((await readTrackFile(dir)).value).toBe(0);
  });

  it('init_file writes the value only when missing, unless overwrite', async () => {
    const f = `${dir}/init`;
    await initTrackFile(f, { value: 5, overwrite: false });
    expect(readFileSync(f, 'utf8')).toBe('5\n');
    await initTrackFile(f, { value: 7, overwrite: false });
    expect(readFileSync(f, 'utf8')).toBe('5\n');
    await initTrackFile(f, { value: 7, overwrite: true });
    expect(readFileSync(f, 'utf8')).toBe('7\n');
  });

  it('reports the first value and every change: write, rename over, delete', async () => {
    const f = `${dir}/w`;
    writeFileSync(f, '3');
    const seen: number[] = [];
    const w = new FileWatcher([{ name: 'w', file: f }], { rereadMs: 0, onValue: (_n, v) => seen.push(v) });
    await w.start();
    expect(seen).toEqual([3]);
    writeFileSync(f, '4');
    await until(() => seen.at(-1) === 4, 3000, 'write to be seen');
    writeFileSync(`${dir}/w.tmp`, '-9');
    renameSync(`${dir}/w.tmp`, f);
    await until(() => seen.at(-1) === -9, 3000, 'rename to be seen');
    unlinkSync(f);
    await until(() => seen.at(-1) === 0, 3000, 'delete to be seen');
    writeFileSync(f, '4');
    await until(() => seen.at(-1) === 4, 3000, 'recreate to be seen');
    w.stop();
    // No repeats: only changes are reported.
    expect(seen.filter((v, i) => i > 0 && v === seen[i - 1])).toEqual([]);
  });

  it('re-reads periodically (clock driven) when no watch event comes', async () => {
    const f = `${dir}/p`;
    writeFileSync(f, '1');
    const clock = new ManualClock();
    const seen: number[] = [];
    const w = new FileWatcher([{ name: 'p', file: f }], { clock, rereadMs: 5000, watch: false, onValue: (_n, v) => seen.push(v) });
    await w.start();
    expect(seen).toEqual([1]);
    writeFileSync(f, '2');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([1]); // no watch: not seen yet
    clock.advance(4999);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([1]);
    clock.advance(1);
    await until(() => seen.length === 2, 3000, 're-read');
    expect(seen).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 50));
    expect(clock.armed).toBe(1); // re-armed
    w.stop();
    expect(clock.armed).toBe(0);
  });

  it('reads a file without read permission as 0', async () => {
    const f = `${dir}/noperm`;
    writeFileSync(f, '5');
    chmodSync(f, 0);
    if (process.getuid?.() !== 0) {
      expect((await readTrackFile(f)).value).toBe(0);
      return;
    }
    // Root reads anything: run the read as user nobody (uid 65534) in a child process.
    chmodSync(dir, 0o755);
    const script = `import { readTrackFile } from ${JSON.stringify(new URL('../../src/track/file.ts', import.meta.url).pathname)};
      const r = await readTrackFile(${JSON.stringify(f)}); process.stdout.write(JSON.stringify(r));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
    });
    const r = JSON.parse(out) as { value: number; error?: string };
    expect(r.value).toBe(0);
    expect(r.error).toMatch(/EACCES/);
  });
});
