/**
 * Long fuzzing campaigns of the hostile-packet properties (test/hardening/properties.ts),
 * the same ones CI runs a few thousand cases of (test/hardening/fuzz.test.ts).
 *
 *   npm run fuzz -- --cases 1000000 [--seed S] [--property NAME]... [--no-save]
 *
 * Prints cases/s per property. A counterexample is printed with the seed and path that
 * replay it, and saved to test/fixtures/fuzz-corpus/<property>-<seed>.json, which the CI
 * test replays from then on (edit its "note" to say what it found). Exit status 1 when a
 * property failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { PROPERTIES, type PropertyDef } from '../test/hardening/properties.js';

const CORPUS = fileURLToPath(new URL('../test/fixtures/fuzz-corpus/', import.meta.url));

interface Args {
  cases: number;
  seed: number;
  properties: string[];
  save: boolean;
}

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: npm run fuzz -- --cases N [--seed S] [--property NAME]... [--no-save]\n`);
  process.stderr.write(`properties: ${PROPERTIES.map((p) => p.name).join(', ')}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cases: 10_000, seed: (Date.now() ^ (Math.random() * 0x7fffffff)) | 0, properties: [], save: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) usage(`${k} needs a value`);
      return x;
    };
    if (k === '--cases') a.cases = Number(v());
    else if (k === '--seed') a.seed = Number(v());
    else if (k === '--property') a.properties.push(v());
    else if (k === '--no-save') a.save = false;
    else if (k === '--help' || k === '-h') usage('');
    else usage(`unknown argument ${k}`);
  }
  if (!Number.isInteger(a.cases) || a.cases < 1) usage('--cases must be a positive integer');
  if (!Number.isInteger(a.seed)) usage('--seed must be an integer');
  for (const p of a.properties) if (!PROPERTIES.some((x) => x.name === p)) usage(`no property ${p}`);
  return a;
}

function save(p: PropertyDef<unknown>, seed: number, path: string | null, example: unknown, error: string): string {
  mkdirSync(CORPUS, { recursive: true });
  const file = join(CORPUS, `${p.name}-${seed >>> 0}.json`);
  const entry = { property: p.name, note: `found by scripts/fuzz.ts: ${error.split('\n')[0]}`, seed, path, case: example };
  writeFileSync(file, `${JSON.stringify(entry, null, 2)}\n`);
  return file;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const chosen = args.properties.length ? PROPERTIES.filter((p) => args.properties.includes(p.name)) : PROPERTIES;
  process.stdout.write(`fuzz: ${args.cases} cases per property, seed ${args.seed}\n`);
  let failed = 0;
  for (const p of chosen) {
    const t0 = performance.now();
    const r = fc.check(
      fc.property(p.arbitrary, (c) => {
        p.check(c);
      }),
      { numRuns: args.cases, seed: args.seed },
    );
    const s = (performance.now() - t0) / 1000;
    const rate = Math.round(r.numRuns / Math.max(s, 1e-9));
    if (!r.failed) {
      process.stdout.write(`${p.name.padEnd(16)} ok    ${r.numRuns} cases in ${s.toFixed(1)} s (${rate} cases/s)\n`);
      continue;
    }
    failed++;
    const example = r.counterexample?.[0];
    const error = r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance);
    process.stdout.write(
      `${p.name.padEnd(16)} FAIL  after ${r.numRuns} cases in ${s.toFixed(1)} s (${rate} cases/s)\n` +
        `  seed ${r.seed} path ${r.counterexamplePath ?? '-'} (shrunk ${r.numShrinks} times)\n` +
        `  replay: npm run fuzz -- --cases ${args.cases} --seed ${r.seed} --property ${p.name}\n` +
        `  counterexample: ${JSON.stringify(example)}\n` +
        `  error: ${error}\n`,
    );
    if (args.save) process.stdout.write(`  saved to ${save(p, r.seed, r.counterexamplePath, example, error)}\n`);
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
