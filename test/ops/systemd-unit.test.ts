/**
 * systemd/keepvip.service checked by systemd itself. `systemd-analyze verify` needs the
 * ExecStart binary to exist, so the test verifies a temporary copy of the unit whose
 * ExecStart points to a stub executable (same arguments); everything else is verbatim.
 * verify exits 0 even for unknown keys or bad values (it only warns), so any output
 * about the unit fails the test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../helpers/netns.js';

const reason = skipReason('systemd-analyze');
const UNIT = join(import.meta.dirname, '..', '..', 'systemd', 'keepvip.service');
const unitText = readFileSync(UNIT, 'utf8');

/** `Key=value` lines of the unit (comments and sections dropped). */
function directives(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const d = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (d) m.set(d[1]!, [...(m.get(d[1]!) ?? []), d[2]!]);
  }
  return m;
}

describe('systemd/keepvip.service content', () => {
  const d = directives(unitText);
  it('is a notify service running keepvip in the foreground on the keepalived config', () => {
    expect(d.get('Type')).toEqual(['notify']);
    expect(d.get('ExecStart')).toEqual(['/usr/bin/keepvip -n -f /etc/keepalived/keepalived.conf $KEEPVIP_OPTIONS']);
    expect(d.get('EnvironmentFile')).toEqual(['-/etc/default/keepvip']);
    expect(d.get('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    expect(d.get('Restart')).toEqual(['on-failure']);
    expect(d.get('WatchdogSec')?.length).toBe(1);
    expect(d.get('RuntimeDirectory')).toEqual(['keepvip']);
  });

  it('keeps only the capabilities the job needs', () => {
    const caps = d.get('CapabilityBoundingSet')![0]!.split(/\s+/).sort();
    expect(caps).toEqual(['CAP_KILL', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID']);
    expect(d.get('ProtectSystem')).toEqual(['strict']);
    expect(d.get('ReadWritePaths')).toEqual(['/tmp', '/proc/sys/net']);
  });
});

describe.skipIf(!!reason)('systemd-analyze on systemd/keepvip.service', () => {
  let dir: string;
  let unit: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kvunit-'));
    const stub = join(dir, 'keepvip');
    writeFileSync(stub, '#!/bin/sh\nexit 0\n');
    chmodSync(stub, 0o755);
    const copy = unitText.replace(/^ExecStart=\/usr\/bin\/keepvip /m, `ExecStart=${stub} `);
    expect(copy).not.toBe(unitText);
    unit = join(dir, 'keepvip.service');
    writeFileSync(unit, copy);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies with no error and no warning', () => {
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    const about = `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => l.includes('keepvip'))
      .join('\n');
    expect(about).toBe('');
    expect(r.status).toBe(0);
  });

  it('rejects a broken copy (the check can fail)', () => {
    const bad = join(dir, 'broken.service');
    writeFileSync(bad, readFileSync(unit, 'utf8').replace('Type=notify', 'Type=notifyy'));
    const r = spawnSync('systemd-analyze', ['verify', bad], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/broken\.service:\d+: Failed to parse service type/);
  });

  it('has an exposure level of OK or better in systemd-analyze security', () => {
    const out = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unit], { encoding: 'utf8' });
    const m = /Overall exposure level for keepvip\.service: (\d+\.\d+)/.exec(out);
    expect(m, out.slice(-500)).not.toBeNull();
    // 0 (safest) .. 10 (unsafe); "OK" is below 5. A root network daemon measured 3.3.
    expect(Number(m![1])).toBeLessThan(4.5);
  });
});
