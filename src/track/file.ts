/**
 * track_file: read an integer from a file whenever it changes (fs.watch on its
 * directory, so creation, deletion and rename-over are seen) and on a periodic re-read
 * as a safety net (watch events can be lost, e.g. on network file systems).
 *
 * The value is parsed as keepalived 2.2.7 does (observed): C strtol with base 0 on the
 * file's start: leading blanks, an optional sign, then decimal, 0x hex or 0 octal
 * ("0x10" = 16, "010" = 8, "7abc" = 7, "1e3" = 1, "2\n9" = 2). No number, an empty file,
 * a missing or unreadable file, or a value outside the 32-bit int range all read as 0.
 * `init_file [VALUE] [overwrite]` writes VALUE (default 0) at start when the file does
 * not exist (or always, with overwrite).
 */
import { watch, type FSWatcher, promises as fsp } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock, type TimerHandle } from './clock.js';

const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);

/** strtol(text, NULL, 0) restricted to int; 0 when there is no number or it is out of range. */
export function parseTrackFileValue(text: string): number {
  const m = /^[ \t\n\r\v\f]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return 0;
  const sign = m[1] === '-' ? -1n : 1n;
  const digits = m[2]!;
  let v: bigint;
  if (/^0[xX]/.test(digits)) v = BigInt(digits);
  else if (digits.length > 1 && digits[0] === '0') v = BigInt('0o' + digits.slice(1));
  else v = BigInt(digits);
  v *= sign;
  if (v > BigInt(INT_MAX) || v < BigInt(INT_MIN)) return 0;
  return Number(v);
}

/** Read and parse a track file; anything that goes wrong reads as 0 (with the reason). */
export async function readTrackFile(file: string): Promise<{ value: number; error?: string }> {
  try {
    const fh = await fsp.open(file, 'r');
    try {
      const buf = Buffer.alloc(128);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      return { value: parseTrackFileValue(buf.subarray(0, bytesRead).toString('latin1')) };
    } finally {
      await fh.close();
    }
  } catch (e) {
    return { value: 0, error: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
}

export interface TrackFileDef {
  /** track_file name. */
  name: string;
  file: string;
  initFile?: { value: number; overwrite: boolean };
}

export interface FileWatcherOptions {
  clock?: Clock;
  /** Periodic re-read (default 5000 ms; 0 = watch only). */
  rereadMs?: number;
  /** Use fs.watch (default true); false = periodic re-read only. */
  watch?: boolean;
  /** Called with the first value of each file and then on every change of value. */
  onValue: (name: string, value: number, error?: string) => void;
}

/** Watches a set of track files and reports value changes. */
export class FileWatcher {
  private readonly clock: Clock;
  private readonly values = new Map<string, number>();
  private readonly watchers: FSWatcher[] = [];
  private timer: TimerHandle | undefined;
  private running = false;
  private readonly reading = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(
    private readonly defs: TrackFileDef[],
    private readonly opts: FileWatcherOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Apply init_file, read every file once (reporting each), then watch. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const d of this.defs) if (d.initFile) await initTrackFile(d.file, d.initFile);
    await Promise.all(this.defs.map((d) => this.read(d)));
    const byDir = new Map<string, TrackFileDef[]>();
    for (const d of this.defs) {
      const dir = path.dirname(path.resolve(d.file));
      byDir.set(dir, [...(byDir.get(dir) ?? []), d]);
    }
    for (const [dir, defs] of this.opts.watch === false ? [] : byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, filename) => {
          for (const d of defs) if (!filename || filename.toString() === path.basename(d.file)) void this.read(d);
        });
        w.on('error', () => {
          /* the directory went away: the periodic re-read still covers it */
        });
        this.watchers.push(w);
      } catch {
        /* no such directory yet: periodic re-read only */
      }
    }
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    for (const w of this.watchers.splice(0)) w.close();
  }

  /** Re-read every file now. */
  async rereadAll(): Promise<void> {
    await Promise.all(this.defs.map((d) => this.read(d)));
  }

  value(name: string): number | undefined {
    return this.values.get(name);
  }

  private schedule(): void {
    const ms = this.opts.rereadMs ?? 5000;
    if (!this.running || ms <= 0) return;
    this.timer = this.clock.setTimeout(() => {
      void this.rereadAll().finally(() => this.schedule());
    }, ms);
  }

  /** One read at a time per file; a change seen during a read triggers one more. */
  private read(d: TrackFileDef): Promise<void> {
    const cur = this.reading.get(d.name);
    if (cur) {
      this.again.add(d.name);
      return cur;
    }
    const p = (async () => {
      do {
        this.again.delete(d.name);
        const { value, error } = await readTrackFile(d.file);
        const prev = this.values.get(d.name);
        this.values.set(d.name, value);
        if (prev !== value) this.opts.onValue(d.name, value, error);
      } while (this.again.has(d.name));
    })().finally(() => this.reading.delete(d.name));
    this.reading.set(d.name, p);
    return p;
  }
}

/** init_file: write VALUE when the file is missing (or always with overwrite). */
export async function initTrackFile(file: string, init: { value: number; overwrite: boolean }): Promise<void> {
  try {
    await fsp.writeFile(file, `${init.value}\n`, { flag: init.overwrite ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
