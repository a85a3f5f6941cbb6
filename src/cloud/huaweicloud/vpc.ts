/**
 * Huawei Cloud VPC API client for the calls a VIP claim needs, signed with AK/SK:
 *   GET  /v2.0/ports?fixed_ips=ip_address%3D{ip} | ?device_id={server_id}
 *   GET  /v2.0/ports/{id}        PUT /v2.0/ports/{id}
 *   (or /v1/{project_id}/ports... with api 'v1')
 *   GET  /v1/{project_id}/publicips?port_id={id}   (EIPs, for status)
 * A 401 drops the cached credentials and retries once (temporary keys rotate).
 */
import { CloudApiError } from '../errors.js';
import { ArmedRequest, DEFAULT_TIMEOUT_MS, httpJson, jsonOf, type HttpOptions } from '../http.js';
import type { CloudEventSink } from '../events.js';
import type { AkSkCredentialProvider, AkSkCredentials } from '../credentials.js';
import type { AddressPair, Port } from '../ports.js';
import { signRequest, type QueryParams } from './signer.js';

export type VpcApiVersion = 'v2.0' | 'v1';

export interface PublicIp {
  id: string;
  public_ip_address: string;
  private_ip_address?: string;
  port_id?: string;
  status?: string;
  type?: string;
}

export interface VpcClientOptions {
  /** e.g. https://vpc.{region}.myhuaweicloud.com (may carry a path prefix). */
  endpoint: string;
  projectId: string;
  credentials: AkSkCredentialProvider;
  api?: VpcApiVersion;
  timeoutMs?: number;
  events?: CloudEventSink;
  /** Signing clock (tests of the gateway's skew window). */
  now?: () => Date;
}

const PAGE = 200;

/** A port read held ready (VpcClient.armGetPort). */
export interface ArmedPortRead {
  armed: ArmedRequest;
  fire(signal?: AbortSignal): Promise<Port>;
}

export class VpcClient {
  private readonly base: URL;
  private readonly http: HttpOptions;
  readonly api: VpcApiVersion;

  constructor(private readonly opts: VpcClientOptions) {
    this.base = new URL(opts.endpoint);
    this.api = opts.api ?? 'v2.0';
    this.http = { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, events: opts.events };
  }

  get projectId(): string {
    return this.opts.projectId;
  }

  private portsPath(id?: string): string {
    const root = this.api === 'v1' ? `/v1/${this.opts.projectId}/ports` : '/v2.0/ports';
    return id === undefined ? root : `${root}/${id}`;
  }

  /**
   * One signed JSON request; retried once with fresh credentials after a 401. With the
   * credentials cached, the request is signed and handed to the HTTP client before this
   * returns (no await first), so a claim's first read leaves in the turn that asked for it.
   */
  request<T>(method: string, path: string, query: QueryParams | undefined, body: unknown, signal?: AbortSignal): Promise<T> {
    const creds = this.opts.credentials.peek();
    return creds ? this.send<T>(creds, method, path, query, body, signal) : this.requestAfterCredentials<T>(method, path, query, body, signal);
  }

  private async requestAfterCredentials<T>(method: string, path: string, query: QueryParams | undefined, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.send<T>(await this.opts.credentials.get(signal), method, path, query, body, signal);
  }

