/**
 * Golden files for the corpus: the resolved model (secrets redacted) and every diagnostic.
 * UPDATE_GOLDEN=1 rewrites them after a deliberate change; review the diff by hand.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { redactModel } from '../../src/config/redact.js';
import { CONFIG_ID, FIXTURES, INTERFACES, corpusFiles, relativize } from './corpus.js';
import { keywordsByStatus } from '../../src/config/keywords/catalog.js';

const update = process.env.UPDATE_GOLDEN === '1';

describe('configuration corpus goldens', () => {
  for (const file of corpusFiles()) {
    it(file, () => {
      const r = loadConfig(join(FIXTURES, file), {
        configId: CONFIG_ID,
        env: { interfaceExists: (n) => INTERFACES.includes(n) },
      });
      const actual = relativize({
        ok: r.ok,
        diagnostics: r.diagnostics.map(formatDiagnostic),
        model: redactModel(r.model),
      });
      const goldenPath = join(FIXTURES, file.replace(/\.conf$/, '.golden.json'));
      if (update) writeFileSync(goldenPath, `${JSON.stringify(actual, null, 2)}\n`);
      // A missing golden is a failure, not a new baseline: UPDATE_GOLDEN=1 writes it.
      expect(existsSync(goldenPath), `${goldenPath} is missing (UPDATE_GOLDEN=1 writes it)`).toBe(true);
      expect(actual).toEqual(JSON.parse(readFileSync(goldenPath, 'utf8')));
    });
  }

  it('every diagnostic code of the config layer occurs somewhere in the corpus', () => {
    const seen = new Set<string>();
    for (const file of corpusFiles()) {
      const golden = JSON.parse(readFileSync(join(FIXTURES, file.replace(/\.conf$/, '.golden.json')), 'utf8')) as {
        diagnostics: string[];
      };
      for (const d of golden.diagnostics) seen.add(/\[([a-z-]+)\]$/.exec(d)![1]!);
    }
    // Codes that need conditions a static corpus cannot create (unreadable files, deep include loops).
    const notInCorpus = new Set(['include-unreadable', 'include-depth']);
    const source = readFileSync(join(FIXTURES, '..', '..', '..', 'src', 'config', 'diagnostics.ts'), 'utf8');
    const codes = [...source.slice(source.indexOf('export type DiagnosticCode'), source.indexOf('export interface Diagnostic ')).matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
    const missing = codes.filter((c) => !seen.has(c) && !notInCorpus.has(c));
    expect(missing).toEqual([]);
  });

  it('every supported keyword is used somewhere in the corpus', () => {
    const used = new Set<string>();
    for (const file of corpusFiles()) {
      for (const line of readFileSync(join(FIXTURES, file), 'utf8').split('\n')) {
        const word = line.trim().replace(/^@\^?\S+\s+/, '').split(/[\s{]+/)[0];
        if (word) used.add(word);
      }
    }
    const missing = keywordsByStatus()
      .filter((k) => k.status === 'supported' || k.status === 'deprecated')
      .filter((k) => !used.has(k.keyword))
      .map((k) => `${k.block}:${k.keyword}`);
    expect(missing).toEqual([]);
  });
});
