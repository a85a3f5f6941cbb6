/**
 * The cloud HTTP client (src/cloud/http.ts) against local servers on loopback: kept-alive
 * connections are reused, a request that meets a connection the server closed while idle
 * is sent again on a new one (once), bodies carry Content-Length, and transport failures
 * map to TIMEOUT / CANCELLED / NETWORK_ERROR.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudApiError } from '../../src/cloud/errors.js';
import { ArmedRequest, closeIdleConnections, httpExchange, httpJson } from '../../src/cloud/http.js';

const servers: Array<{ close(): void }> = [];

afterEach(() => {
  closeIdleConnections();
  for (const s of servers.splice(0)) s.close();
});

function listen<T extends Server | ReturnType<typeof createNetServer>>(server: T): Promise<string> {
  servers.push({ close: () => (server as { closeAllConnections?: () => void }).closeAllConnections?.() ?? server.close() });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

const opts = { timeoutMs: 2000 };

describe('cloud HTTP client', () => {
  it('reuses one kept-alive connection for requests in sequence', async () => {
    let connections = 0;
    const seen: Array<{ method: string; length?: string; chunked?: string; body: string; host?: string }> = [];
    const server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method!,
          ...(req.headers['content-length'] ? { length: req.headers['content-length'] } : {}),
          ...(req.headers['transfer-encoding'] ? { chunked: req.headers['transfer-encoding'] } : {}),
          ...(req.headers.host ? { host: req.headers.host } : {}),
          body,
        });
        res.setHeader('x-request-id', `r${seen.length}`);
        res.end(JSON.stringify({ n: seen.length }));
      });
    });
    server.on('connection', () => connections++);
    const base = await listen(server);
    for (let i = 1; i <= 3; i++) {
      const { body, res } = await httpJson<{ n: number }>({ api: 't', method: 'GET', url: `${base}/ports/x`, headers: { Host: 'ignored' } }, opts);
      expect(body.n).toBe(i);
      expect(res.requestId).toBe(`r${i}`);
    }
    const put = await httpJson<{ n: number }>({ api: 't', method: 'PUT', url: `${base}/ports/x`, body: '{"port":{"a":"é"}}' }, opts);
    expect(put.body.n).toBe(4);
    expect(connections).toBe(1);
    // The body goes with its byte length, not chunked; Host comes from the URL.
    expect(seen[3]).toEqual({ method: 'PUT', length: String(Buffer.byteLength('{"port":{"a":"é"}}')), body: '{"port":{"a":"é"}}', host: base.slice(7) });
  });

  it('sends a request again on a new connection when the kept one was closed by the server', async () => {
    let connections = 0;
    let requests = 0;
    // A server that answers the first request of a connection, keeps it open, and drops
    // the connection when a second request arrives on it (an idle close racing the send).
    const server = createNetServer((sock: Socket) => {
      connections++;
      let n = 0;
      let buf = '';
      sock.on('data', (d: Buffer) => {
        buf += d.toString();
        while (buf.includes('\r\n\r\n')) {
          buf = buf.slice(buf.indexOf('\r\n\r\n') + 4);
          n++;
          if (n > 1) {
            sock.resetAndDestroy();
            return;
          }
          requests++;
          sock.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n{"answer":${requests}}`.replace('13', String(`{"answer":${requests}}`.length)));
        }
      });
      sock.on('error', () => {});
    });
    const base = await listen(server);
    const first = await httpJson<{ answer: number }>({ api: 't', method: 'GET', url: `${base}/a` }, opts);
    expect(first.body.answer).toBe(1);
    const second = await httpJson<{ answer: number }>({ api: 't', method: 'GET', url: `${base}/a` }, opts);
    expect(second.body.answer).toBe(2);
    expect(connections).toBe(2);
  });

  it('does not resend on a new connection that fails: NETWORK_ERROR', async () => {
    let connections = 0;
    const server = createNetServer((sock: Socket) => {
      connections++;
      sock.on('data', () => sock.resetAndDestroy());
      sock.on('error', () => {});
    });
    const base = await listen(server);
    const err = await httpExchange({ api: 't', method: 'GET', url: `${base}/a` }, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudApiError);
    expect((err as CloudApiError).code).toBe('NETWORK_ERROR');
    expect((err as CloudApiError).message).toMatch(/^GET \/a failed: ECONNRESET/);
    expect(connections).toBe(1);
  });

  it('maps a silent server to TIMEOUT, an abort to CANCELLED and a refused connection to NETWORK_ERROR', async () => {
    const server = createNetServer((sock: Socket) => sock.on('error', () => {}));
    const base = await listen(server);
    const t0 = performance.now();
    const timeout = await httpExchange({ api: 't', method: 'GET', url: `${base}/slow`, timeoutMs: 150 }, opts).catch((e: unknown) => e);
    expect((timeout as CloudApiError).code).toBe('TIMEOUT');
    expect((timeout as CloudApiError).message).toBe('GET /slow timed out after 150 ms');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);

    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(new Error('leaving MASTER')), 50);
    const cancelled = await httpExchange({ api: 't', method: 'GET', url: `${base}/slow`, signal: ctrl.signal }, opts).catch((e: unknown) => e);
    expect((cancelled as CloudApiError).code).toBe('CANCELLED');

    const closed = createNetServer();
    const port = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as AddressInfo).port)));
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await httpExchange({ api: 't', method: 'GET', url: `http://127.0.0.1:${port}/x` }, opts).catch((e: unknown) => e);
    expect((refused as CloudApiError).code).toBe('NETWORK_ERROR');
    expect((refused as CloudApiError).message).toBe('GET /x failed: ECONNREFUSED');
  });

  it('parses an error answer into CloudApiError with its status and request id', async () => {
    const server = createHttpServer((_req, res) => {
      res.statusCode = 503;
      res.setHeader('x-request-id', 'req-503');
      res.setHeader('retry-after', '2');
      res.end(JSON.stringify({ error_code: 'VPC.0001', error_msg: 'busy' }));
    });
    const base = await listen(server);
    const err = await httpJson({ api: 't', method: 'GET', url: `${base}/b` }, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudApiError);
    expect((err as CloudApiError).status).toBe(503);
    expect((err as CloudApiError).requestId).toBe('req-503');
  });

  it('an armed request opens its connection at once and writes the request only when fired', async () => {
    const events: string[] = [];
    const server = createHttpServer((req, res) => {
      events.push(`request ${req.method} ${req.url} ${req.headers.authorization}`);
      res.end(JSON.stringify({ port: { id: 'p1' } }));
    });
    server.on('connection', () => events.push('connection'));
    const base = await listen(server);
    let dead = 0;
    const armed = new ArmedRequest({ api: 't', method: 'GET', url: `${base}/v2.0/ports/p1`, headers: { Authorization: 'signed-at-arm' } }, opts, () => dead++);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual(['connection']);
    expect(armed.usable).toBe(true);
    const t0 = performance.now();
    const res = await armed.fire();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ port: { id: 'p1' } });
    expect(events).toEqual(['connection', 'request GET /v2.0/ports/p1 signed-at-arm']);
    expect(armed.usable).toBe(false);
    // Fired once only.
    const again = await armed.fire().catch((e: unknown) => e);
    expect((again as CloudApiError).code).toBe('NETWORK_ERROR');
    expect(dead).toBe(0);
  });

  it('an armed request whose connection the server drops reports it, and cannot be fired', async () => {
    const sockets: Socket[] = [];
    const server = createNetServer((sock: Socket) => {
      sockets.push(sock);
      sock.on('error', () => {});
    });
    const base = await listen(server);
    let dead = 0;
    const armed = new ArmedRequest({ api: 't', method: 'GET', url: `${base}/x` }, opts, () => dead++);
    await new Promise((r) => setTimeout(r, 100));
    expect(sockets).toHaveLength(1);
    sockets[0]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(dead).toBe(1);
    expect(armed.usable).toBe(false);
    const err = await armed.fire().catch((e: unknown) => e);
    expect((err as CloudApiError).code).toBe('NETWORK_ERROR');
    // close() of a live one closes its connection and never calls onDead.
    const other = new ArmedRequest({ api: 't', method: 'GET', url: `${base}/y` }, opts, () => dead++);
    await new Promise((r) => setTimeout(r, 100));
    expect(sockets).toHaveLength(2);
    const closed = new Promise((r) => sockets[1]!.once('close', r));
    other.close();
    await closed;
    expect(dead).toBe(1);
  });

  it('a fired armed request times out like any request', async () => {
    const server = createNetServer((sock: Socket) => sock.on('error', () => {}));
    const base = await listen(server);
    const armed = new ArmedRequest({ api: 't', method: 'GET', url: `${base}/slow`, timeoutMs: 120 }, opts, () => {});
    await new Promise((r) => setTimeout(r, 50));
    const err = await armed.fire().catch((e: unknown) => e);
    expect((err as CloudApiError).code).toBe('TIMEOUT');
    expect((err as CloudApiError).message).toBe('GET /slow timed out after 120 ms');
  });
});
