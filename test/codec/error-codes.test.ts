import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENCODE_ERROR_CODES } from '../../src/core/codec/encode-error.js';
import { DROP_REASONS } from '../../src/core/codec/errors.js';

const doc = readFileSync(new URL('../../docs/error-codes.md', import.meta.url), 'utf8');
/** First cell of every table row: the documented codes. */
const documented = new Set([...doc.matchAll(/^\| `([a-zA-Z_0-9]+)` \|/gm)].map((m) => m[1]));

describe('docs/error-codes.md', () => {
  it.each([...DROP_REASONS])('documents drop reason %s', (code) => {
    expect(documented.has(code)).toBe(true);
  });

  it.each([...ENCODE_ERROR_CODES])('documents encode error %s', (code) => {
    expect(documented.has(code)).toBe(true);
  });

  it('documents nothing that does not exist', () => {
    const known = new Set<string>([...DROP_REASONS, ...ENCODE_ERROR_CODES, 'v2', 'pseudo', 'old-unicast']);
    for (const code of documented) expect(known.has(code!)).toBe(true);
  });
});
