import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** ARCHITECTURE.md habit 1: the codec is pure. It imports only its siblings and ../ip.js. */
describe('src/core/codec imports', () => {
  const dir = new URL('../../src/core/codec/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it('has source files', () => {
    expect(files).toContain('vrrp.ts');
  });

  it.each(files)('%s imports nothing outside the pure core', (file) => {
    const src = readFileSync(new URL(file, dir), 'utf8');
    const specs = [...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
      (m) => m[1]!,
    );
    for (const s of specs) expect(s === '../ip.js' || /^\.\/[a-z0-9-]+\.js$/.test(s)).toBe(true);
    expect(src).not.toMatch(/\brequire\(/);
  });
});
