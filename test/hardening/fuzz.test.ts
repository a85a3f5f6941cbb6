/**
 * Property-based fuzzing of the receive path (issue 9, hostile packets): the decoder, the
 * state machine and the runtime's receive path with a fake platform. The properties are in
 * properties.ts; `npm run fuzz -- --cases N [--seed S]` runs long campaigns of the same
 * ones. Every counterexample ever found is kept in test/fixtures/fuzz-corpus/ and replayed
 * here.
 *
 * FUZZ_SEED fixes the seed (a failure prints the seed and path to replay it);
 * FUZZ_SCALE multiplies the number of cases (default 1).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTIES, propertyByName } from './properties.js';

const CORPUS = fileURLToPath(new URL('../fixtures/fuzz-corpus/', import.meta.url));
const scale = Number(process.env.FUZZ_SCALE ?? '1');
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

export interface CorpusEntry {
  property: string;
  /** What went wrong when it was found, and what fixed it. */
  note: string;
  seed?: number;
  path?: string;
  case: unknown;
}

describe('hostile packets: properties', () => {
  for (const p of PROPERTIES) {
    const runs = Math.max(1, Math.round(p.ciRuns * scale));
    it(`${p.name} (${runs} cases)`, () => {
      fc.assert(
        fc.property(p.arbitrary, (c) => {
          p.check(c);
        }),
        { numRuns: runs, ...(seed !== undefined ? { seed } : {}) },
      );
    }, 60_000);
  }
});

describe('hostile packets: saved counterexamples (test/fixtures/fuzz-corpus)', () => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort();

  it('the corpus is not empty', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const f of files) {
    it(f, () => {
      const entry = JSON.parse(readFileSync(join(CORPUS, f), 'utf8')) as CorpusEntry;
      const p = propertyByName(entry.property);
      p.check(entry.case);
    });
  }
});