  private async send<T>(
    first: AkSkCredentials,
    method: string,
    path: string,
    query: QueryParams | undefined,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const creds = attempt === 0 ? first : await this.opts.credentials.get(signal);
      const text = body === undefined ? undefined : JSON.stringify(body);
      const signed = this.sign(creds, method, path, query, text);
      try {
        const { body: out } = await httpJson<T>(
          {
            api: 'vpc',
            method,
            url: signed.url,
            headers: signed.headers,
            ...(text === undefined ? {} : { body: text }),
            signal,
          },
          this.http,
        );
        return out;
      } catch (err) {
        if (attempt === 0 && err instanceof CloudApiError && err.status === 401) {
          this.opts.credentials.invalidate();
          continue;
        }
        throw err;
      }
    }
  }

  private sign(creds: AkSkCredentials, method: string, path: string, query: QueryParams | undefined, text: string | undefined): { url: string; headers: Record<string, string> } {
    const prefix = this.base.pathname.replace(/\/+$/, '');
    const signed = signRequest(
      {
        method,
        host: this.base.host,
        path: prefix + path,
        query,
        headers: { 'Content-Type': 'application/json' },
        ...(text === undefined ? {} : { body: text }),
      },
      {
        ak: creds.ak.reveal(),
        sk: creds.sk.reveal(),
        ...(creds.securityToken ? { securityToken: creds.securityToken.reveal() } : {}),
      },
      { projectId: this.opts.projectId, ...(this.opts.now ? { date: this.opts.now() } : {}) },
    );
    return { url: `${this.base.protocol}//${this.base.host}${signed.pathAndQuery}`, headers: signed.headers };
  }

  /**
   * A read of a port, signed now and held ready on an open connection (ArmedRequest), or
   * undefined without cached credentials. The signature dates from now: fire it within
   * minutes (the gateway allows 15).
   */
  armGetPort(id: string, onDead: () => void): ArmedPortRead | undefined {
    const creds = this.opts.credentials.peek();
    if (!creds) return undefined;
    const signed = this.sign(creds, 'GET', this.portsPath(id), undefined, undefined);
    const req = { api: 'vpc', method: 'GET', url: signed.url, headers: signed.headers };
    const armed = new ArmedRequest(req, this.http, onDead);
    return {
      armed,
      fire: (signal) =>
        armed.fire(signal).then((res) => {
          const port = jsonOf<{ port?: Port }>(req, res).body?.port;
          if (!port) throw badResponse(`GET ${this.portsPath(id)}: no port in response`);
          return port;
        }),
    };
  }

  /** List ports matching the filters, following limit/marker pages. */
  async listPorts(filters: Record<string, string | string[]>, signal?: AbortSignal): Promise<Port[]> {
    const out: Port[] = [];
    let marker: string | undefined;
    for (;;) {
      const query: Record<string, string | string[]> = { ...filters, limit: String(PAGE) };
      if (marker) query.marker = marker;
      const page = await this.request<{ ports?: Port[] }>('GET', this.portsPath(), query, undefined, signal);
      const ports = page?.ports ?? [];
      out.push(...ports);
      if (ports.length < PAGE) return out;
      marker = ports[ports.length - 1]!.id;
    }
  }

  async portsByFixedIp(ip: string, signal?: AbortSignal): Promise<Port[]> {
    return this.listPorts({ fixed_ips: `ip_address=${ip}` }, signal);
  }

  async portsByDevice(deviceId: string, signal?: AbortSignal): Promise<Port[]> {
    return this.listPorts({ device_id: deviceId }, signal);
  }

  async getPort(id: string, signal?: AbortSignal): Promise<Port> {
    const res = await this.request<{ port?: Port }>('GET', this.portsPath(id), undefined, undefined, signal);
    if (!res?.port) throw badResponse(`GET ${this.portsPath(id)}: no port in response`);
    return res.port;
  }

  /** Replace a port's allowed_address_pairs (the list is replaced as a whole). */
  async setAddressPairs(id: string, pairs: AddressPair[], signal?: AbortSignal): Promise<Port> {
    const res = await this.request<{ port?: Port }>(
      'PUT',
      this.portsPath(id),
      undefined,
      { port: { allowed_address_pairs: pairs } },
      signal,
    );
    if (!res?.port) throw badResponse(`PUT ${this.portsPath(id)}: no port in response`);
    return res.port;
  }

  /** EIPs bound to a port. */
  async publicIpsOfPort(portId: string, signal?: AbortSignal): Promise<PublicIp[]> {
    const res = await this.request<{ publicips?: PublicIp[] }>(
      'GET',
      `/v1/${this.opts.projectId}/publicips`,
      { port_id: portId },
      undefined,
      signal,
    );
    return res?.publicips ?? [];
  }
}

function badResponse(message: string): CloudApiError {
  return new CloudApiError({ code: 'BAD_RESPONSE', status: 200, message, format: 'local' });
}
