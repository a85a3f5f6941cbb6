/**
 * Where cloud credentials come from, in this order:
 *
 *  0. credentials written in the cloud_provider block itself (access_key/secret_key,
 *     user/password, application_credential_id/_secret): allowed, but discouraged;
 *  1. the provider's credentials_file: it must be a regular file with mode 0600 (or
 *     stricter: no group/other bits) owned by the current user or root, else it is
 *     refused with a reason naming its mode/owner. Format: `key = value` lines (`#`
 *     comments, optional quotes, optional `export`) or one JSON object; keys below.
 *  2. the environment: HUAWEICLOUD_SDK_AK / _SK / _SECURITY_TOKEN (Huawei Cloud);
 *     OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_ID / OS_PROJECT_NAME,
 *     OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME, OS_APPLICATION_CREDENTIAL_ID / _SECRET,
 *     OS_REGION_NAME, OS_INTERFACE (OpenStack).
 *  3. Huawei Cloud only: the ECS metadata security key (temporary AK/SK + security
 *     token of the server's agency), refreshed before its expires_at.
 *
 * Secrets are held in Secret so they never serialise or log.
 */
import { open } from 'node:fs/promises';
import { CloudError } from './errors.js';
import { Secret } from './secret.js';
import type { MetadataClient } from './huaweicloud/metadata.js';

export type CredentialSource = 'config' | 'file' | 'env' | 'metadata';

export interface AkSkCredentials {
  kind: 'aksk';
  source: CredentialSource;
  ak: Secret;
  sk: Secret;
  securityToken?: Secret;
  projectId?: string;
  /** Epoch ms; only temporary credentials expire. */
  expiresAt?: number;
}

export interface KeystoneCredentials {
  kind: 'keystone';
  source: CredentialSource;
  authUrl?: string;
  username?: string;
  userId?: string;
  password?: Secret;
  userDomainName?: string;
  userDomainId?: string;
  projectId?: string;
  projectName?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: Secret;
  regionName?: string;
  interface?: string;
}

/** Canonical credential-file keys and the aliases accepted for each (case-insensitive). */
const KEY_ALIASES: Record<string, string[]> = {
  ak: ['access_key', 'access_key_id', 'huaweicloud_sdk_ak'],
  sk: ['secret_key', 'secret_access_key', 'huaweicloud_sdk_sk'],
  security_token: ['securitytoken', 'huaweicloud_sdk_security_token'],
  auth_url: ['os_auth_url'],
  username: ['os_username'],
  user_id: ['os_user_id'],
  password: ['os_password'],
  user_domain_name: ['os_user_domain_name'],
  user_domain_id: ['os_user_domain_id'],
  project_id: ['os_project_id', 'os_tenant_id', 'tenant_id', 'huaweicloud_sdk_project_id'],
  project_name: ['os_project_name', 'os_tenant_name', 'tenant_name'],
  project_domain_name: ['os_project_domain_name'],
  project_domain_id: ['os_project_domain_id'],
  application_credential_id: ['os_application_credential_id'],
  application_credential_name: ['os_application_credential_name'],
  application_credential_secret: ['os_application_credential_secret'],
  region_name: ['region', 'os_region_name'],
  interface: ['os_interface', 'endpoint_type', 'os_endpoint_type'],
};

const CANONICAL = new Map<string, string>();
for (const [key, aliases] of Object.entries(KEY_ALIASES)) {
  CANONICAL.set(key, key);
  for (const a of aliases) CANONICAL.set(a, key);
}

export type CredentialFields = Partial<Record<keyof typeof KEY_ALIASES, string>>;

function canonicalKey(raw: string, where: string): string {
  const key = CANONICAL.get(raw.trim().toLowerCase());
  if (!key) throw new CloudError('CREDENTIALS_FILE_INVALID', `${where}: unknown key "${raw.trim()}"`);
  return key;
}

