/**
 * Assertions that our dumps have keepalived's structure: used against the stored
 * capture (test/ops/fixtures) and against a live keepalived in a lab.
 */
import { expect } from 'vitest';
import { isSubsequence, lineKey, parseDataDump, statsShape } from './dump-shape.js';
import type { KeepalivedDumps } from './keepalived-dumps.js';

/** keepalived 2.2.7's data-dump sections, in its order (VRRP-only run). */
export const KEEPALIVED_SECTIONS = [
  'Global definitions',
  'VRRP Topology',
  'VRRP Sockpool',
  'VRRP Sync groups',
  'VRRP Scripts',
  'Interfaces',
];

/** Keys keepvip adds to keepalived's instance block (docs/operations.md). */
export const OUR_EXTRA_KEYS = ['Cloud claim'];

export function expectDataShape(ours: string, theirs: string, instances: string[]): void {
  const o = parseDataDump(ours);
  const t = parseDataDump(theirs);
  // Our sections are keepalived's, in keepalived's order (observed with 2.2.7), and
  // the ones both files have come in the same order.
  const mine = [...o.keys()];
  const both = mine.filter((k) => t.has(k));
  expect(isSubsequence(mine, KEEPALIVED_SECTIONS), `sections ${mine}`).toBe(true);
  expect(isSubsequence(both, [...t.keys()]), `sections ${both} vs ${[...t.keys()]}`).toBe(true);
  expect(mine.slice(0, 2)).toEqual(['Global definitions', 'VRRP Topology']);
  for (const name of instances) {
    const oi = o.get('VRRP Topology')!.find((x) => x.name === name);
    const ti = t.get('VRRP Topology')!.find((x) => x.name === name);
    expect(oi, `our instance ${name}`).toBeDefined();
    expect(ti, `keepalived instance ${name}`).toBeDefined();
    expect(oi!.header).toBe(ti!.header);
    const keys = oi!.keys.filter((k) => !OUR_EXTRA_KEYS.includes(k));
    expect(isSubsequence(keys, ti!.keys), `${name}: ${JSON.stringify(keys)}\nnot in order within\n${JSON.stringify(ti!.keys)}`).toBe(
      true,
    );
    // Not a vacuous match: most of keepalived's VRRP lines are there.
    expect(keys.length).toBeGreaterThanOrEqual(20);
  }
}

/** Global definitions are one-space-indented lines directly under the ruler. */
export function globalKeys(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf('------< Global definitions >------');
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('------<')) break;
    if (/^ \S/.test(l)) out.push(lineKey(l));
  }
  return out;
}

export function expectStatsShape(ours: string, theirs: string, instances: string[]): void {
  const o = statsShape(ours);
  const t = statsShape(theirs);
  for (const name of instances) {
    const ol = o.get(name)!;
    const tl = t.get(name)!;
    expect(tl, `keepalived stats for ${name}`).toBeDefined();
    // keepalived's lines first, exactly; our additions only after them.
    expect(ol.slice(0, tl.length)).toEqual(tl);
    expect(ol.slice(tl.length)[0]).toBe('  Other Drops:');
  }
}

export function expectJsonShape(ours: string, theirs: string): void {
  const o = JSON.parse(ours) as { data: Record<string, unknown>; stats: Record<string, unknown> }[];
  const t = JSON.parse(theirs) as { data: Record<string, unknown>; stats: Record<string, unknown> }[];
  expect(Array.isArray(o)).toBe(true);
  const tdata = new Set(t.flatMap((x) => Object.keys(x.data)));
  const tstats = Object.keys(t[0]!.stats).sort();
  const types = new Map<string, string>();
  for (const x of t) for (const [k, v] of Object.entries(x.data)) types.set(k, Array.isArray(v) ? 'array' : typeof v);
  for (const x of o) {
    const extra = Object.keys(x.data).filter((k) => k !== 'keepvip' && !tdata.has(k));
    expect(extra, 'data keys keepalived does not have').toEqual([]);
    for (const [k, v] of Object.entries(x.data)) {
      if (k !== 'keepvip') expect(Array.isArray(v) ? 'array' : typeof v, `type of ${k}`).toBe(types.get(k));
    }
    expect(x.data).not.toHaveProperty('auth_data');
    expect(Object.keys(x.stats).filter((k) => k !== 'keepvip').sort()).toEqual(tstats);
  }
}

export function expectKeepalivedShape(ours: KeepalivedDumps, theirs: KeepalivedDumps, instances: string[]): void {
  expectDataShape(ours.data, theirs.data, instances);
  const og = globalKeys(ours.data);
  const tg = globalKeys(theirs.data);
  expect(og.length).toBeGreaterThanOrEqual(8);
  expect(isSubsequence(og, tg), `globals ${JSON.stringify(og)} vs ${JSON.stringify(tg)}`).toBe(true);
  expectStatsShape(ours.stats, theirs.stats, instances);
  expectJsonShape(ours.json, theirs.json);
}
