/**
 * The one HTTP client of the cloud code: node:http / node:https through one keep-alive
 * agent per scheme, for the life of the process, with a per-request timeout
 * (AbortSignal.timeout) combined with the caller's cancellation signal. A claim after a
 * failover therefore reuses the connection its discovery or last verification opened,
 * and its request is written in the same event-loop turn that asked for it. A request
 * that fails on a reused connection before any answer (the server closed it while idle)
 * is sent once more on a new one. Transport failures become CloudApiError (TIMEOUT,
 * NETWORK_ERROR, CANCELLED); non-2xx answers are parsed into CloudApiError from any of
 * the known error formats.
 */
import http from 'node:http';
import https from 'node:https';
import { CloudApiError, parseCloudError } from './errors.js';
import { emit, type CloudEventSink } from './events.js';

export interface HttpOptions {
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  events?: CloudEventSink;
}

export interface HttpRequest {
  api: string;
  method: string;
  /** Absolute URL, path and query already encoded. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Overrides HttpOptions.timeoutMs for this request. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  requestId: string | undefined;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * How long an idle connection is kept for the next request, unless the server says less
 * (Keep-Alive: timeout=N) or closes it first.
 */
export const IDLE_CONNECTION_MS = 120_000;

const agentOptions = { keepAlive: true, keepAliveMsecs: 15_000, maxSockets: 16, maxFreeSockets: 4, scheduling: 'lifo' as const, timeout: IDLE_CONNECTION_MS };
const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

/** Close every idle connection (tests; a reload that changes endpoints). */
export function closeIdleConnections(): void {
  for (const a of [agents.http, agents.https]) {
    for (const list of Object.values(a.freeSockets)) for (const s of list ?? []) s.destroy();
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0]!;
  }
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

class StaleConnection extends Error {
  constructor(readonly original: unknown) {
    super('connection closed by the server while idle');
  }
}

const STALE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

interface Open {
  request: http.ClientRequest;
  answer: Promise<Answer>;
}

/**
 * Open one request on a connection (reused or new) and collect its answer. Nothing is
 * written until the caller ends it (open().request.end(body)).
 */
function open(url: URL, req: HttpRequest, signal: AbortSignal | undefined): Open {
  const tls = url.protocol === 'https:';
  if (!tls && url.protocol !== 'http:') throw new Error(`unsupported URL scheme ${url.protocol}`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    // node:http writes Host from the URL, as the signer saw it.
    if (k.toLowerCase() !== 'host') headers[k] = v;
  }
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  let answered = false;
  const r = (tls ? https : http).request({
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || (tls ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    method: req.method,
    headers,
    agent: tls ? agents.https : agents.http,
    ...(signal ? { signal } : {}),
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    r.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) h.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('aborted', () => reject(new Error('connection closed before the whole answer arrived')));
      res.on('error', reject);
    });
    r.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered && r.reusedSocket && err.code && STALE_CODES.has(err.code) && !signal?.aborted) reject(new StaleConnection(err));
      else reject(err);
    });
  });
  return { request: r, answer };
}

/** One request on one connection (reused or new). */
function send(url: URL, req: HttpRequest, signal: AbortSignal): Promise<Answer> {
  let o: Open;
  try {
    o = open(url, req, signal);
  } catch (err) {
    return Promise.reject(err);
  }
  o.request.end(req.body);
  return o.answer;
}

function answered(req: HttpRequest, res: Answer, started: number, opts: HttpOptions): HttpResponse {
  const requestId = res.headers.get('x-request-id') ?? res.headers.get('x-openstack-request-id') ?? undefined;
  emit(opts.events, {
    type: 'http',
    api: req.api,
    method: req.method,
    path: pathOf(req.url),
    status: res.status,
    latencyMs: performance.now() - started,
    ...(requestId ? { requestId } : {}),
  });
  return { status: res.status, headers: res.headers, text: res.text, requestId };
}

/** A transport failure as CloudApiError (CANCELLED, TIMEOUT or NETWORK_ERROR), reported. */
function failed(req: HttpRequest, err: unknown, timedOut: boolean, timeoutMs: number, started: number, opts: HttpOptions): CloudApiError {
  const path = pathOf(req.url);
  const operation = `${req.method} ${path}`;
  let code: 'CANCELLED' | 'TIMEOUT' | 'NETWORK_ERROR';
  let message: string;
  if (req.signal?.aborted) {
    code = 'CANCELLED';
    message = `${operation} cancelled`;
  } else if (timedOut) {
    code = 'TIMEOUT';
    message = `${operation} timed out after ${timeoutMs} ms`;
  } else {
    code = 'NETWORK_ERROR';
    const e = (err instanceof StaleConnection ? err.original : err) as { code?: string; message?: string; cause?: { code?: string; message?: string } };
    message = `${operation} failed: ${e.code ?? e.cause?.code ?? e.cause?.message ?? e.message}`;
  }
  emit(opts.events, { type: 'http', api: req.api, method: req.method, path, status: 0, latencyMs: performance.now() - started, code });
  return new CloudApiError({ code, status: 0, message, operation, format: 'local', cause: err });
}