/** Parse the credentials file's text (`key = value` lines or a JSON object). */
export function parseCredentialsText(text: string, name = 'credentials file'): CredentialFields {
  const out: Record<string, string> = {};
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (e) {
      // The JSON parser's message can quote the text; report the position only.
      const pos = /position (\d+)/.exec((e as Error).message)?.[1];
      throw new CloudError('CREDENTIALS_FILE_INVALID', `${name}: invalid JSON${pos ? ` at position ${pos}` : ''}`);
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new CloudError('CREDENTIALS_FILE_INVALID', `${name}: JSON must be an object`);
    }
    for (const [k, v] of Object.entries(obj)) {
      const key = canonicalKey(k, name);
      if (typeof v !== 'string') throw new CloudError('CREDENTIALS_FILE_INVALID', `${name}: "${k}" must be a string`);
      out[key] = v;
    }
    return out;
  }
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const l = line.trim();
    if (!l || l.startsWith('#') || l.startsWith(';')) return;
    const where = `${name} line ${i + 1}`;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(.*)$/.exec(l);
    if (!m) throw new CloudError('CREDENTIALS_FILE_INVALID', `${where}: expected "key = value"`);
    let value = m[2]!.trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) value = value.slice(1, -1);
    out[canonicalKey(m[1]!, where)] = value;
  });
  return out;
}

export interface FileCheckOptions {
  /** The uid the file must belong to (besides root); defaults to process.getuid(). */
  uid?: number;
}

/**
 * Read the credentials file after checking, on the open descriptor, that it is a regular
 * file with no group/other permission bits, owned by the current user or root.
 */
