/**
 * Codec encode/decode rates: runs bench/codec.ts (unchanged) in a child process and reads
 * its table.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/helpers/vrrp-lab.js';

export interface CodecRow {
  variant: string;
  bytes: number;
  encodePerS: number;
  decodePerS: number;
}

export function codecRates(cellMs: number): CodecRow[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'codec.ts')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, BENCH_MS: String(cellMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const rows: CodecRow[] = [];
  for (const line of out.split('\n')) {
    // "v2 IPv4 PASS, 1 addr     20     2,219,659     2,756,518"
    const m = /^(.+?)\s{2,}(\d+)\s+([\d,]+)\s+([\d,]+)\s*$/.exec(line);
    if (!m) continue;
    const n = (s: string) => Number(s.replace(/,/g, ''));
    rows.push({ variant: m[1]!.trim(), bytes: Number(m[2]), encodePerS: n(m[3]!), decodePerS: n(m[4]!) });
  }
  if (!rows.length) throw new Error(`bench/codec.ts printed no table:\n${out}`);
  return rows;
}
