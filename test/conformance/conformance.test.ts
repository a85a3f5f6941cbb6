/**
 * Golden replay of test/conformance/scenarios/*.json. A mismatch fails with a line diff;
 * `UPDATE_GOLDEN=1 npx vitest run test/conformance` rewrites the golden files (read them
 * before committing: they must match the RFC, not just the code).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay, type Scenario } from './harness.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');
const update = process.env.UPDATE_GOLDEN === '1';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('conformance scenarios', () => {
  it('has at least 45 cases, each described and sourced', () => {
    expect(files.length).toBeGreaterThanOrEqual(45);
    for (const f of files) {
      const sc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Scenario;
      expect(sc.description, f).toMatch(/\S/);
      expect(sc.source, f).toMatch(/\S/);
    }
  });

  it.each(files)('%s', (file) => {
    const sc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Scenario;
    const actual = replay(sc).lines.join('\n') + '\n';
    const goldenPath = join(dir, file.replace(/\.json$/, '.golden.jsonl'));
    if (update) {
      writeFileSync(goldenPath, actual);
      return;
    }
    expect(existsSync(goldenPath), `${goldenPath} missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(actual.split('\n')).toEqual(readFileSync(goldenPath, 'utf8').split('\n'));
  });
});
