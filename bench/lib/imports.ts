/**
 * Where keepvip's start-up time and resident memory go: a fresh node process imports the
 * runtime dependencies one by one, then the built daemon module, reading the wall time of
 * each import and VmRSS / RssAnon / RssFile after it. A diagnostic for the start-up and
 * RSS targets (not a comparison).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/helpers/vrrp-lab.js';

export interface ImportStep {
  module: string;
  ms: number;
  rssMB: number;
  anonMB: number;
  fileMB: number;
}

const PROBE = `
import { readFileSync } from 'node:fs';
const kb = (k) => Number(new RegExp('^' + k + ':\\\\s*(\\\\d+)', 'm').exec(readFileSync('/proc/self/status', 'utf8'))[1]);
const out = [];
const mark = (module, ms) => out.push({ module, ms, rssMB: kb('VmRSS') / 1024, anonMB: kb('RssAnon') / 1024, fileMB: kb('RssFile') / 1024 });
mark('node (nothing imported)', 0);
for (const m of JSON.parse(process.argv[1])) {
  const t = performance.now();
  await import(m);
  mark(m.replace(/^.*\\/dist\\//, 'dist/'), performance.now() - t);
}
process.stdout.write(JSON.stringify(out));
`;

/**
 * The daemon's runtime dependencies as it loads them by default (pino-pretty only for
 * pretty logs, prom-client only with a metrics endpoint: not here).
 */
export const IMPORT_MODULES = ['pino', 'yargs', 'netlink'];

export function importCosts(): ImportStep[] {
  const mods = [...IMPORT_MODULES, join(REPO_ROOT, 'dist', 'daemon.js'), join(REPO_ROOT, 'dist', 'cli.js')];
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, JSON.stringify(mods)], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // dist/cli.js parses argv when imported; give it something harmless.
    env: { ...process.env },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ImportStep[];
}
