/**
 * The control socket: a unix stream socket (mode 0600, in a 0700 directory) speaking
 * newline-delimited JSON, one request line and one answer line per exchange; a client
 * may send several requests on one connection.
 *
 *   {"cmd":"status"}                 -> {"ok":true,"cmd":"status","result":StatusSnapshot}
 *   {"cmd":"stats"}                  -> {"ok":true,"cmd":"stats","result":{generatedAt,instances:[{name,stats}]}}
 *   {"cmd":"dump","format":"data"}   -> {"ok":true,"cmd":"dump","result":{"format":"data","text":"..."}}
 *                                       (format: data | stats | json, as the SIGUSR1/SIGUSR2/JSON dumps)
 *   {"cmd":"reload"}                 -> {"ok":true,"cmd":"reload","result":{"ok":true,"message":"..."}}
 *   anything else                    -> {"ok":false,"error":{"code":"UNKNOWN_COMMAND","message":"..."}}
 *
 * Access control is the file mode: only root (the socket's owner) may connect.
 */
import { chmodSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { OpsError, errorInfo } from './errors.js';
import { formatDump, type DumpFormat } from './dumps.js';
import type { InstanceStats, StatusSnapshot } from './status.js';

export const DEFAULT_CONTROL_SOCKET = '/run/keepvip/keepvip.sock';
/** Longest request line accepted (bytes); longer ones close the connection. */
export const MAX_REQUEST_BYTES = 64 * 1024;
export const SOCKET_MODE = 0o600;

export type ControlRequest =
  | { cmd: 'status' }
  | { cmd: 'stats' }
  | { cmd: 'dump'; format?: DumpFormat }
  | { cmd: 'reload' };

export interface StatsResult {
  generatedAt: number;
  instances: { name: string; stats: InstanceStats }[];
}

export interface ReloadResult {
  ok: boolean;
  message?: string;
}

export type ControlErrorCode = 'UNKNOWN_COMMAND' | 'BAD_REQUEST' | 'UNSUPPORTED' | 'INTERNAL' | (string & {});

export type ControlResponse =
  | { ok: true; cmd: 'status'; result: StatusSnapshot }
  | { ok: true; cmd: 'stats'; result: StatsResult }
  | { ok: true; cmd: 'dump'; result: { format: DumpFormat; text: string } }
  | { ok: true; cmd: 'reload'; result: ReloadResult }
  | { ok: false; error: { code: ControlErrorCode; message: string } };

export interface ControlHandlers {
  /** The current snapshot. */
  snapshot: () => StatusSnapshot | Promise<StatusSnapshot>;
  /** Reload the configuration (as SIGHUP would); absent means unsupported. */
  reload?: () => Promise<ReloadResult>;
  /** Told about connection errors (the daemon logs control_error). */
  onError?: (e: unknown) => void;
}

export interface ControlServerOptions extends ControlHandlers {
  path?: string;
  /** Close connections idle for longer than this (default 30 s). */
  idleTimeoutMs?: number;
  /** At most this many connections at once (default 16). */
  maxConnections?: number;
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/** Answer one request line. Exported for tests and in-process use. */
export async function handleRequest(line: string, h: ControlHandlers): Promise<ControlResponse> {
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch {
    return { ok: false, error: { code: 'BAD_REQUEST', message: 'request is not JSON' } };
  }
  if (!req || typeof req !== 'object' || typeof (req as { cmd?: unknown }).cmd !== 'string') {
    return { ok: false, error: { code: 'BAD_REQUEST', message: 'request needs a "cmd" string' } };
  }
  const r = req as { cmd: string; format?: unknown };
  try {
    switch (r.cmd) {
      case 'status':
        return { ok: true, cmd: 'status', result: await h.snapshot() };
      case 'stats': {
        const s = await h.snapshot();
        return {
          ok: true,
          cmd: 'stats',
          result: { generatedAt: s.generatedAt, instances: s.instances.map((i) => ({ name: i.name, stats: i.stats })) },
        };
      }
      case 'dump': {
        const format = r.format ?? 'data';
        if (format !== 'data' && format !== 'stats' && format !== 'json') {
          return { ok: false, error: { code: 'BAD_REQUEST', message: 'format must be data, stats or json' } };
        }
        return { ok: true, cmd: 'dump', result: { format, text: formatDump(format, await h.snapshot()) } };
      }
      case 'reload':
        if (!h.reload) return { ok: false, error: { code: 'UNSUPPORTED', message: 'reload is not available' } };
        return { ok: true, cmd: 'reload', result: await h.reload() };
      default:
        return { ok: false, error: { code: 'UNKNOWN_COMMAND', message: `unknown command "${r.cmd.slice(0, 40)}"` } };
    }
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  }
}

/** Connect and see whether someone answers (for stale-socket detection). */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Make the socket's directory (0700 when created) and clear a stale socket file. */
async function preparePath(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new OpsError('CONTROL_PATH_NOT_SOCKET', `${path} exists and is not a socket`);
  if (await isLive(path)) throw new OpsError('CONTROL_IN_USE', `another daemon answers on ${path}`);
  unlinkSync(path);
}

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const path = opts.path ?? DEFAULT_CONTROL_SOCKET;
  await preparePath(path);
  const idle = opts.idleTimeoutMs ?? 30_000;
  const sockets = new Set<Socket>();

  const server: Server = createServer({ allowHalfOpen: false }, (sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    sock.setTimeout(idle, () => sock.destroy());
    sock.setEncoding('utf8');
    let buf = '';
    let chain = Promise.resolve();
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        // Answers go out in request order.
        chain = chain.then(async () => {
          const res = await handleRequest(line, opts);
          if (!sock.destroyed) sock.write(`${JSON.stringify(res)}\n`);
        });
      }
      if (Buffer.byteLength(buf) > MAX_REQUEST_BYTES) {
        const res: ControlResponse = { ok: false, error: { code: 'BAD_REQUEST', message: 'request too long' } };
        sock.end(`${JSON.stringify(res)}\n`);
        buf = '';
      }
    });
    sock.on('error', (e) => opts.onError?.(e));
  });
  server.maxConnections = opts.maxConnections ?? 16;

  // The socket is created by bind() inside listen(): a 0177 umask makes it 0600 from
  // the first instant (no window between bind and chmod); chmod below is the backstop.
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // bind() runs synchronously inside listen(), so the umask is restored before any other
  // code of this process can create a file.
  const oldMask = process.umask(0o177);
  try {
    server.listen(path);
  } finally {
    process.umask(oldMask);
  }
  await listening;
  chmodSync(path, SOCKET_MODE);
  const mode = statSync(path).mode & 0o777;
  if (mode !== SOCKET_MODE) {
    server.close();
    throw new OpsError('CONTROL_MODE', `${path} has mode ${mode.toString(8)}, wanted 600`);
  }
  server.on('error', (e) => opts.onError?.(e));

  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface ClientOptions {
  /** Give up after this long (default 5 s). */
  timeoutMs?: number;
}

