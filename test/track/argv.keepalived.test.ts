/**
 * Referee: every row of argv-cases.ts goes through the real keepalived 2.2.7 (notify_backup
 * fires at start-up), and what the script received must equal parseScriptDirective().
 */
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScriptDirective } from '../../src/track/argv.js';
import { createLab, skipReason, type Lab } from '../helpers/netns.js';
import { ARGV_CASES } from './argv-cases.js';
import { startKeepalived, waitFor } from './keepalived-lab.js';

const reason = skipReason('keepalived');

describe.skipIf(!!reason)('argv splitting against keepalived 2.2.7', () => {
  let lab: Lab;
  let dir: string;
  const got = new Map<number, string[] | undefined>();

  beforeAll(async () => {
    lab = createLab({ nodes: ['a'] });
    dir = mkdtempSync('/tmp/kv-argv-');
    chmodSync(dir, 0o755);
    const blocks: string[] = ['global_defs {\n  router_id argv\n}\n'];
    ARGV_CASES.forEach((c, i) => {
      const script = `${dir}/r${i}.sh`;
      // Each argument as hex, one per line, so nothing is lost to the shell or the terminal.
      writeFileSync(script, `#!/bin/sh\nfor a in "$@"; do printf '%s' "$a" | od -An -tx1 | tr -d ' \\n'; echo; done > ${dir}/log.${i}.tmp\nmv ${dir}/log.${i}.tmp ${dir}/log.${i}\n`);
      chmodSync(script, 0o755);
      if (c.pathSuffix) copyFileSync(script, script + c.pathSuffix);
      blocks.push(
        `vrrp_instance V${i} {\n  interface eth0\n  state BACKUP\n  virtual_router_id ${i + 1}\n  priority 100\n` +
          `  advert_int 1\n  virtual_ipaddress {\n    192.0.2.${100 + i}\n  }\n  notify_backup ${c.rest.replace('P', script)}\n}\n`,
      );
    });
    const ka = startKeepalived(lab, lab.node('a').ns, dir, blocks.join(''));
    const expected = ARGV_CASES.map((c, i) => (c.error ? -1 : i)).filter((i) => i >= 0);
    try {
      await waitFor(() => expected.every((i) => existsSync(`${dir}/log.${i}`)), 15_000, 'every notify_backup to run');
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await ka.stop();
    }
    ARGV_CASES.forEach((_, i) => {
      const f = `${dir}/log.${i}`;
      if (!existsSync(f)) return got.set(i, undefined);
      const lines = readFileSync(f, 'utf8').split('\n').slice(0, -1);
      got.set(
        i,
        lines.map((h) => Buffer.from(h, 'hex').toString('utf8')),
      );
    });
  }, 60_000);

  afterAll(async () => {
    await lab?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  ARGV_CASES.forEach((c, i) => {
    it(`${c.rest}`, () => {
      if (c.error) {
        expect(got.get(i)).toBeUndefined();
        expect(() => parseScriptDirective(c.rest.replace('P', '/x'))).toThrow(expect.objectContaining({ code: c.error }));
        return;
      }
      const mine = parseScriptDirective(c.rest.replace('P', `${dir}/r${i}.sh`));
      expect(got.get(i)).toEqual(mine.argv.slice(1));
      expect(got.get(i)).toEqual(c.args);
    });
  });
});
