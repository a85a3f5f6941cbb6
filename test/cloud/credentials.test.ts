import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AkSkCredentialProvider,
  loadKeystoneCredentials,
  parseCredentialsText,
  readCredentialsFile,
} from '../../src/cloud/credentials.js';
import { MetadataClient } from '../../src/cloud/huaweicloud/metadata.js';
import type { CloudSim } from '../../src/cloud/sim/server.js';
import { AK, Capture, guardSecrets, OS_PASSWORD, SK, SRV_A, startSim, world } from './helpers.js';

const capture = new Capture();
const sims: CloudSim[] = [];
const objects: unknown[] = [];
guardSecrets(capture, () => sims, () => objects);

const dir = mkdtempSync(join(tmpdir(), 'keepvip-cred-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(sims.map((s) => s.close()));
});

let n = 0;
function file(text: string, mode = 0o600): string {
  const p = join(dir, `cred-${n++}`);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

async function failure(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  capture.add(err);
  expect(err, 'expected a failure').toBeDefined();
  return err as { code: string; message: string };
}

describe('credentials file format', () => {
  it('reads key = value lines with comments, quotes, export and aliases', () => {
    const f = parseCredentialsText(
      ['# Huawei Cloud', `ak = ${AK}`, `export HUAWEICLOUD_SDK_SK="${SK}"`, '', "; comment", "project_id: '0a1b'", 'OS_REGION_NAME=sim'].join('\n'),
    );
    expect(f).toEqual({ ak: AK, sk: SK, project_id: '0a1b', region_name: 'sim' });
  });

  it('reads a JSON object', () => {
    expect(parseCredentialsText(JSON.stringify({ access_key: AK, secret_key: SK, security_token: 'x' }))).toEqual({
      ak: AK,
      sk: SK,
      security_token: 'x',
    });
  });

  it('names the line of an unknown key, without echoing values', () => {
    expect(() => parseCredentialsText(`ak = ${AK}\nsecrte_key = ${SK}`)).toThrow(/line 2: unknown key "secrte_key"/);
    try {
      parseCredentialsText(`{"ak": "${AK}", "sk": ${SK}}`);
      expect.unreachable();
    } catch (e) {
      capture.add(e);
      expect((e as Error).message).toMatch(/invalid JSON/);
      expect((e as Error).message).not.toContain(SK);
    }
  });
});

describe('credentials file permissions', () => {
  it('refuses group/other access, naming the mode', async () => {
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      const err = await failure(readCredentialsFile(file(`ak=${AK}\nsk=${SK}`, mode)));
      expect(err.code).toBe('CREDENTIALS_FILE_MODE');
      expect(err.message).toContain(`mode 0${mode.toString(8)}`);
      expect(err.message).toContain('0600');
      expect(err.message).not.toContain(SK);
    }
  });

  it('accepts 0600 and 0400', async () => {
    expect(await readCredentialsFile(file(`ak=${AK}\nsk=${SK}`, 0o600))).toMatchObject({ ak: AK });
    expect(await readCredentialsFile(file(`ak=${AK}\nsk=${SK}`, 0o400))).toMatchObject({ ak: AK });
  });

  it("refuses a file owned by another user, accepts root's", async () => {
    const me = process.getuid!();
    const p = file(`ak=${AK}\nsk=${SK}`);
    if (me === 0) {
      // As root: the file is root's (accepted for any uid), then given to nobody (refused).
      expect(await readCredentialsFile(p, { uid: 1000 })).toMatchObject({ ak: AK });
      chownSync(p, 65534, 65534);
      const err = await failure(readCredentialsFile(p));
      expect(err.code).toBe('CREDENTIALS_FILE_OWNER');
      expect(err.message).toMatch(/owned by uid 65534.*uid 0 or root/);
      expect(err.message).toContain('mode 0600');
    } else {
      const err = await failure(readCredentialsFile(p, { uid: me + 1 }));
      expect(err.code).toBe('CREDENTIALS_FILE_OWNER');
      expect(err.message).toContain(`owned by uid ${me}`);
    }
  });

  it('refuses a directory and reports a missing file', async () => {
    const d = join(dir, 'a-dir');
    mkdirSync(d, { mode: 0o700 });
    expect((await failure(readCredentialsFile(d))).code).toMatch(/CREDENTIALS_FILE_(INVALID|UNREADABLE)/);
    expect((await failure(readCredentialsFile(join(dir, 'missing')))).code).toBe('CREDENTIALS_FILE_UNREADABLE');
  });
});

