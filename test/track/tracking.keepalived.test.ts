/**
 * Referee for the tracking arithmetic: the same scripts (driven by a list of exit codes)
 * and track files run under keepalived 2.2.7 in a lab namespace; every effective
 * priority keepalived logs must be what TrackingHub computes from the same results, in
 * the same order. The results are taken from what the scripts actually returned (they
 * log each run), so keepalived's scheduling does not matter.
 *
 * init_fail with a weight is left out on purpose: keepvip counts such a script as failed
 * before its first result, keepalived 2.2.7 applies no weight until then (docs/tracking.md).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrackFileValue } from '../../src/track/file.js';
import { TrackingHub } from '../../src/track/hub.js';
import { effectivePriority } from '../../src/track/state.js';
import { createLab, skipReason, type Lab } from '../helpers/netns.js';
import { startKeepalived } from './keepalived-lab.js';

interface ScriptCase {
  name: string;
  weight: number;
  reverse?: boolean;
  rise?: number;
  fall?: number;
  codes: number[];
}

const SCRIPTS: ScriptCase[] = [
  { name: 'A', weight: -10, rise: 3, fall: 3, codes: [1, 1, 1, 1, 0, 0, 0, 0] },
  { name: 'C', weight: -10, rise: 3, fall: 3, codes: [0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0] },
  { name: 'G', weight: 10, reverse: true, codes: [0, 0, 1, 1, 0] },
  { name: 'H', weight: -10, reverse: true, codes: [0, 0, 1, 1, 0] },
  { name: 'K', weight: 10, rise: 2, fall: 2, codes: [0, 1, 0, 1, 1, 0, 1, 0, 0] },
  { name: 'M', weight: 25, rise: 1, fall: 2, codes: [1, 0, 1, 1, 0, 1, 0, 0] },
  { name: 'N', weight: -253, codes: [0, 1, 0, 1] },
];

const FILES: Array<{ name: string; values: Array<[content: string, weight: number, reverse: boolean]> }> = [
  { name: 'F1', values: [['5', 2, false]] },
  { name: 'F2', values: [['-300', 1, false]] },
  { name: 'F3', values: [['3', 0, false]] },
  { name: 'F4', values: [['0', 0, true]] },
  { name: 'F5', values: [['4', 3, true]] },
  { name: 'F6', values: [['300', 1, false], ['-250', 1, false]] },
  { name: 'F7', values: [['0x10', 1, false]] },
  { name: 'F8', values: [['010', 1, false]] },
  { name: 'F9', values: [['-5', -2, false]] },
  { name: 'F10', values: [['3', 100, false], ['3', -100, false]] },
  { name: 'F11', values: [['99999999999', 1, false]] },
  { name: 'F12', values: [['-253', 1, false]] },
];

const BASE = 200;
const reason = skipReason('keepalived');

describe.skipIf(!!reason)('tracking arithmetic against keepalived 2.2.7', () => {
  let lab: Lab;
  let dir: string;
  let log = '';
  let runs: Array<[string, number]> = [];

  beforeAll(async () => {
    lab = createLab({ nodes: ['a'] });
    dir = mkdtempSync('/tmp/kv-trk-');
    chmodSync(dir, 0o755);
    mkdirSync(`${dir}/seq`);
    writeFileSync(`${dir}/runs.log`, '');
    // Pop the next exit code for this case (the last one repeats) and log it.
    writeFileSync(
      `${dir}/seq.sh`,
      `#!/bin/bash\nf=${dir}/seq/$1\nmapfile -t c < "$f"\nif [ \${#c[@]} -gt 1 ]; then printf '%s\\n' "\${c[@]:1}" > "$f"; fi\necho "$1 \${c[0]}" >> ${dir}/runs.log\nexit \${c[0]}\n`,
    );
    chmodSync(`${dir}/seq.sh`, 0o755);
    let conf = 'global_defs {\n  router_id trk\n}\n';
    let vrid = 0;
    const instance = (name: string, track: string): string =>
      `vrrp_instance ${name} {\n  interface eth0\n  state BACKUP\n  virtual_router_id ${++vrid}\n  priority ${BASE}\n  advert_int 1\n` +
      `  virtual_ipaddress {\n    192.0.2.${100 + vrid}\n  }\n${track}}\n`;
    for (const s of SCRIPTS) {
      writeFileSync(`${dir}/seq/${s.name}`, s.codes.join('\n') + '\n');
      conf += `vrrp_script s${s.name} {\n  script "${dir}/seq.sh ${s.name}"\n  interval 1\n  weight ${s.weight}${s.reverse ? ' reverse' : ''}\n  rise ${s.rise ?? 1}\n  fall ${s.fall ?? 1}\n}\n`;
      conf += instance(`V_${s.name}`, `  track_script {\n    s${s.name}\n  }\n`);
    }
    for (const f of FILES) {
      const refs = f.values.map(([content, weight, reverse], i) => {
        writeFileSync(`${dir}/${f.name}_${i}`, content);
        conf += `track_file ${f.name}_${i} {\n  file "${dir}/${f.name}_${i}"\n  weight ${weight}${reverse ? ' reverse' : ''}\n}\n`;
        return `    ${f.name}_${i}\n`;
      });
      conf += instance(`V_${f.name}`, `  track_file {\n${refs.join('')}  }\n`);
    }
    const ka = startKeepalived(lab, lab.node('a').ns, dir, conf);
    await new Promise((r) => setTimeout(r, 12_500));
    await ka.stop();
    log = ka.log();
    runs = readFileSync(`${dir}/runs.log`, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string])
      .map(([n, c]) => [n, Number(c)]);
  }, 60_000);

  afterAll(async () => {
    await lab?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The effective priorities keepalived logged for an instance, in order. */
  const logged = (inst: string): number[] =>
    [...log.matchAll(new RegExp(`\\(${inst}\\) Changing effective priority from \\d+ to (\\d+)`, 'g'))].map((m) => Number(m[1]));

  for (const s of SCRIPTS) {
    it(`script ${s.name}: weight ${s.weight}${s.reverse ? ' reverse' : ''} rise ${s.rise ?? 1} fall ${s.fall ?? 1}`, () => {
      const results = runs.filter(([n]) => n === s.name).map(([, c]) => c);
      expect(results.length).toBeGreaterThanOrEqual(s.codes.length);
      const hub = new TrackingHub(
        [{ name: 'V', trackers: [{ kind: 'script', name: 's', weight: s.weight, reverse: !!s.reverse }] }],
        [{ name: 's', rise: s.rise ?? 1, fall: s.fall ?? 1, initFail: false }],
      );
      const mine: number[] = [];
      let prev = BASE;
      for (const code of results) {
        hub.scriptResult('s', code === 0);
        const eff = effectivePriority(BASE, hub.snapshot('V').adjustment);
        if (eff !== prev) mine.push(eff);
        prev = eff;
      }
      expect(mine.length).toBeGreaterThan(0);
      expect(logged(`V_${s.name}`)).toEqual(mine);
    });
  }

  for (const f of FILES) {
    it(`track_file ${f.name}: ${JSON.stringify(f.values)}`, () => {
      const hub = new TrackingHub(
        [{ name: 'V', trackers: f.values.map(([, weight, reverse], i) => ({ kind: 'file' as const, name: `f${i}`, weight, reverse })) }],
        [],
      );
      f.values.forEach(([content], i) => hub.fileValue(`f${i}`, parseTrackFileValue(content)));
      const snap = hub.snapshot('V');
      const eff = effectivePriority(BASE, snap.adjustment);
      const theirs = logged(`V_${f.name}`);
      expect(theirs.at(-1) ?? BASE).toBe(eff);
      const theirFault = new RegExp(`\\(V_${f.name}\\):? entering FAULT state`).test(log);
      expect(theirFault).toBe(snap.faults.length > 0);
    });
  }
});
