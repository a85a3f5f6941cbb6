/** docs/operations.md stays in step with the code: every event, metric and error code is listed. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS, eventFieldNames, type EventName } from '../../src/ops/events.js';
import { OPS_ERROR_CODES } from '../../src/ops/errors.js';
import { Metrics } from '../../src/ops/metrics.js';
import { DROP_REASONS } from '../../src/core/codec/errors.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'operations.md'), 'utf8');

describe('docs/operations.md', () => {
  it('lists every catalogued event with its level and fields', () => {
    for (const name of Object.keys(EVENTS) as EventName[]) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      const cells = row!.split('|').map((c) => c.trim());
      expect(cells[2], `${name} level`).toBe(EVENTS[name].level);
      const listed = cells[3]!.split(',').map((f) => f.trim().replace(/\?$/, ''));
      expect(listed, `${name} fields`).toEqual([...eventFieldNames(name)]);
    }
  });

  it('lists every keepvip metric', async () => {
    const m = new Metrics({ processMetrics: false, version: 'x' });
    const names = (await m.registry.getMetricsAsJSON()).map((x) => x.name);
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const n of names) expect(doc, n).toContain(`\`${n}\``);
  });

  it('lists every error code and every drop reason in the stats mapping', () => {
    for (const c of OPS_ERROR_CODES) expect(doc, c).toContain(`| \`${c}\` |`);
    const mapping = doc.slice(doc.indexOf('| keepvip drop reason |'));
    for (const r of DROP_REASONS) expect(mapping, r).toContain(`\`${r}\``);
  });
});
