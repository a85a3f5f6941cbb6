/**
 * The one HTTP helper of the cloud code: global fetch with a per-request timeout
 * (AbortSignal.timeout) combined with the caller's cancellation signal. Transport
 * failures become CloudApiError (TIMEOUT, NETWORK_ERROR, CANCELLED); non-2xx answers are
 * parsed into CloudApiError from any of the known error formats.
 */
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

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0]!;
  }
}

/** Perform one exchange. Resolves for every HTTP status; rejects only without an answer. */
export async function httpExchange(req: HttpRequest, opts: HttpOptions): Promise<HttpResponse> {
  const started = performance.now();
  const timeoutMs = req.timeoutMs ?? opts.timeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const path = pathOf(req.url);
  const operation = `${req.method} ${path}`;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    if (k.toLowerCase() !== 'host') headers[k] = v; // fetch derives Host from the URL
  }
  try {
    if (req.signal?.aborted) throw req.signal.reason;
    const res = await fetch(req.url, { method: req.method, headers, body: req.body, signal, redirect: 'manual' });
    const text = await res.text();
    const requestId = res.headers.get('x-request-id') ?? res.headers.get('x-openstack-request-id') ?? undefined;
    emit(opts.events, {
      type: 'http',
      api: req.api,
      method: req.method,
      path,
      status: res.status,
      latencyMs: performance.now() - started,
      ...(requestId ? { requestId } : {}),
    });
    return { status: res.status, headers: res.headers, text, requestId };
  } catch (err) {
    let code: 'CANCELLED' | 'TIMEOUT' | 'NETWORK_ERROR';
    let message: string;
    if (req.signal?.aborted) {
      code = 'CANCELLED';
      message = `${operation} cancelled`;
    } else if (timeout.aborted) {
      code = 'TIMEOUT';
      message = `${operation} timed out after ${timeoutMs} ms`;
    } else {
      code = 'NETWORK_ERROR';
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      message = `${operation} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`;
    }
    emit(opts.events, { type: 'http', api: req.api, method: req.method, path, status: 0, latencyMs: performance.now() - started, code });
    throw new CloudApiError({ code, status: 0, message, operation, format: 'local', cause: err });
  }
}

/** Exchange and require a 2xx answer; returns the parsed JSON body (or undefined when empty). */
export async function httpJson<T>(req: HttpRequest, opts: HttpOptions): Promise<{ body: T; res: HttpResponse }> {
  const res = await httpExchange(req, opts);
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

/** Join a base URL (which may carry a path prefix) and an encoded path+query. */
export function joinUrl(base: string, pathAndQuery: string): string {
  return base.replace(/\/+$/, '') + (pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`);
}
