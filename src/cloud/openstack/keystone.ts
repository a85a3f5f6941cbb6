/**
 * Keystone v3 authentication (password or application credential):
 *   POST {auth_url}/v3/auth/tokens -> 201, token in X-Subject-Token, body token.expires_at
 *   and token.catalog (the network endpoint chosen by interface and region).
 * The token is cached and renewed before it expires (margin: 5 min, or half the lifetime
 * for short-lived tokens); invalidate() forces a new one after a 401.
 */
import { CloudApiError, CloudError } from '../errors.js';
import { DEFAULT_TIMEOUT_MS, httpJson, type HttpOptions } from '../http.js';
import type { CloudEventSink } from '../events.js';
import type { KeystoneCredentials } from '../credentials.js';
import { Secret } from '../secret.js';

export interface CatalogEndpoint {
  id?: string;
  interface: string;
  region_id?: string;
  region?: string;
  url: string;
}

export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

export interface KeystoneToken {
  value: Secret;
  /** Epoch ms. */
  expiresAt: number;
  projectId?: string;
  catalog: CatalogEntry[];
}

export interface KeystoneClientOptions {
  credentials: KeystoneCredentials;
  /** Overrides the credentials' auth URL. */
  authUrl?: string;
  interface?: string;
  region?: string;
  timeoutMs?: number;
  renewMarginMs?: number;
  /** Wall clock (epoch ms), injectable for tests. */
  now?: () => number;
  events?: CloudEventSink;
}

/** `https://k:5000`, `https://k:5000/`, `https://k:5000/v3/` all become `https://k:5000/v3`. */
export function v3Url(authUrl: string): string {
  const u = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(u) ? u : `${u}/v3`;
}

export function authBody(c: KeystoneCredentials): unknown {
  if (c.applicationCredentialSecret) {
    const ac: Record<string, unknown> = { secret: c.applicationCredentialSecret.reveal() };
    if (c.applicationCredentialId) ac.id = c.applicationCredentialId;
    else {
      ac.name = c.applicationCredentialName;
      ac.user = userRef(c);
    }
    // An application credential carries its own scope: no scope block is allowed.
    return { auth: { identity: { methods: ['application_credential'], application_credential: ac } } };
  }
  const user = { ...userRef(c), password: c.password?.reveal() };
  const auth: Record<string, unknown> = { identity: { methods: ['password'], password: { user } } };
  if (c.projectId) auth.scope = { project: { id: c.projectId } };
  else if (c.projectName) {
    const domain = c.projectDomainId ? { id: c.projectDomainId } : { name: c.projectDomainName ?? c.userDomainName ?? 'Default' };
    auth.scope = { project: { name: c.projectName, domain } };
  }
  return { auth };
}

function userRef(c: KeystoneCredentials): Record<string, unknown> {
  if (c.userId) return { id: c.userId };
  const domain = c.userDomainId ? { id: c.userDomainId } : { name: c.userDomainName ?? 'Default' };
  return { name: c.username, domain };
}

export class KeystoneClient {
  private cached: KeystoneToken | undefined;
  private inflight: Promise<KeystoneToken> | undefined;
  private readonly http: HttpOptions;
  private readonly now: () => number;
  readonly authUrl: string;
  /** Number of tokens issued to this client (for status and tests). */
  issued = 0;

  constructor(private readonly opts: KeystoneClientOptions) {
    const url = opts.authUrl ?? opts.credentials.authUrl;
    if (!url) throw new CloudError('CONFIG_INVALID', 'OpenStack: no auth_url (config, credentials file or OS_AUTH_URL)');
    this.authUrl = v3Url(url);
    this.http = { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, events: opts.events };
    this.now = opts.now ?? Date.now;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private valid(t: KeystoneToken, issuedAt: number): boolean {
    const lifetime = t.expiresAt - issuedAt;
    const margin = Math.min(this.opts.renewMarginMs ?? 5 * 60_000, lifetime / 2);
    return this.now() < t.expiresAt - margin;
  }

  private issuedAt = 0;

  async token(signal?: AbortSignal): Promise<KeystoneToken> {
    if (this.cached && this.valid(this.cached, this.issuedAt)) return this.cached;
    if (!this.inflight) {
      this.inflight = this.authenticate(signal).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async authenticate(signal?: AbortSignal): Promise<KeystoneToken> {
    const issuedAt = this.now();
    const { body, res } = await httpJson<{ token?: { expires_at?: string; catalog?: CatalogEntry[]; project?: { id?: string } } }>(
      {
        api: 'keystone',
        method: 'POST',
        url: `${this.authUrl}/auth/tokens`,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(authBody(this.opts.credentials)),
        signal,
      },
      this.http,
    );
    const subject = res.headers.get('x-subject-token');
    const expiresAt = body?.token?.expires_at ? Date.parse(body.token.expires_at) : NaN;
    if (!subject || Number.isNaN(expiresAt)) {
      throw new CloudApiError({
        code: 'BAD_RESPONSE',
        status: res.status,
        message: 'Keystone answered without X-Subject-Token or token.expires_at',
        requestId: res.requestId,
        format: 'local',
      });
    }
    const token: KeystoneToken = {
      value: new Secret(subject),
      expiresAt,
      catalog: body?.token?.catalog ?? [],
      ...(body?.token?.project?.id ? { projectId: body.token.project.id } : {}),
    };
    this.cached = token;
    this.issuedAt = issuedAt;
    this.issued++;
    return token;
  }

  /** The catalog URL of a service type for the configured interface and region. */
  async endpoint(type: string, signal?: AbortSignal): Promise<string> {
    const t = await this.token(signal);
    return selectEndpoint(t.catalog, type, this.opts.interface ?? this.opts.credentials.interface ?? 'public', this.opts.region ?? this.opts.credentials.regionName);
  }
}

export function selectEndpoint(catalog: CatalogEntry[], type: string, iface: string, region?: string): string {
  const wantIface = iface.replace(/URL$/, ''); // publicURL/internalURL spellings
  const all = catalog.filter((e) => e.type === type).flatMap((e) => e.endpoints ?? []);
  const match = all.filter((ep) => ep.interface === wantIface && (!region || ep.region_id === region || ep.region === region));
  if (match.length > 0) return match[0]!.url;
  const seen = all.map((ep) => `${ep.interface}@${ep.region_id ?? ep.region ?? '?'}`).join(', ') || 'none';
  throw new CloudError(
    'ENDPOINT_NOT_FOUND',
    `no ${type} endpoint with interface ${wantIface}${region ? ` in region ${region}` : ''} in the Keystone catalog (available: ${seen})`,
  );
}
