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

  it('maps every UNH-IOL group 2-4 test to scenarios and files that exist (README.md)', () => {
    const readme = readFileSync(join(dir, '..', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| (VRRP\.\d\.\d) \| [^|]+ \| ([^|]+) \|$/gm)];
    const ids = rows.map((r) => r[1]);
    const expected = [...Array(7)].map((_, i) => `VRRP.2.${i + 1}`).concat([...Array(4)].map((_, i) => `VRRP.3.${i + 1}`), [...Array(9)].map((_, i) => `VRRP.4.${i + 1}`));
    expect(ids).toEqual(expected);
    const root = join(dir, '..', '..', '..');
    for (const [, id, refs] of rows) {
      for (const part of refs!.split(';')) {
        const m = /^\s*(scenario|test):\s*(.+?)\s*$/.exec(part);
        expect(m, `${id}: '${part}'`).not.toBeNull();
        for (const name of m![2]!.split(',').map((x) => x.trim())) {
          const path = m![1] === 'scenario' ? join(dir, `${name}.json`) : join(root, name);
          expect(existsSync(path), `${id}: ${path}`).toBe(true);
        }
      }
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
