/**
 * keepalived 2.2.7 is the referee: for every corpus file, `keepalived -t` and `keepvip -t`
 * must agree on whether the configuration will run, except for the cases listed in
 * DELIBERATE (each with its reason; docs/config.md explains them too).
 *
 * Both run inside a network namespace holding exactly the interfaces the corpus is written
 * for (lo, eth0, eth1), so keepalived's interface checks do not depend on this host.
 * `keepalived -t` only checks the configuration; it never starts the daemon.
 *
 * What "will run" means for keepalived 2.2.7: `-t` exits 0 (clean), 5 (configuration
 * errors that keepalived fixes up) or 6 (scripts without enable_script_security), and
 * exit 5 also covers errors that make the VRRP process stop at start-up ("exited with
 * permanent error CONFIG"). Those are recognised by their messages in FATAL_MESSAGES,
 * each confirmed by starting keepalived on such a configuration while this test was written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, skipReason, type Lab } from '../helpers/netns.js';
import { CONFIG_ID, FIXTURES, corpusFiles } from './corpus.js';
import { TABLES, KEEPVIP_ONLY } from '../../src/config/keywords/catalog.js';

const reason = skipReason('keepalived');

/** keepalived -t messages after which keepalived's VRRP process refuses to start. */
export const FATAL_MESSAGES = [
  /the virtual router id must be set/,
  /both use VRID \d+/,
  /duplicate VRID conflict/,
  /Non-existent interface specified in configuration/,
  /Unknown interface!/,
  /No VIP specified; at least one is required/,
];

/** Corpus files where keepvip deliberately disagrees with keepalived, and why. */
export const DELIBERATE: Record<string, string> = {
  'err-keepvip.conf':
    "keepvip's own blocks (keepvip_defs, cloud_provider, cloud_vip) are checked strictly: keepalived skips them as unknown keywords and runs",
  'cloud-vip-middle.conf':
    "keepvip reads a cloud_vip block anywhere in a vrrp_instance (with a keepalived-compat warning); keepalived ends the instance at the block's '}', loses virtual_router_id and cannot run",
  'err-seq.conf':
    'keepvip does not implement ~SEQ/~LST line generation; it refuses to run rather than run a configuration without the generated lines',
  'structure.conf':
    "unbalanced braces and unterminated quotes are errors in keepvip: keepalived guesses and runs, and the file no longer means what its author wrote (a '}' too many can end a vrrp_instance early)",
};

/** keepalived's own sample configurations (Debian package), checked the same way. */
const SAMPLES = '/usr/share/doc/keepalived/samples';
const sampleFiles = existsSync(SAMPLES)
  ? readdirSync(SAMPLES)
      .filter((f) => f.startsWith('keepalived.conf.'))
      .sort()
  : [];

interface Outcome {
  status: number;
  output: string;
}

const root = resolve(FIXTURES, '..', '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const cli = join(root, 'src', 'cli.ts');

function run(ns: string, args: string[]): Outcome {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8', timeout: 60_000, cwd: root });
  return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export function keepalivedWillRun(o: Outcome): boolean {
  if (![0, 5, 6].includes(o.status)) return false;
  return !FATAL_MESSAGES.some((re) => re.test(o.output));
}

describe.skipIf(!!reason)('keepalived -t and keepvip -t agree on the corpus', () => {
  let lab: Lab;
  let ns = '';
  const results: Array<{ file: string; keepalived: boolean; keepvip: boolean }> = [];

  beforeAll(() => {
    lab = createLab({ nodes: ['a'] });
    ns = lab.node('a').ns;
    lab.exec(ns, ['ip', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
    lab.exec(ns, ['ip', 'link', 'set', 'eth1', 'up']);
  });

  afterAll(async () => {
    await lab?.cleanup();
    if (results.length > 0) {
      const agree = results.filter((r) => r.keepalived === r.keepvip).length;
      process.stdout.write(
        `differential: ${agree}/${results.length} configurations (corpus + keepalived samples) agree with keepalived -t; ` +
          `${results.length - agree} deliberate differences (${Object.keys(DELIBERATE).join(', ')})\n`,
      );
    }
  });

  const cases = [
    ...corpusFiles().map((file) => ({ file, path: join(FIXTURES, file) })),
    ...sampleFiles.map((file) => ({ file: `samples/${file}`, path: join(SAMPLES, file) })),
  ];
  it('has keepalived sample configurations to compare', () => {
    expect(sampleFiles.length).toBeGreaterThan(10);
  });
  for (const { file, path } of cases) {
    it(file, () => {
      const ka = run(ns, ['keepalived', '-t', '-f', path, '-i', CONFIG_ID]);
      const kv = run(ns, [tsx, cli, '-t', '-f', path, '-i', CONFIG_ID]);
      expect([0, 1], kv.output).toContain(kv.status);
      const keepalived = keepalivedWillRun(ka);
      const keepvip = kv.status === 0;
      results.push({ file, keepalived, keepvip });
      const detail = `keepalived (exit ${ka.status}):\n${ka.output}\nkeepvip (exit ${kv.status}):\n${kv.output}`;
      if (file in DELIBERATE) {
        // The list must stay true: a deliberate difference that disappeared is removed from it.
        expect(keepvip, detail).not.toBe(keepalived);
      } else {
        expect(keepvip, detail).toBe(keepalived);
      }
    });
  }

  it('every keyword keepvip attributes to keepalived is known to keepalived 2.2.7', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keepvip-kw-'));
    try {
      const lines: string[] = [];
      const contexts: Record<string, [string, string]> = {
        global_defs: ['global_defs {', '}'],
        vrrp_instance: ['vrrp_instance KW {', '}'],
        vrrp_sync_group: ['vrrp_sync_group KWG {', '}'],
        vrrp_script: ['vrrp_script KWS {', '}'],
        track_file: ['track_file KWF {', '}'],
        vrrp_track_process: ['vrrp_track_process KWP {', '}'],
      };
      const checked: string[] = [];
      for (const [block, table] of Object.entries(TABLES)) {
        if (KEEPVIP_ONLY.has(block)) continue;
        for (const [kw, spec] of Object.entries(table)) {
          if (KEEPVIP_ONLY.has(kw) || spec.status === 'lvs') continue;
          checked.push(kw);
          const body = spec.block ? `${kw} {\n}` : kw;
          if (block === 'top') lines.push(spec.block ? `${kw} X {\n}` : `${kw} x`);
          else lines.push(contexts[block]![0], body, contexts[block]![1]);
        }
      }
      const file = join(dir, 'keywords.conf');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const ka = run(ns, ['keepalived', '-t', '-f', file, '-i', CONFIG_ID]);
      const unknown = [...ka.output.matchAll(/Unknown keyword '([^']+)'/g)].map((m) => m[1]!);
      expect(checked.length).toBeGreaterThan(100);
      expect([...new Set(unknown)].filter((k) => checked.includes(k))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
