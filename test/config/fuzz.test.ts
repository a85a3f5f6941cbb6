/**
 * Random mutations of valid configurations (fast-check, fixed seed): the loader never
 * throws, every diagnostic has a position inside a file that was read, `ok` is exactly
 * "no error", and secrets never reach a diagnostic or the redacted model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { redactModel } from '../../src/config/redact.js';
import { CONFIG_ID, FIXTURES, INTERFACES } from './corpus.js';

const SEEDS = ['full.conf', 'minimal.conf', 'defaults.conf', 'tracking.conf', 'unsupported.conf', 'vip-syntax.conf'];
const sources = SEEDS.map((f) => readFileSync(join(FIXTURES, f), 'utf8'));
const NAME = '/fuzz/keepalived.conf';

const VOCAB = [
  '{', '}', '{ }', '"', "'", '\\', '#', '!', '@node1', '@^node1', '$X', '${X}', '$X=1', '$Y= \\', '~SEQ(N,1,2)',
  'vrrp_instance', 'vrrp_instance V', 'virtual_router_id', 'priority', 'advert_int', 'state', 'MASTER', 'BACKUP',
  'interface', 'eth0', 'nosuch', 'virtual_ipaddress', 'unicast_peer', 'authentication', 'auth_type', 'auth_pass',
  'track_script', 'weight', '-254', '300', '0', '1.5', '0.001', '255', '192.0.2.1', '2001:db8::1', 'fe80::1', '192.0.2.1/40',
  'cloud_vip', 'provider', 'keepvip_defs', 'cloud_provider', 'include', 'include *.conf', 'virtual_server', 'real_server',
  'global_defs', 'vrrp_strict', 'nopreempt', 'version', '3', '2', 'vrrp_sync_group', 'group', 'notify', '/bin/true',
  '\u0000', '\u00e9', '\t', '\r', 'x'.repeat(40),
];

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'insert'; at: number; col: number; text: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'bytes'; at: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), col: fc.nat(), text: fc.constantFrom(...VOCAB) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), text: fc.string({ maxLength: 12 }) }),
);

function apply(text: string, muts: Mutation[]): string {
  let lines = text.split('\n');
  for (const m of muts) {
    const n = Math.max(lines.length, 1);
    const at = m.at % n;
    switch (m.kind) {
      case 'delete':
        lines.splice(at, 1);
        break;
      case 'duplicate':
        lines.splice(at, 0, lines[at] ?? '');
        break;
      case 'swap': {
        const b = m.with % n;
        [lines[at], lines[b]] = [lines[b] ?? '', lines[at] ?? ''];
        break;
      }
      case 'insert': {
        const line = lines[at] ?? '';
        const col = m.col % (line.length + 1);
        lines[at] = `${line.slice(0, col)} ${m.text} ${line.slice(col)}`;
        break;
      }
      case 'truncate':
        lines = lines.slice(0, at);
        break;
      case 'bytes':
        lines.splice(at, 0, m.text);
        break;
    }
  }
  return lines.join('\n');
}

describe('configuration fuzzing', () => {
  it('survives 3000 seeded mutations of valid configurations with positioned diagnostics', () => {
    let diagnosticsSeen = 0;
    let errorsSeen = 0;
    fc.assert(
      fc.property(fc.nat({ max: sources.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (src, muts) => {
        const text = apply(sources[src]!, muts);
        const r = parseConfigText(text, {
          name: NAME,
          configId: CONFIG_ID,
          env: { interfaceExists: (n) => INTERFACES.includes(n) },
          random: () => 0.5,
        });
        const lineCount = text.split('\n').length;
        for (const d of r.diagnostics) {
          expect(d.pos.file).toBe(NAME);
          expect(d.pos.line).toBeGreaterThanOrEqual(1);
          expect(d.pos.line).toBeLessThanOrEqual(lineCount);
          expect(d.pos.col).toBeGreaterThanOrEqual(1);
          expect(['error', 'warning', 'note']).toContain(d.severity);
          expect(d.message.length).toBeGreaterThan(0);
        }
        expect(r.ok).toBe(!r.diagnostics.some((d) => d.severity === 'error'));
        const dumped = JSON.stringify(redactModel(r.model));
        expect(dumped).not.toContain('should-never-appear');
        for (const inst of r.model.instances) {
          expect(inst.vrid).toBeGreaterThanOrEqual(1);
          expect(inst.vrid).toBeLessThanOrEqual(255);
          expect(inst.priority).toBeGreaterThanOrEqual(1);
          expect(inst.priority).toBeLessThanOrEqual(255);
          expect(inst.vips.every((v) => v.family === inst.family)).toBe(true);
        }
        diagnosticsSeen += r.diagnostics.length;
        errorsSeen += r.diagnostics.filter((d) => d.severity === 'error').length;
      }),
      { seed: 20260501, numRuns: 3000 },
    );
    // The mutations really do reach the checks.
    expect(diagnosticsSeen).toBeGreaterThan(3000);
    expect(errorsSeen).toBeGreaterThan(100);
  }, 120_000);
});
