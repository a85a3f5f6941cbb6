/**
 * The state machine and simulator are pure: they import only other src/core modules
 * (relative paths that stay inside src/core), never node: modules or packages, and do not
 * touch clocks or random sources themselves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const core = join(root, 'src/core');
const dirs = ['src/core/fsm', 'src/core/sim'];

const files = dirs.flatMap((d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, d, f)),
);

describe('purity of src/core/fsm and src/core/sim', () => {
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s imports only src/core modules', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    for (const spec of specs) {
      expect(spec.startsWith('.'), `${spec} is not a relative import`).toBe(true);
      const target = resolve(dirname(file), spec);
      expect(target.startsWith(core + '/'), `${spec} leaves src/core`).toBe(true);
    }
    expect(text).not.toMatch(/\b(Date\.now|performance\.now|Math\.random|setTimeout|setInterval|process\.)/);
  });
});