/** Send one request and wait for its answer line. Throws OpsError (CONTROL_*) on failure. */
export function controlRequest(
  path: string,
  req: ControlRequest,
  opts: ClientOptions = {},
): Promise<ControlResponse> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    let buf = '';
    let settled = false;
    const sock = createConnection(path);
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      fn();
    };
    const timer = setTimeout(
      () => done(() => reject(new OpsError('CONTROL_TIMEOUT', `no answer from ${path} within ${timeoutMs} ms`))),
      timeoutMs,
    );
    sock.setEncoding('utf8');
    sock.once('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      done(() => {
        try {
          const res = JSON.parse(line) as ControlResponse;
          if (!res || typeof res !== 'object' || typeof res.ok !== 'boolean') throw new Error('no "ok" field');
          resolve(res);
        } catch (e) {
          reject(new OpsError('CONTROL_PROTOCOL', `bad answer from ${path}: ${(e as Error).message}`));
        }
      });
    });
    sock.once('end', () =>
      done(() => reject(new OpsError('CONTROL_PROTOCOL', `${path} closed the connection without an answer`))),
    );
    sock.once('error', (e: NodeJS.ErrnoException) =>
      done(() =>
        reject(
          new OpsError('CONTROL_UNREACHABLE', `cannot reach the daemon at ${path}: ${e.code ?? e.message}`, {
            cause: e,
          }),
        ),
      ),
    );
  });
}
