/**
 * keepalived 2.2.7 as the referee for the dump formats: run it in a lab (two nodes, the
 * configs in test/ops/fixtures), collect its SIGUSR1/SIGUSR2/JSON dumps, and check that
 * ours have the same structure. UPDATE_FIXTURES=1 stores the capture as the fixtures
 * that test/ops/dumps.test.ts compares against without root.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, skipReason, type Lab } from '../helpers/netns.js';
import { formatDump } from '../../src/ops/dumps.js';
import { expectKeepalivedShape } from './helpers/dump-compare.js';
import { collectDumps, removeDir, startKeepalived, type KeepalivedDumps, type RunningKeepalived } from './helpers/keepalived-dumps.js';
import { sampleSnapshot } from './helpers/sample-snapshot.js';

const reason = skipReason('keepalived');
const FIXTURES = join(import.meta.dirname, 'fixtures');

describe.skipIf(!!reason)('dump formats against a live keepalived 2.2.7', () => {
  let lab: Lab;
  const running: RunningKeepalived[] = [];
  let dumps: KeepalivedDumps;

  beforeAll(async () => {
    lab = createLab({ nodes: ['a', 'b'] });
    const a = startKeepalived(lab, 'a', readFileSync(join(FIXTURES, 'keepalived-a.conf'), 'utf8'));
    running.push(a, startKeepalived(lab, 'b', readFileSync(join(FIXTURES, 'keepalived-b.conf'), 'utf8')));
    // VI_1 on node a wins after its Master_Down_Interval (~3.4 s); VI_6 stays BACKUP to b.
    const end = Date.now() + 15_000;
    while (!a.output().includes('(VI_1) Entering MASTER STATE')) {
      if (Date.now() > end) throw new Error(`keepalived a never became MASTER:\n${a.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1500));
    dumps = await collectDumps(a);
    if (process.env.UPDATE_FIXTURES) {
      writeFileSync(join(FIXTURES, 'keepalived-2.2.7.data'), dumps.data);
      writeFileSync(join(FIXTURES, 'keepalived-2.2.7.stats'), dumps.stats);
      writeFileSync(join(FIXTURES, 'keepalived-2.2.7.json'), dumps.json);
    }
  }, 40_000);

  afterAll(async () => {
    for (const k of running) {
      await lab?.stop(k.child);
      removeDir(k);
    }
    await lab?.cleanup();
  });

  it('captured all three dumps with both instances', () => {
    expect(dumps.data).toContain(' VRRP Instance = VI_1');
    expect(dumps.data).toContain(' VRRP Instance = VI_6');
    expect(dumps.stats).toContain('VRRP Instance: VI_6');
    expect((JSON.parse(dumps.json) as unknown[]).length).toBe(2);
  });

  it('our data, stats and JSON dumps have keepalived’s structure', () => {
    const s = sampleSnapshot();
    const ours = { data: formatDump('data', s), stats: formatDump('stats', s), json: formatDump('json', s) };
    expectKeepalivedShape(ours, dumps, ['VI_1', 'VI_6']);
  });

  it('keepalived itself prints the PASS password; ours never does', () => {
    expect(dumps.data).toContain('s3cr3tpw');
    const s = sampleSnapshot();
    for (const f of ['data', 'stats', 'json'] as const) expect(formatDump(f, s)).not.toContain('s3cr3tpw');
  });
});