/** Perform one exchange. Resolves for every HTTP status; rejects only without an answer. */
export async function httpExchange(req: HttpRequest, opts: HttpOptions): Promise<HttpResponse> {
  const started = performance.now();
  const timeoutMs = req.timeoutMs ?? opts.timeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    if (req.signal?.aborted) throw req.signal.reason;
    const url = new URL(req.url);
    let res: Answer;
    try {
      res = await send(url, req, signal);
    } catch (err) {
      if (!(err instanceof StaleConnection)) throw err;
      res = await send(url, req, signal);
    }
    return answered(req, res, started, opts);
  } catch (err) {
    throw failed(req, err, timeout.aborted, timeoutMs, started, opts);
  }
}

/**
 * A bodiless request held ready on an open connection: the connection (and, for https,
 * the TLS session) is set up when it is armed, and fire() writes the request in the
 * caller's turn, so it is on the wire within that turn. An armed request the server drops
 * before it is fired calls onDead; one that fails after firing on a connection the server
 * closed while idle rejects like any request (callers fall back to a plain request).
 * The connection does not keep the process alive.
 */
export class ArmedRequest {
  readonly armedAt = performance.now();
  private state: 'armed' | 'fired' | 'dead' = 'armed';
  private readonly opened: Open;

  constructor(
    private readonly req: Omit<HttpRequest, 'body' | 'signal'>,
    private readonly opts: HttpOptions,
    onDead: () => void,
  ) {
    this.opened = open(new URL(req.url), req, undefined);
    const r = this.opened.request;
    r.on('socket', (sock) => {
      sock.setKeepAlive(true, 15_000);
      if (this.state === 'armed') sock.unref();
    });
    this.opened.answer.catch(() => {
      if (this.state !== 'armed') return;
      this.state = 'dead';
      onDead();
    });
  }

  /** Not yet fired, and its connection has not failed. */
  get usable(): boolean {
    return this.state === 'armed';
  }

  /** Write the request now; the answer like httpExchange's (the signal cancels it). */
  fire(signal?: AbortSignal): Promise<HttpResponse> {
    const req: HttpRequest = { ...this.req, ...(signal ? { signal } : {}) };
    const started = performance.now();
    const timeoutMs = this.req.timeoutMs ?? this.opts.timeoutMs;
    if (this.state !== 'armed') return Promise.reject(failed(req, new Error('armed request is not usable'), false, timeoutMs, started, this.opts));
    this.state = 'fired';
    const r = this.opened.request;
    r.socket?.ref();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      r.destroy(new Error('timeout'));
    }, timeoutMs);
    const onAbort = (): void => void r.destroy(new Error('cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    r.end();
    return this.opened.answer.then(
      (res) => answered(req, res, started, this.opts),
      (err: unknown) => {
        throw failed(req, err, timedOut, timeoutMs, started, this.opts);
      },
    ).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  }

  /** Drop it unfired (closes its connection). */
  close(): void {
    if (this.state !== 'armed') return;
    this.state = 'dead';
    this.opened.request.destroy();
  }
}

/** A 2xx answer's JSON body (undefined when empty), or the CloudApiError it stands for. */
export function jsonOf<T>(req: Pick<HttpRequest, 'method' | 'url'>, res: HttpResponse): { body: T; res: HttpResponse } {
  const operation = `${req.method} ${pathOf(req.url)}`;
  if (res.status < 200 || res.status > 299) {
    throw parseCloudError(res.status, res.text, res.headers, operation);
  }
  if (!res.text) return { body: undefined as T, res };
  try {
    return { body: JSON.parse(res.text) as T, res };
  } catch {
    throw new CloudApiError({
      code: 'BAD_RESPONSE',
      status: res.status,
      message: `${operation}: response is not JSON`,
      requestId: res.requestId,
      operation,
      format: 'local',
    });
  }
}

/** Exchange and require a 2xx answer; returns the parsed JSON body (or undefined when empty). */
export async function httpJson<T>(req: HttpRequest, opts: HttpOptions): Promise<{ body: T; res: HttpResponse }> {
  return jsonOf<T>(req, await httpExchange(req, opts));
}

/** Join a base URL (which may carry a path prefix) and an encoded path+query. */
export function joinUrl(base: string, pathAndQuery: string): string {
  return base.replace(/\/+$/, '') + (pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`);
}
