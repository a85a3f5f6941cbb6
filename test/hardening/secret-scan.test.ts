/**
 * The run-wide secret scan (test/global-setup.ts) itself: it must find a configured secret
 * in any recorded output (daemon logs, status, metrics, dumps, CLI output) and name where
 * it came from without printing it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSecrets, credentialSecrets, scanRunDir } from '../global-setup.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function runDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'keepvip-scan-'));
  dirs.push(d);
  writeFileSync(
    join(d, '1-0-a.record.json'),
    JSON.stringify({
      name: 'a',
      config: 'vrrp_instance VI_1 {\n  authentication {\n    auth_type PASS\n    auth_pass "LongPassWord9"\n  }\n}\n',
      credentials: { '/etc/keepvip/creds': 'ak = AKIDEXAMPLE0001\nsk = SkSecretValue0002\nregion = r1\n' },
    }),
  );
  return d;
}

describe('run-wide secret scan', () => {
  it('extracts secrets from configs and credentials files (and the 8 bytes VRRPv2 sends)', () => {
    const c = configSecrets('  auth_pass "LongPassWord9"  # comment\n', 'x');
    expect(c.map((s) => s.value)).toEqual(['LongPassWord9', 'LongPass']);
    expect(credentialSecrets('{"access":"A1","secret":"S1","sk":"S2"}', 'f').map((s) => s.value)).toEqual(['S2']);
    expect(credentialSecrets('export HUAWEICLOUD_SDK_SK=abc\nregion=x\n', 'f').map((s) => s.value)).toEqual(['abc']);
  });

  it('finds a secret in any recorded output and names it without its value', () => {
    const d = runDir();
    writeFileSync(join(d, '1-1-status.log'), '{"instances":[{"name":"VI_1","auth":"LongPass"}]}');
    writeFileSync(join(d, '1-2-metrics.log'), 'keepvip_state{instance="VI_1"} 2\n');
    writeFileSync(join(d, '1-3-a.stdout.log'), '{"msg":"signed with SkSecretValue0002"}\n');
    const counts = { outputs: 0, secrets: 0 };
    const leaks = scanRunDir(d, counts);
    expect(counts).toEqual({ outputs: 3, secrets: 4 });
    expect(leaks).toHaveLength(2);
    expect(leaks.join('\n')).toMatch(/1-1-status\.log: contains auth_pass .*first 8 bytes/);
    expect(leaks.join('\n')).toMatch(/1-3-a\.stdout\.log: contains sk \(credentials file \/etc\/keepvip\/creds\)/);
    for (const l of leaks) {
      expect(l).not.toContain('LongPass');
      expect(l).not.toContain('SkSecretValue0002');
    }
  });

  it('finds nothing in clean output', () => {
    const d = runDir();
    writeFileSync(join(d, '1-1-a.stdout.log'), '{"msg":"configuration loaded","auth":"[REDACTED]"}\n');
    expect(scanRunDir(d)).toEqual([]);
  });
});
