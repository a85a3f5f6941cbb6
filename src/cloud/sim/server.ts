/**
 * The cloud simulator: ONE node:http server answering, by path,
 *   /v2.0/..., /v1/{project_id}/...   Huawei VPC API behind the API gateway (AK/SK)
 *   /v3/auth/tokens                   Keystone v3
 *   /neutron/v2.0/...                 Neutron (X-Auth-Token)
 *   /openstack/..., /meta-data/...    ECS metadata (also under /_instance/{server_id})
 *   /_sim/...                         admin: state, faults, log, clock
 * Fault injection (FaultController) applies to every API but the admin one, before
 * authentication. Each request is logged with timestamps (RequestLog).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { apigwError, keystoneError, neutronError, send, unauthorizedKeystone, vpcError, type SimContext } from './context.js';
import { FaultController, type FaultDecision, type FaultRule, type SimApi } from './faults.js';
import { RequestLog } from './log.js';
import { SimState, type CreatePortInput, type SimFixture } from './state.js';
import { AUTH_ERROR, handleVpc, THROTTLED } from './vpc.js';
import { handleKeystone } from './keystone.js';
import { handleNeutron } from './neutron.js';
import { handleMetadata, securityKeyFor } from './metadata.js';

export interface CloudSimOptions {
  fixture?: SimFixture;
  /** Seed of the fault-injection PRNG (default 1). */
  seed?: number;
  /** Wall clock, epoch ms (default Date.now); the admin clock offset is added. */
  now?: () => number;
}

const MAX_BODY = 1 << 20;

function classify(path: string): { api: SimApi; metaPath?: string; instance?: string } {
  const inst = /^\/_instance\/([^/]+)(\/.*)$/.exec(path);
  if (inst) return { api: 'metadata', instance: inst[1]!, metaPath: inst[2]! };
  if (path.startsWith('/_sim/') || path === '/_sim') return { api: 'admin' };
  if (path.startsWith('/openstack/') || path.startsWith('/meta-data/')) return { api: 'metadata', metaPath: path };
  if (path.startsWith('/v3/') || path === '/v3') return { api: 'keystone' };
  if (path.startsWith('/neutron/')) return { api: 'neutron' };
  if (path.startsWith('/v2.0/') || path.startsWith('/v1/')) return { api: 'vpc' };
  return { api: 'unknown' };
}

function decodePath(raw: string): string {
  return raw
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .join('/');
}

function parseQuery(raw: string): Map<string, string[]> {
  const q = new Map<string, string[]>();
  for (const piece of raw.split('&')) {
    if (!piece) continue;
    const eq = piece.indexOf('=');
    const d = (s: string): string => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    const k = d(eq < 0 ? piece : piece.slice(0, eq));
    const v = eq < 0 ? '' : d(piece.slice(eq + 1));
    q.set(k, [...(q.get(k) ?? []), v]);
  }
  return q;
}

export class CloudSim {
  readonly state: SimState;
  readonly faults: FaultController;
  readonly log = new RequestLog();
  /** Added to the wall clock (skew, token and key expiry tests). */
  clockOffsetMs = 0;
  private readonly baseNow: () => number;
  private server: Server | undefined;
  private readonly lifetime = new AbortController();
  private address: AddressInfo | undefined;

  constructor(opts: CloudSimOptions = {}) {
    this.state = new SimState(opts.fixture);
    this.faults = new FaultController(opts.seed ?? 1);
    this.baseNow = opts.now ?? Date.now;
  }

  now(): number {
    return this.baseNow() + this.clockOffsetMs;
  }

  /** Listen (default 127.0.0.1, an ephemeral port); resolves with the base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) {
          res.writeHead(500);
          res.end();
        }
      });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    return this.url;
  }

  get url(): string {
    if (!this.address) throw new Error('simulator is not listening');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `http://${host}:${this.address.port}`;
  }

  async close(): Promise<void> {
    this.lifetime.abort();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  // ---- TS API -------------------------------------------------------------------------

  setFaults(rules: FaultRule[]): void {
    this.faults.set(rules);
  }

  addFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  createPort(input: CreatePortInput) {
    return this.state.createPort(input);
  }

  /** Revoke every Keystone token (the next Neutron call gets 401). */
  revokeTokens(): void {
    this.state.keystoneTokens.clear();
  }