describe('credential order', () => {
  const env = { HUAWEICLOUD_SDK_AK: 'ENVAKENVAKENVAK00000', HUAWEICLOUD_SDK_SK: 'env-sk-value-0001' };

  it('file first, then environment', async () => {
    const fromFile = new AkSkCredentialProvider({ file: file(`ak=${AK}\nsk=${SK}`), env });
    const c = await fromFile.get();
    expect(c.source).toBe('file');
    expect(c.ak.reveal()).toBe(AK);
    const fromEnv = new AkSkCredentialProvider({ env });
    expect((await fromEnv.get()).source).toBe('env');
    objects.push(fromFile, fromEnv, c);
  });

  it('a bad file is an error, not a silent fall-through to the environment', async () => {
    const p = new AkSkCredentialProvider({ file: file(`ak=${AK}\nsk=${SK}`, 0o644), env });
    expect((await failure(p.get())).code).toBe('CREDENTIALS_FILE_MODE');
  });

  it('incomplete and missing credentials are reported', async () => {
    expect((await failure(new AkSkCredentialProvider({ env: { HUAWEICLOUD_SDK_AK: AK } }).get())).code).toBe('CREDENTIALS_INCOMPLETE');
    expect((await failure(new AkSkCredentialProvider({ env: {} }).get())).code).toBe('CREDENTIALS_MISSING');
    expect((await failure(loadKeystoneCredentials({ env: {} }))).code).toBe('CREDENTIALS_MISSING');
    expect((await failure(loadKeystoneCredentials({ env: { OS_AUTH_URL: 'http://k', OS_PASSWORD } }))).code).toBe('CREDENTIALS_INCOMPLETE');
  });

  it('OpenStack variables map onto Keystone credentials', async () => {
    const c = await loadKeystoneCredentials({
      env: {
        OS_AUTH_URL: 'http://127.0.0.1:5000/v3',
        OS_USERNAME: 'u',
        OS_PASSWORD,
        OS_PROJECT_NAME: 'p',
        OS_USER_DOMAIN_NAME: 'ud',
        OS_PROJECT_DOMAIN_NAME: 'pd',
        OS_REGION_NAME: 'r1',
        OS_INTERFACE: 'internal',
      },
    });
    expect(c).toMatchObject({ source: 'env', authUrl: 'http://127.0.0.1:5000/v3', username: 'u', projectName: 'p', userDomainName: 'ud', projectDomainName: 'pd', regionName: 'r1', interface: 'internal' });
    expect(c.password!.reveal()).toBe(OS_PASSWORD);
    objects.push(c);
  });

  it('secrets never serialise or inspect', async () => {
    const c = await new AkSkCredentialProvider({ env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK, HUAWEICLOUD_SDK_SECURITY_TOKEN: 'tok-secret-123456' } }).get();
    const shown = [JSON.stringify(c), inspect(c, { depth: 5 }), `${c.sk}`, String(c.ak)].join(' ');
    expect(shown).not.toContain(SK);
    expect(shown).not.toContain(AK);
    expect(shown).not.toContain('tok-secret-123456');
    expect(shown).toContain('***');
    expect(c.securityToken!.reveal()).toBe('tok-secret-123456');
  });
});

describe('ECS metadata security key', () => {
  it('is the last resort, cached, and refreshed before expires_at', async () => {
    let now = Date.now();
    const sim = await startSim(world(), { now: () => now });
    sims.push(sim);
    const metadata = new MetadataClient({ baseUrl: `${sim.url}/_instance/${SRV_A}`, now: () => now, events: capture.sink });
    const p = new AkSkCredentialProvider({ env: {}, metadata, now: () => now });
    objects.push(p, metadata);
    const k1 = await p.get();
    expect(k1.source).toBe('metadata');
    expect(k1.securityToken).toBeDefined();
    expect(k1.expiresAt! - now).toBeGreaterThan(59 * 60_000);
    now += 50 * 60_000; // 10 minutes left: outside the 5-minute refresh margin
    expect(await p.get()).toBe(k1);
    now += 6 * 60_000; // 4 minutes left: refresh; the service has rotated the key by now
    const k2 = await p.get();
    expect(k2.ak.reveal()).not.toBe(k1.ak.reveal());
    expect(k2.expiresAt!).toBeGreaterThan(k1.expiresAt!);
    expect(sim.log.all().filter((e) => e.path === '/openstack/latest/securitykey' && e.status === 200)).toHaveLength(2);
  });

  it('keeps a still-valid key when a refresh fails', async () => {
    let now = Date.now();
    const sim = await startSim(world(), { now: () => now });
    sims.push(sim);
    const metadata = new MetadataClient({ baseUrl: `${sim.url}/_instance/${SRV_A}`, now: () => now, events: capture.sink });
    const p = new AkSkCredentialProvider({ env: {}, metadata, now: () => now });
    const k1 = await p.get();
    sim.setFaults([{ api: 'metadata', errorRate: 1, errorStatus: 503 }]);
    now += 57 * 60_000;
    expect(await p.get()).toBe(k1);
    now += 4 * 60_000; // expired: the failure surfaces
    expect((await failure(p.get())).code).toBe('HTTP_503');
  });
});
