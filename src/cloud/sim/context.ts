/**
 * Per-request context for the simulator's handlers, and the real error body formats:
 * Huawei-native {"code","message"}, NeutronError, API gateway {"error_code","error_msg",
 * "request_id"}, Keystone {"error":{"code","title","message"}}.
 * Error codes the public documentation does not pin down (which VPC.xxxx a given failure
 * carries) are placeholders in the real format.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimLogEntry } from './log.js';

export interface SimContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Raw request target. */
  url: string;
  /** Decoded path. */
  path: string;
  /** Decoded query ('+' as space), repeated keys kept. */
  query: Map<string, string[]>;
  body: Buffer;
  requestId: string;
  /** http://host:port as the client addressed the simulator. */
  baseUrl: string;
  entry: SimLogEntry;
  /** Set when the client went away. */
  closed: () => boolean;
  /** Error code of the answer, for the request log. */
  code?: string;
}

export function send(ctx: SimContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (ctx.closed() || ctx.res.headersSent) return;
  ctx.res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'X-Request-Id': ctx.requestId,
    ...headers,
  });
  ctx.res.end(text);
}

export function neutronError(ctx: SimContext, status: number, type: string, message: string): void {
  ctx.code = type;
  send(ctx, status, { NeutronError: { type, message, detail: '' } }, { 'X-Openstack-Request-Id': `req-${ctx.requestId}` });
}

export function vpcError(ctx: SimContext, status: number, code: string, message: string): void {
  ctx.code = code;
  send(ctx, status, { code, message });
}

export function apigwError(ctx: SimContext, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  ctx.code = code;
  send(ctx, status, { error_code: code, error_msg: message, request_id: ctx.requestId }, headers);
}

export function keystoneError(ctx: SimContext, status: number, title: string, message: string): void {
  ctx.code = `KEYSTONE.${title.replace(/\s+/g, '')}`;
  send(ctx, status, { error: { code: status, title, message } }, { 'X-Openstack-Request-Id': `req-${ctx.requestId}` });
}

export function unauthorizedKeystone(ctx: SimContext): void {
  keystoneError(ctx, 401, 'Unauthorized', 'The request you have made requires authentication.');
}

export function parseJson(ctx: SimContext): unknown {
  try {
    return JSON.parse(ctx.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function first(ctx: SimContext, key: string): string | undefined {
  return ctx.query.get(key)?.[0];
}