  /** Issue a new metadata security key for a server now (the old one stays valid). */
  rotateSecurityKey(serverId: string): void {
    const s = this.state.findServer(serverId);
    if (s) securityKeyFor(this.state, s, this.now(), true);
  }

  // ---- request handling ---------------------------------------------------------------

  private async readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return undefined;
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  private wait(ms: number | undefined, ctx: SimContext): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer) clearTimeout(timer);
        ctx.res.off('close', done);
        this.lifetime.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      ctx.res.on('close', done);
      this.lifetime.signal.addEventListener('abort', done);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const rawPath = qi < 0 ? url : url.slice(0, qi);
    const rawQuery = qi < 0 ? '' : url.slice(qi + 1);
    const path = decodePath(rawPath);
    const method = (req.method ?? 'GET').toUpperCase();
    const where = classify(path);
    const requestId = randomUUID();
    const entry = this.log.begin({
      method,
      // Metadata requests are logged without the /_instance/{id} prefix (see `instance`).
      path: where.metaPath ?? path,
      ...(where.instance ? { instance: where.instance } : {}),
      query: rawQuery,
      api: where.api,
      requestId,
      ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
    });
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) clientGone = true;
    });
    const body = await this.readBody(req);
    const ctx: SimContext = {
      req,
      res,
      method,
      url,
      path,
      query: parseQuery(rawQuery),
      body: body ?? Buffer.alloc(0),
      requestId,
      baseUrl: `http://${req.headers.host ?? '127.0.0.1'}`,
      entry,
      closed: () => clientGone || res.destroyed,
    };
    try {
      if (!body) return send(ctx, 413, { message: 'request body too large' });
      if (where.api === 'admin') return await this.admin(ctx);
      const decision = this.faults.decide(where.api, method, path, req.socket.remoteAddress);
      entry.faults = decision.labels;
      if (decision.latencyMs > 0) await this.wait(decision.latencyMs, ctx);
      if (decision.hang?.phase === 'before') await this.wait(decision.hang.ms, ctx);
      if (ctx.closed()) return;
      if (decision.outcome) return this.injected(ctx, where.api, decision.outcome, path);
      if (decision.hang?.phase === 'after') {
        // Apply the request, then hold the answer back.
        const realEnd = res.end.bind(res);
        const held: unknown[][] = [];
        (res as unknown as { end: (...a: unknown[]) => void }).end = (...args: unknown[]) => {
          held.push(args);
        };
        this.route(ctx, where);
        await this.wait(decision.hang.ms, ctx);
        if (!ctx.closed()) for (const a of held) (realEnd as (...x: unknown[]) => void)(...a);
        return;
      }
      if (decision.ignoreWrite) {
        const ports = structuredClone(this.state.ports);
        const fips = structuredClone(this.state.floatingips);
        this.route(ctx, where);
        this.state.ports = ports;
        this.state.floatingips = fips;
        return;
      }
      this.route(ctx, where);
    } finally {
      this.log.finish(entry, ctx.closed() ? 0 : res.statusCode, ctx.code);
    }
  }

  private route(ctx: SimContext, where: ReturnType<typeof classify>): void {
    const now = this.now();
    switch (where.api) {
      case 'vpc':
        return handleVpc(ctx, this.state, now);
      case 'keystone':
        return handleKeystone(ctx, this.state, now);
      case 'neutron':
        return handleNeutron(ctx, this.state, now);
      case 'metadata':
        return handleMetadata(ctx, this.state, now, where.metaPath!, where.instance);
      default:
        return apigwError(ctx, 404, 'APIGW.0101', 'The API does not exist or has not been published in the environment');
    }
  }

  private injected(ctx: SimContext, api: SimApi, outcome: NonNullable<FaultDecision['outcome']>, path: string): void {
    if (outcome.kind === 'throttle') {
      const headers: Record<string, string> = outcome.retryAfterSeconds > 0 ? { 'Retry-After': String(outcome.retryAfterSeconds) } : {};
      if (api === 'vpc') return apigwError(ctx, 429, THROTTLED, 'The throttling threshold has been reached: policy user over ratelimit', headers);
      ctx.code = 'HTTP_429';
      return send(ctx, 429, api === 'metadata' ? 'Too Many Requests' : { error: { code: 429, title: 'Too Many Requests', message: 'Rate limit exceeded.' } }, headers);
    }
    if (outcome.kind === 'reject') {
      if (api === 'vpc') return apigwError(ctx, 401, AUTH_ERROR, 'Incorrect IAM authentication information: verify aksk signature fail');
      if (api === 'metadata') {
        ctx.code = 'HTTP_401';
        return send(ctx, 401, 'Unauthorized');
      }
      return unauthorizedKeystone(ctx);
    }
    const status = outcome.status;
    if (api === 'vpc') {
      if (status === 500) {
        return path.startsWith('/v1/')
          ? vpcError(ctx, 500, 'VPC.0001', 'System exception.')
          : neutronError(ctx, 500, 'HTTPInternalServerError', 'Request Failed: internal server error while processing your request.');
      }
      return apigwError(ctx, status, `APIGW.0${status === 504 ? '504' : '503'}`, 'Backend unavailable');
    }
    if (api === 'neutron') return neutronError(ctx, status, 'HTTPServiceUnavailable', 'The server is currently unavailable.');
    if (api === 'keystone') return keystoneError(ctx, status, 'Service Unavailable', 'The service is unavailable.');
    ctx.code = `HTTP_${status}`;
    return send(ctx, status, 'Service Unavailable');
  }

  private async admin(ctx: SimContext): Promise<void> {
    const json = (): unknown => {
      try {
        return JSON.parse(ctx.body.toString('utf8') || 'null');
      } catch {
        return undefined;
      }
    };
    const p = ctx.path;
    const m = ctx.method;
    try {
      if (p === '/_sim/state' && m === 'GET') return send(ctx, 200, this.state.toFixture());
      if (p === '/_sim/state' && m === 'PUT') {
        this.state.load((json() ?? {}) as SimFixture);
        return send(ctx, 200, { ok: true });
      }
      if (p === '/_sim/ports' && m === 'POST') return send(ctx, 201, { port: this.state.createPort(json() as CreatePortInput) });
      const port = /^\/_sim\/ports\/([^/]+)$/.exec(p);
      if (port && m === 'GET') {
        const found = this.state.getPort(port[1]!);
        return found ? send(ctx, 200, { port: found }) : send(ctx, 404, { message: 'no such port' });
      }
      if (p === '/_sim/faults' && m === 'GET') return send(ctx, 200, { faults: this.faults.list() });
      if (p === '/_sim/faults' && m === 'PUT') {
        this.faults.set((json() ?? []) as FaultRule[]);
        return send(ctx, 200, { faults: this.faults.list() });
      }
      if (p === '/_sim/faults' && m === 'POST') {
        this.faults.add(json() as FaultRule);
        return send(ctx, 200, { faults: this.faults.list() });
      }
      if (p === '/_sim/faults' && m === 'DELETE') {
        this.faults.clear();
        return send(ctx, 200, { faults: [] });
      }
      if (p === '/_sim/log' && m === 'GET') return send(ctx, 200, { entries: this.log.all().filter((e) => e.api !== 'admin') });
      if (p === '/_sim/log' && m === 'DELETE') {
        this.log.clear();
        return send(ctx, 200, { ok: true });
      }
      if (p === '/_sim/clock' && m === 'PUT') {
        const o = json() as { offsetMs?: number } | undefined;
        if (typeof o?.offsetMs !== 'number') return send(ctx, 400, { message: 'offsetMs must be a number' });
        this.clockOffsetMs = o.offsetMs;
        return send(ctx, 200, { offsetMs: this.clockOffsetMs, now: new Date(this.now()).toISOString() });
      }
      if (p === '/_sim/keystone/revoke' && m === 'POST') {
        this.revokeTokens();
        return send(ctx, 200, { ok: true });
      }
      // Every secret issued so far (temporary keys, tokens), so a test driving the
      // simulator out of process can prove none of them reached a log.
      if (p === '/_sim/issued-secrets' && m === 'GET') return send(ctx, 200, { secrets: this.state.issuedSecrets });
      return send(ctx, 404, { message: `no admin route ${m} ${p}` });
    } catch (err) {
      return send(ctx, 400, { message: (err as Error).message });
    }
  }
}
