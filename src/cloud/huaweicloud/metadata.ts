/**
 * ECS metadata service client (OpenStack-compatible paths, http://169.254.169.254):
 * meta_data.json (server id, project id), network_data.json (links: vif_id = port id,
 * MAC), and securitykey (temporary AK/SK from the ECS agency).
 *
 * Session tokens: when the service offers them, `PUT /meta-data/latest/api/token` with
 * `X-Metadata-Token-Ttl-Seconds` returns a token sent back as `X-Metadata-Token`. A 404 or
 * 405 on the PUT means tokens are not in use: the client remembers that and sends plain
 * GETs. A 401 on a GET drops the cached token and retries once with a fresh one.
 */
import { CloudApiError, CloudError, parseCloudError } from '../errors.js';
import { DEFAULT_TIMEOUT_MS, httpExchange, joinUrl, type HttpOptions } from '../http.js';
import type { CloudEventSink } from '../events.js';
import { Secret } from '../secret.js';

export const DEFAULT_METADATA_URL = 'http://169.254.169.254';
export const TOKEN_TTL_SECONDS = 21600;

export interface MetaData {
  uuid: string;
  project_id?: string;
  availability_zone?: string;
  name?: string;
  hostname?: string;
  meta?: Record<string, string>;
}

export interface NetworkLink {
  id?: string;
  vif_id?: string;
  ethernet_mac_address?: string;
  mtu?: number;
  type?: string;
}

export interface NetworkData {
  links: NetworkLink[];
}

export interface SecurityKey {
  access: string;
  secret: Secret;
  securityToken: Secret;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface MetadataClientOptions {
  baseUrl?: string;
  timeoutMs?: number;
  /** Token lifetime requested from the service, seconds. */
  tokenTtlSeconds?: number;
  /** Wall clock (epoch ms), injectable for tests. */
  now?: () => number;
  events?: CloudEventSink;
}

export class MetadataClient {
  readonly baseUrl: string;
  private readonly http: HttpOptions;
  private readonly ttl: number;
  private readonly now: () => number;
  /** undefined: not yet known; false: the service does not use tokens. */
  private tokensSupported: boolean | undefined;
  private token: { value: Secret; expiresAt: number } | undefined;

  constructor(opts: MetadataClientOptions = {}) {
    this.baseUrl = opts.baseUrl ?? DEFAULT_METADATA_URL;
    this.http = { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, events: opts.events };
    this.ttl = opts.tokenTtlSeconds ?? TOKEN_TTL_SECONDS;
    this.now = opts.now ?? Date.now;
  }

  /** Whether the last token negotiation found session tokens in use (undefined: not tried). */
  get usesTokens(): boolean | undefined {
    return this.tokensSupported;
  }

  private async sessionToken(signal?: AbortSignal): Promise<Secret | undefined> {
    if (this.tokensSupported === false) return undefined;
    if (this.token && this.now() < this.token.expiresAt) return this.token.value;
    const res = await httpExchange(
      {
        api: 'metadata',
        method: 'PUT',
        url: joinUrl(this.baseUrl, '/meta-data/latest/api/token'),
        headers: { 'X-Metadata-Token-Ttl-Seconds': String(this.ttl) },
        signal,
      },
      this.http,
    );
    if (res.status === 404 || res.status === 405) {
      this.tokensSupported = false;
      return undefined;
    }
    if (res.status !== 200) throw parseCloudError(res.status, res.text, res.headers, 'PUT /meta-data/latest/api/token');
    this.tokensSupported = true;
    // Renew a minute early (half-life for short TTLs) so a token never expires in flight.
    const margin = Math.min(60_000, (this.ttl * 1000) / 2);
    this.token = { value: new Secret(res.text.trim()), expiresAt: this.now() + this.ttl * 1000 - margin };
    return this.token.value;
  }

  /** GET a metadata document, with the session token when the service uses them. */
  async get(path: string, signal?: AbortSignal): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.sessionToken(signal);
      const res = await httpExchange(
        {
          api: 'metadata',
          method: 'GET',
          url: joinUrl(this.baseUrl, path),
          headers: token ? { 'X-Metadata-Token': token.reveal() } : {},
          signal,
        },
        this.http,
      );
      if (res.status === 200) return res.text;
      if (res.status === 401 && attempt === 0 && this.tokensSupported !== false) {
        // Expired or revoked session token, or a service that started requiring them.
        this.token = undefined;
        this.tokensSupported = undefined;
        continue;
      }
      throw parseCloudError(res.status, res.text, res.headers, `GET ${path}`);
    }
  }

  private async getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    const text = await this.get(path, signal);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CloudApiError({ code: 'BAD_RESPONSE', status: 200, message: `GET ${path}: not JSON`, format: 'local' });
    }
  }

  async metaData(signal?: AbortSignal): Promise<MetaData> {
    const md = await this.getJson<MetaData>('/openstack/latest/meta_data.json', signal);
    if (!md || typeof md.uuid !== 'string') {
      throw new CloudApiError({ code: 'BAD_RESPONSE', status: 200, message: 'meta_data.json has no uuid', format: 'local' });
    }
    return md;
  }

  async networkData(signal?: AbortSignal): Promise<NetworkData> {
    const nd = await this.getJson<NetworkData>('/openstack/latest/network_data.json', signal);
    return { links: Array.isArray(nd?.links) ? nd.links : [] };
  }

  /** Temporary AK/SK/security token of the ECS agency (401/404 when none is attached). */
  async securityKey(signal?: AbortSignal): Promise<SecurityKey> {
    const body = await this.getJson<{ credential?: Record<string, unknown> }>('/openstack/latest/securitykey', signal);
    const c = body?.credential;
    const expires = typeof c?.expires_at === 'string' ? Date.parse(c.expires_at) : NaN;
    if (!c || typeof c.access !== 'string' || typeof c.secret !== 'string' || typeof c.securitytoken !== 'string' || Number.isNaN(expires)) {
      throw new CloudError('CREDENTIALS_INCOMPLETE', 'securitykey: response lacks access, secret, securitytoken or expires_at');
    }
    return { access: c.access, secret: new Secret(c.secret), securityToken: new Secret(c.securitytoken), expiresAt: expires };
  }
}