export async function readCredentialsFile(path: string, opts: FileCheckOptions = {}): Promise<CredentialFields> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new CloudError('CREDENTIALS_FILE_UNREADABLE', `credentials file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'cannot open'}`);
  }
  try {
    const st = await handle.stat();
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    if (!st.isFile()) throw new CloudError('CREDENTIALS_FILE_INVALID', `credentials file ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      throw new CloudError(
        'CREDENTIALS_FILE_MODE',
        `credentials file ${path} has mode ${mode}; it must be 0600 (no access for group or others): chmod 600 ${path}`,
      );
    }
    const uid = opts.uid ?? process.getuid?.() ?? 0;
    if (st.uid !== uid && st.uid !== 0) {
      throw new CloudError(
        'CREDENTIALS_FILE_OWNER',
        `credentials file ${path} (mode ${mode}) is owned by uid ${st.uid}; it must be owned by uid ${uid} or root`,
      );
    }
    return parseCredentialsText(await handle.readFile('utf8'), `credentials file ${path}`);
  } finally {
    await handle.close();
  }
}

function akskFrom(fields: CredentialFields, source: CredentialSource, where: string): AkSkCredentials | undefined {
  if (!fields.ak && !fields.sk) return undefined;
  if (!fields.ak || !fields.sk) {
    throw new CloudError('CREDENTIALS_INCOMPLETE', `${where}: both an AK and an SK are needed`);
  }
  return {
    kind: 'aksk',
    source,
    ak: new Secret(fields.ak),
    sk: new Secret(fields.sk),
    ...(fields.security_token ? { securityToken: new Secret(fields.security_token) } : {}),
    ...(fields.project_id ? { projectId: fields.project_id } : {}),
  };
}

function keystoneFrom(fields: CredentialFields, source: CredentialSource, where: string): KeystoneCredentials | undefined {
  const hasPassword = !!fields.password;
  const hasAppCred = !!fields.application_credential_secret;
  if (!hasPassword && !hasAppCred && !fields.auth_url) return undefined;
  if (!hasPassword && !hasAppCred) {
    throw new CloudError('CREDENTIALS_INCOMPLETE', `${where}: a password or an application credential secret is needed`);
  }
  if (hasAppCred && !fields.application_credential_id && !fields.application_credential_name) {
    throw new CloudError('CREDENTIALS_INCOMPLETE', `${where}: application_credential_secret without an id or name`);
  }
  if (hasPassword && !hasAppCred && !fields.username && !fields.user_id) {
    throw new CloudError('CREDENTIALS_INCOMPLETE', `${where}: a password without a username or user id`);
  }
  const c: KeystoneCredentials = { kind: 'keystone', source };
  if (fields.auth_url) c.authUrl = fields.auth_url;
  if (fields.username) c.username = fields.username;
  if (fields.user_id) c.userId = fields.user_id;
  if (fields.password) c.password = new Secret(fields.password);
  if (fields.user_domain_name) c.userDomainName = fields.user_domain_name;
  if (fields.user_domain_id) c.userDomainId = fields.user_domain_id;
  if (fields.project_id) c.projectId = fields.project_id;
  if (fields.project_name) c.projectName = fields.project_name;
  if (fields.project_domain_name) c.projectDomainName = fields.project_domain_name;
  if (fields.project_domain_id) c.projectDomainId = fields.project_domain_id;
  if (fields.application_credential_id) c.applicationCredentialId = fields.application_credential_id;
  if (fields.application_credential_name) c.applicationCredentialName = fields.application_credential_name;
  if (fields.application_credential_secret) c.applicationCredentialSecret = new Secret(fields.application_credential_secret);
  if (fields.region_name) c.regionName = fields.region_name;
  if (fields.interface) c.interface = fields.interface;
  return c;
}

/** Environment variables mapped onto credential-file keys. */
export function fieldsFromEnv(env: NodeJS.ProcessEnv): CredentialFields {
  const pick = (name: string): string | undefined => (env[name] ? env[name] : undefined);
  const f: Record<string, string | undefined> = {
    ak: pick('HUAWEICLOUD_SDK_AK'),
    sk: pick('HUAWEICLOUD_SDK_SK'),
    security_token: pick('HUAWEICLOUD_SDK_SECURITY_TOKEN'),
    auth_url: pick('OS_AUTH_URL'),
    username: pick('OS_USERNAME'),
    user_id: pick('OS_USER_ID'),
    password: pick('OS_PASSWORD'),
    user_domain_name: pick('OS_USER_DOMAIN_NAME'),
    user_domain_id: pick('OS_USER_DOMAIN_ID'),
    project_id: pick('OS_PROJECT_ID') ?? pick('HUAWEICLOUD_SDK_PROJECT_ID'),
    project_name: pick('OS_PROJECT_NAME'),
    project_domain_name: pick('OS_PROJECT_DOMAIN_NAME'),
    project_domain_id: pick('OS_PROJECT_DOMAIN_ID'),
    application_credential_id: pick('OS_APPLICATION_CREDENTIAL_ID'),
    application_credential_name: pick('OS_APPLICATION_CREDENTIAL_NAME'),
    application_credential_secret: pick('OS_APPLICATION_CREDENTIAL_SECRET'),
    region_name: pick('OS_REGION_NAME'),
    interface: pick('OS_INTERFACE'),
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as CredentialFields;
}

/** AK/SK from HUAWEICLOUD_SDK_*; undefined when not set. */
export function akskFromEnv(env: NodeJS.ProcessEnv): AkSkCredentials | undefined {
  return akskFrom(fieldsFromEnv(env), 'env', 'environment (HUAWEICLOUD_SDK_AK/SK)');
}

/** Keystone credentials from OS_*; undefined when not set. */
export function keystoneFromEnv(env: NodeJS.ProcessEnv): KeystoneCredentials | undefined {
  return keystoneFrom(fieldsFromEnv(env), 'env', 'environment (OS_*)');
}

/**
 * Read the environment once, keeping only credentials wrapped in Secret (or the error
 * they raise, reported when they are needed): no plain copy of the environment is kept.
 */
function snapshot<T>(read: () => T | undefined): () => T | undefined {
  try {
    const v = read();
    return () => v;
  } catch (err) {
    return () => {
      throw err;
    };
  }
}

export interface AkSkProviderOptions extends FileCheckOptions {
  /** From the cloud_provider block (access_key / secret_key), tried first. */
  inline?: { ak?: Secret; sk?: Secret; securityToken?: Secret; projectId?: string };
  file?: string;
  /** Read once at construction (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The ECS metadata client; without it the chain stops after the environment. */
  metadata?: MetadataClient;
  /** Refresh temporary credentials this long before expires_at (default 5 min). */
  refreshMarginMs?: number;
  now?: () => number;
}

/** The AK/SK chain for Huawei Cloud, caching, refreshing metadata keys before expiry. */
export class AkSkCredentialProvider {
  private cached: AkSkCredentials | undefined;
  private inflight: Promise<AkSkCredentials> | undefined;
  private lastFetch = -Infinity;
  private readonly margin: number;
  private readonly now: () => number;
  private readonly file: string | undefined;
  private readonly uid: number | undefined;
  private readonly metadata: MetadataClient | undefined;
  private readonly fromEnv: () => AkSkCredentials | undefined;
  private readonly inline: AkSkProviderOptions['inline'];

  constructor(opts: AkSkProviderOptions = {}) {
    this.inline = opts.inline;
    this.margin = opts.refreshMarginMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
    this.file = opts.file;
    this.uid = opts.uid;
    this.metadata = opts.metadata;
    const env = opts.env ?? process.env;
    this.fromEnv = snapshot(() => akskFromEnv(env));
  }

  /** Drop cached credentials (after a 401): the next get() resolves the chain again. */
  invalidate(): void {
    this.cached = undefined;
    this.lastFetch = -Infinity;
  }

  private fresh(c: AkSkCredentials): boolean {
    if (c.expiresAt === undefined) return true;
    const now = this.now();
    if (now < c.expiresAt - this.margin) return true;
    // Inside the margin: usable, but re-fetch at most every 30 s until the service rotates it.
    return now < c.expiresAt && now - this.lastFetch < 30_000;
  }

  /** The cached credentials when they need no refresh (no I/O), else undefined. */
  peek(): AkSkCredentials | undefined {
    return this.cached && this.fresh(this.cached) ? this.cached : undefined;
  }

  async get(signal?: AbortSignal): Promise<AkSkCredentials> {
    if (this.cached && this.fresh(this.cached)) return this.cached;
    const previous = this.cached;
    if (!this.inflight) {
      this.inflight = this.resolve(signal).finally(() => {
        this.inflight = undefined;
      });
    }
    try {
      this.cached = await this.inflight;
      return this.cached;
    } catch (err) {
      // A failed refresh keeps using temporary credentials that have not yet expired.
      if (previous?.expiresAt !== undefined && this.now() < previous.expiresAt) return previous;
      throw err;
    }
  }

  private async resolve(signal?: AbortSignal): Promise<AkSkCredentials> {
    const inline = this.inline;
    if (inline && (inline.ak || inline.sk)) {
      if (!inline.ak || !inline.sk) throw new CloudError('CREDENTIALS_INCOMPLETE', 'cloud_provider: both access_key and secret_key are needed');
      return {
        kind: 'aksk',
        source: 'config',
        ak: inline.ak,
        sk: inline.sk,
        ...(inline.securityToken ? { securityToken: inline.securityToken } : {}),
        ...(inline.projectId ? { projectId: inline.projectId } : {}),
      };
    }
    if (this.file) {
      const fields = await readCredentialsFile(this.file, this.uid === undefined ? {} : { uid: this.uid });
      const c = akskFrom(fields, 'file', `credentials file ${this.file}`);
      if (!c) throw new CloudError('CREDENTIALS_INCOMPLETE', `credentials file ${this.file} has no ak/sk`);
      return c;
    }
    const fromEnv = this.fromEnv();
    if (fromEnv) return fromEnv;
    if (this.metadata) {
      this.lastFetch = this.now();
      const key = await this.metadata.securityKey(signal);
      return {
        kind: 'aksk',
        source: 'metadata',
        ak: new Secret(key.access),
        sk: key.secret,
        securityToken: key.securityToken,
        expiresAt: key.expiresAt,
      };
    }
    throw new CloudError(
      'CREDENTIALS_MISSING',
      'no Huawei Cloud credentials: set credentials_file, HUAWEICLOUD_SDK_AK/SK, or attach an agency to the ECS',
    );
  }
}

export interface KeystoneProviderOptions extends FileCheckOptions {
  /** From the cloud_provider block; used when it holds a password or an application credential secret. */
  inline?: KeystoneCredentials;
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/** Keystone credentials for OpenStack: the file, else the OS_* environment. */
export async function loadKeystoneCredentials(opts: KeystoneProviderOptions = {}): Promise<KeystoneCredentials> {
  return keystoneChain(opts)();
}

/**
 * The same chain, reading the environment now and the file when called; the returned
 * function holds no plain copy of the environment.
 */
export function keystoneChain(opts: KeystoneProviderOptions = {}): () => Promise<KeystoneCredentials> {
  const fromEnv = snapshot(() => keystoneFromEnv(opts.env ?? process.env));
  const file = opts.file;
  const uid = opts.uid;
  const inline = opts.inline;
  return async () => {
    if (inline && (inline.password || inline.applicationCredentialSecret)) {
      if (inline.password && !inline.username && !inline.userId && !inline.applicationCredentialSecret) {
        throw new CloudError('CREDENTIALS_INCOMPLETE', 'cloud_provider: password without user');
      }
      return inline;
    }
    if (file) {
      const c = keystoneFrom(await readCredentialsFile(file, uid === undefined ? {} : { uid }), 'file', `credentials file ${file}`);
      if (!c) throw new CloudError('CREDENTIALS_INCOMPLETE', `credentials file ${file} has no OpenStack credentials`);
      return c;
    }
    const c = fromEnv();
    if (c) return c;
    throw new CloudError(
      'CREDENTIALS_MISSING',
      'no OpenStack credentials: set credentials_file or OS_AUTH_URL with OS_USERNAME/OS_PASSWORD or OS_APPLICATION_CREDENTIAL_ID/SECRET',
    );
  };
}
