/**
 * `npm run demo` (scripts/demo.ts) end to end, as root: the script runs as a child process
 * (node --import tsx, what `npm run demo` runs) with a timeout, and must
 *   - exit 0,
 *   - print the failover measured on the bridge next to the theoretical
 *     Master_Down_Interval (VRRPv2, advert_int 1, priority 100: 3 s + 156/256 s), the
 *     measurement within the interop tolerance of the theory,
 *   - show the VIP moved from the killed node1 to node2 (its table after the SIGKILL),
 *   - leave none of its own namespaces behind (its prefix is read from its "lab:" line).
 * Needs root, iproute2, keepalived and tcpdump. Takes about 15 s.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';
import { masterDownIntervalMs, REPO_ROOT } from '../helpers/vrrp-lab.js';

const reason = skipReason('keepalived', 'tcpdump');
const DEMO = join(REPO_ROOT, 'scripts', 'demo.ts');
const TIMEOUT_MS = 120_000;
/** The interop matrix's tolerance around Master_Down_Interval (test/interop/scenario.ts). */
const SLACK_MS = 100;
const EARLY_MS = 50;

function netnsList(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0]!)
    .filter(Boolean);
}

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Namespaces seen while the demo ran (its lab was up). */
  seenWhileRunning: string[];
}

function runDemo(): Promise<DemoRun> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', DEMO], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  let stdout = '';
  let stderr = '';
  let seenWhileRunning: string[] = [];
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    // Once the election table is printed, the lab is certainly up: note its namespaces.
    if (!seenWhileRunning.length && stdout.includes('1. Election')) seenWhileRunning = netnsList();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      // Only the process this test started, by PID; SIGINT first so its finally-block cleans up.
      if (child.pid !== undefined) process.kill(child.pid, 'SIGINT');
      setTimeout(() => child.exitCode === null && child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 10_000).unref();
    }, TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, seenWhileRunning });
    });
  });
}

/** The lines of a numbered demo section ("2. SIGKILL ..." up to the next "N. " header). */
function section(out: string, n: number): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${n}. `));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && /^\d+\. /.test(l));
  return lines.slice(start, end < 0 ? undefined : end);
}

/** A node's row of the demo's table: state, VIP, ip_forward. */
function row(lines: string[], node: string): { state: string; vip: string; fwd: string } | undefined {
  const l = lines.find((x) => x.trim().startsWith(`${node} `));
  if (!l) return undefined;
  const f = l.trim().split(/\s+/);
  return { state: f[3]!, vip: f[4]!, fwd: f[5]! };
}

describe.skipIf(!!reason)(`npm run demo (scripts/demo.ts)${reason ? ` (${reason})` : ''}`, () => {
  it(
    'exits 0, prints the failover next to Master_Down_Interval, shows the VIP moved, and removes its namespaces',
    async () => {
      const before = netnsList();
      const run = await runDemo();
      const ctx = `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
      console.log(`[demo] finished in ${(run.ms / 1000).toFixed(1)} s (exit ${run.code ?? run.signal})`);
      expect(run.code, `demo exit status${ctx}`).toBe(0);

      // Its own namespaces: the "lab:" line names them.
      const m = /^lab: namespaces (.+) on bridge br0 in (\S+)$/m.exec(run.stdout);
      expect(m, `the demo's lab line${ctx}`).not.toBeNull();
      const own = [...m![1]!.split(', '), m![2]!];
      const prefix = m![2]!.replace(/-sw$/, '');
      expect(own.every((ns) => ns.startsWith(`${prefix}-`))).toBe(true);
      expect(before.filter((ns) => ns.startsWith(`${prefix}-`)), 'demo namespaces before it ran').toEqual([]);
      expect(run.seenWhileRunning.filter((ns) => ns.startsWith(`${prefix}-`)).sort(), 'the demo lab existed while it ran').toEqual([...own].sort());
      expect(netnsList().filter((ns) => ns.startsWith(`${prefix}-`)), 'demo namespaces left behind').toEqual([]);

      // Election: node1 MASTER with the VIP.
      const s1 = section(run.stdout, 1);
      expect(row(s1, 'node1'), `election table${ctx}`).toEqual({ state: 'MASTER', vip: 'yes', fwd: '1' });
      expect(row(s1, 'node2')).toMatchObject({ state: 'BACKUP', vip: '-', fwd: '0' });

      // Failover: measured next to the theory.
      const s2 = section(run.stdout, 2);
      const measured = s2.map((l) => /failover measured on the bridge.*:\s+([\d.]+) ms$/.exec(l)).find(Boolean);
      const theoryLine = s2.findIndex((l) => /theoretical Master_Down_Interval/.test(l));
      const measuredLine = s2.findIndex((l) => /failover measured on the bridge/.test(l));
      expect(measured, `the measured failover line${ctx}`).toBeTruthy();
      expect(theoryLine, 'the theory is printed on the line after the measurement').toBe(measuredLine + 1);
      const theory = masterDownIntervalMs(2, 100, 1);
      const printedTheory = Number(/:\s+([\d.]+) ms$/.exec(s2[theoryLine]!)?.[1]);
      expect(printedTheory).toBeCloseTo(theory, 1);
      const gap = Number(measured![1]);
      console.log(`[demo] failover ${gap.toFixed(2)} ms vs Master_Down_Interval ${theory.toFixed(2)} ms (${(gap - theory).toFixed(2)} ms)`);
      expect(gap).toBeGreaterThanOrEqual(theory - EARLY_MS);
      expect(gap).toBeLessThanOrEqual(theory + SLACK_MS);
      expect(s2.some((l) => /^ {3}difference: [+-][\d.]+ ms$/.test(l)), 'the difference line').toBe(true);

      // The VIP moved from the killed node1 to node2, in the addresses and in the cloud.
      expect(row(s2, 'node1')).toMatchObject({ state: 'stopped', vip: '-' });
      expect(row(s2, 'node2')).toEqual({ state: 'MASTER', vip: 'yes', fwd: '1' });
      expect(row(s2, 'node3')).toMatchObject({ state: 'BACKUP', vip: '-' });
      expect(s2.some((l) => /allowed_address_pairs name 192\.0\.2\.11 \(node2\)/.test(l))).toBe(true);
      expect(run.stdout).toContain('Done: the namespaces are being removed.');
    },
    TIMEOUT_MS + 20_000,
  );
});
