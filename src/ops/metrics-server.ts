/**
 * The /metrics HTTP endpoint (node:http), started only when `keepvip_defs {
 * metrics_listen ADDR:PORT }` is configured. GET or HEAD /metrics answers the exposition
 * text; anything else is 404 (405 for other methods on /metrics).
 */
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { OpsError } from './errors.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parse `ADDR:PORT`, `[IPV6]:PORT` or `:PORT` (all addresses). ADDR may be an IP
 * address or a host name such as localhost. Port 0 asks the kernel for a free port.
 */
export function parseListenAddress(text: string): ListenAddress {
  const bad = (why: string) =>
    new OpsError('METRICS_LISTEN_INVALID', `metrics_listen "${text}": ${why} (expected ADDR:PORT or [IPV6]:PORT)`);
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw bad('not ADDR:PORT');
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) throw bad('port out of range');
  if (m[1] !== undefined && isIP(host) !== 6) throw bad('bracketed address is not IPv6');
  if (host !== '' && !isIP(host) && !/^[A-Za-z0-9.-]+$/.test(host)) throw bad('bad host');
  return { host: host === '' ? '::' : host, port };
}

export interface MetricsServerOptions {
  listen: ListenAddress;
  /** Produces the exposition text (Metrics.text). */
  text: () => Promise<string>;
  contentType: string;
}

export interface MetricsServer {
  /** The bound address (with the real port when 0 was asked). */
  readonly address: ListenAddress;
  close(): Promise<void>;
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    opts.text().then(
      (body) => {
        res.writeHead(200, { 'content-type': opts.contentType, 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${String(e)}\n`);
      },
    );
  });
  // A scrape is small; never keep idle connections around for long.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const address = a && typeof a === 'object' ? { host: a.address, port: a.port } : opts.listen;
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
