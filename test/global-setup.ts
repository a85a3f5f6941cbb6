/**
 * Run-wide secret scan. Setup creates a directory (exported to the test workers through
 * KEEPVIP_TEST_RUN_DIR); test/helpers/vrrp-lab.ts recordDaemonOutput() writes into it
 * every keepvip daemon's configuration, the credentials files it names, and its output,
 * and recordDaemonText() what the daemons showed through status, metrics, dumps and the CLI.
 * Teardown extracts every secret from those records (auth_pass; cloud_provider password,
 * secret_key, access_key, application_credential_secret; the secret keys of credentials
 * files, `key = value` or JSON) and fails the run when any daemon output contains one,
 * naming the output file and the secret's kind and origin, never its value.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_DIR_ENV } from './helpers/vrrp-lab.js';

/** Configuration keywords whose value is a secret. */
const CONFIG_SECRET_KEYWORDS = ['auth_pass', 'password', 'secret_key', 'access_key', 'application_credential_secret'];

/** Credentials-file keys (and aliases, as src/cloud/credentials.ts accepts them) holding secrets. */
const FILE_SECRET_KEYS = new Set([
  'ak', 'access_key', 'access_key_id', 'huaweicloud_sdk_ak',
  'sk', 'secret_key', 'secret_access_key', 'huaweicloud_sdk_sk',
  'security_token', 'securitytoken', 'huaweicloud_sdk_security_token',
  'password', 'os_password',
  'application_credential_secret', 'os_application_credential_secret',
]);

/**
 * Shorter values are not scanned: a two-letter test password would match ordinary log
 * text. Every secret the suites use on purpose is longer.
 */
const MIN_SECRET_LENGTH = 4;

export interface Secret {
  value: string;
  /** What it is and where it came from (safe to print). */
  label: string;
}

const unquote = (v: string) => (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0]!) ? v.slice(1, -1) : v);

/** Secrets written in a keepalived.conf text. */
export function configSecrets(config: string, origin: string): Secret[] {
  const out: Secret[] = [];
  config.split('\n').forEach((raw, i) => {
    const m = /^\s*([A-Za-z_]+)\s+(\S.*?)\s*$/.exec(raw);
    if (!m || !CONFIG_SECRET_KEYWORDS.includes(m[1]!)) return;
    const value = unquote(m[2]!.split(/\s+[#!]/)[0]!.trim());
    const label = `${m[1]} (${origin} line ${i + 1})`;
    out.push({ value, label });
    // keepvip uses the first 8 bytes of a longer PASS password (RFC 3768 §5.3.11).
    if (m[1] === 'auth_pass' && Buffer.byteLength(value) > 8) out.push({ value: Buffer.from(value).subarray(0, 8).toString(), label: `${label}, first 8 bytes` });
  });
  return out;
}

/** Secrets in a credentials file's text: `key = value` lines or a JSON object. */
export function credentialSecrets(text: string, origin: string): Secret[] {
  const out: Secret[] = [];
  const add = (key: string, value: unknown) => {
    if (typeof value === 'string' && FILE_SECRET_KEYS.has(key.trim().toLowerCase())) out.push({ value, label: `${key.trim()} (${origin})` });
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      for (const [k, v] of Object.entries(JSON.parse(trimmed) as Record<string, unknown>)) add(k, v);
    } catch {
      /* not JSON after all: no values to know */
    }
    return out;
  }
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (m) add(m[1]!, unquote(m[2]!));
  }
  return out;
}

interface Record_ {
  name: string;
  config: string;
  credentials: Record<string, string>;
}

/** Every recorded output file of a run directory checked for every recorded secret: the leaks found. */
export function scanRunDir(dir: string, counts = { outputs: 0, secrets: 0 }): string[] {
  const files = readdirSync(dir);
  const secrets = new Map<string, string>();
  for (const f of files.filter((x) => x.endsWith('.record.json'))) {
    const rec = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record_;
    const origin = `${rec.name}'s configuration, ${f.replace(/\.record\.json$/, '')}`;
    const found = configSecrets(rec.config, origin);
    for (const [path, text] of Object.entries(rec.credentials)) found.push(...credentialSecrets(text, `credentials file ${path}`));
    for (const s of found) if (s.value.length >= MIN_SECRET_LENGTH && !secrets.has(s.value)) secrets.set(s.value, s.label);
  }
  const leaks: string[] = [];
  const outputs = files.filter((x) => x.endsWith('.log'));
  counts.outputs = outputs.length;
  counts.secrets = secrets.size;
  for (const f of outputs) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const [value, label] of secrets) if (text.includes(value)) leaks.push(`${f}: contains ${label}`);
  }
  return leaks;
}

let runDir: string | undefined;

export function setup(): void {
  runDir = mkdtempSync('/var/tmp/keepvip-test-run-');
  chmodSync(runDir, 0o700);
  process.env[RUN_DIR_ENV] = runDir;
}

export function teardown(): void {
  const dir = runDir;
  runDir = undefined;
  delete process.env[RUN_DIR_ENV];
  if (!dir || !existsSync(dir)) return;
  let leaks: string[];
  const scanned = { outputs: 0, secrets: 0 };
  try {
    leaks = scanRunDir(dir, scanned);
  } finally {
    // The records hold the secrets themselves: never leave them behind.
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`[secret-scan] ${scanned.outputs} daemon output file(s), ${scanned.secrets} secret(s): ${leaks.length} leak(s)`);
  if (leaks.length > 0) {
    const message = `secret scan: ${leaks.length} secret(s) found in daemon output:\n  ${leaks.join('\n  ')}`;
    console.error(message);
    // vitest logs a teardown error without failing the run: set the exit code as well.
    process.exitCode = 1;
    throw new Error(message);
  }
}
