/** /proc helpers for tests: which processes of a process group are still alive. */
import { readdirSync, readFileSync } from 'node:fs';

/** PIDs in process group `pgid` that are not zombies. */
export function liveInGroup(pgid: number): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z' && f[0] !== 'X') out.push(Number(n));
    } catch {
      /* gone */
    }
  }
  return out;
}

export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
