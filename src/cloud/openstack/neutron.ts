/**
 * OpenStack Neutron client (v2.0) for ports and floating IPs, authenticated with a Keystone
 * token (X-Auth-Token). A 401 renews the token and retries once.
 */
import { CloudApiError } from '../errors.js';
import { DEFAULT_TIMEOUT_MS, httpJson, joinUrl, type HttpOptions } from '../http.js';
import type { CloudEventSink } from '../events.js';
import type { AddressPair, FloatingIp, Port } from '../ports.js';
import { canonicalQuery, encodePath, type QueryParams } from '../huaweicloud/signer.js';
import type { KeystoneClient } from './keystone.js';

export interface NeutronClientOptions {
  keystone: KeystoneClient;
  /** Overrides the catalog's network endpoint. */
  endpoint?: string;
  timeoutMs?: number;
  events?: CloudEventSink;
}

export class NeutronClient {
  private readonly http: HttpOptions;

  constructor(private readonly opts: NeutronClientOptions) {
    this.http = { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, events: opts.events };
  }

  private async base(signal?: AbortSignal): Promise<string> {
    const url = this.opts.endpoint ?? (await this.opts.keystone.endpoint('network', signal));
    // Catalog URLs appear both with and without the version.
    return url.replace(/\/+$/, '').replace(/\/v2\.0$/, '');
  }

  async request<T>(method: string, path: string, query: QueryParams | undefined, body: unknown, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.opts.keystone.token(signal);
      const base = await this.base(signal);
      const q = canonicalQuery(query);
      const url = joinUrl(base, encodePath(path) + (q ? `?${q}` : ''));
      try {
        const { body: out } = await httpJson<T>(
          {
            api: 'neutron',
            method,
            url,
            headers: { 'X-Auth-Token': token.value.reveal(), Accept: 'application/json', 'Content-Type': 'application/json' },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            signal,
          },
          this.http,
        );
        return out;
      } catch (err) {
        if (attempt === 0 && err instanceof CloudApiError && err.status === 401) {
          this.opts.keystone.invalidate();
          continue;
        }
        throw err;
      }
    }
  }

  async listPorts(filters: Record<string, string | string[]>, signal?: AbortSignal): Promise<Port[]> {
    const res = await this.request<{ ports?: Port[] }>('GET', '/v2.0/ports', filters, undefined, signal);
    return res?.ports ?? [];
  }

  async portsByDevice(deviceId: string, signal?: AbortSignal): Promise<Port[]> {
    return this.listPorts({ device_id: deviceId }, signal);
  }

  async getPort(id: string, signal?: AbortSignal): Promise<Port> {
    const res = await this.request<{ port?: Port }>('GET', `/v2.0/ports/${id}`, undefined, undefined, signal);
    if (!res?.port) throw badResponse(`GET /v2.0/ports/${id}: no port`);
    return res.port;
  }

  async setAddressPairs(id: string, pairs: AddressPair[], signal?: AbortSignal): Promise<Port> {
    const res = await this.request<{ port?: Port }>('PUT', `/v2.0/ports/${id}`, undefined, { port: { allowed_address_pairs: pairs } }, signal);
    if (!res?.port) throw badResponse(`PUT /v2.0/ports/${id}: no port`);
    return res.port;
  }

  async listFloatingIps(filters: Record<string, string>, signal?: AbortSignal): Promise<FloatingIp[]> {
    const res = await this.request<{ floatingips?: FloatingIp[] }>('GET', '/v2.0/floatingips', filters, undefined, signal);
    return res?.floatingips ?? [];
  }

  async getFloatingIp(id: string, signal?: AbortSignal): Promise<FloatingIp> {
    const res = await this.request<{ floatingip?: FloatingIp }>('GET', `/v2.0/floatingips/${id}`, undefined, undefined, signal);
    if (!res?.floatingip) throw badResponse(`GET /v2.0/floatingips/${id}: no floatingip`);
    return res.floatingip;
  }

  async moveFloatingIp(id: string, portId: string, fixedIp: string, signal?: AbortSignal): Promise<FloatingIp> {
    const res = await this.request<{ floatingip?: FloatingIp }>(
      'PUT',
      `/v2.0/floatingips/${id}`,
      undefined,
      { floatingip: { port_id: portId, fixed_ip_address: fixedIp } },
      signal,
    );
    if (!res?.floatingip) throw badResponse(`PUT /v2.0/floatingips/${id}: no floatingip`);
    return res.floatingip;
  }
}

function badResponse(message: string): CloudApiError {
  return new CloudApiError({ code: 'BAD_RESPONSE', status: 200, message, format: 'local' });
}
