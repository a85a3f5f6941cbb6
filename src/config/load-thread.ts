/**
 * Loading a configuration off the main thread, for reloads. Reading and resolving a large
 * file is synchronous work (measured: 1.6 s for 5,000 instances, 0.8 s for 50 MB of
 * comments): on the main thread it would hold back every advert for that long and a
 * backup would take over. Here it runs in a worker thread (this same module, started with
 * `workerData.kind === WORKER_KIND`), and the main thread only receives the result, a
 * plain-data model and its diagnostics.
 *
 * A worker that cannot start is not a reason to refuse a reload: the load then runs on
 * the main thread as at start-up, and the result says so (`offThread: false`). A read
 * that never ends (a FIFO at the path) is stopped after `timeoutMs`.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { hostEnv } from './env.js';
import { ConfigFileError, loadConfig, type LoadResult } from './load.js';

const WORKER_KIND = 'keepvip-config-load';

/**
 * The worker's entry: import this module, which answers when it sees the request. Run
 * from src/ (tests, `node --import tsx`), the worker does not inherit tsx's loader, so
 * it registers it first.
 */
const WORKER_BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsLoader) (await import(workerData.tsLoader)).register();
  await import(workerData.url);
})().catch((e) => { throw e; });
`;

/** tsx's registration module when this file runs as TypeScript, else undefined. */
function tsLoader(): string | undefined {
  if (!import.meta.url.endsWith('.ts')) return undefined;
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return undefined;
  }
}

interface Request {
  kind: typeof WORKER_KIND;
  path: string;
  configId?: string;
}

type Reply = { ok: true; result: LoadResult } | { ok: false; fileError?: { path: string; reason: string }; message: string };

export interface ThreadLoadResult extends LoadResult {
  /** False when the worker could not start and the load ran on the main thread. */
  offThread: boolean;
  /** Why the worker could not be used, when offThread is false. */
  fallbackReason?: string;
}

export interface ThreadLoadOptions {
  configId?: string;
  /** Give up on a read that has not finished by then (default 30 s). */
  timeoutMs?: number;
}

function loadHere(req: Request): Reply {
  try {
    return { ok: true, result: loadConfig(req.path, { ...(req.configId !== undefined ? { configId: req.configId } : {}), env: hostEnv() }) };
  } catch (e) {
    if (e instanceof ConfigFileError) return { ok: false, fileError: { path: e.path, reason: e.reason }, message: e.message };
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Load `path` in a worker thread. Resolves with the result; rejects with ConfigFileError
 * when the file cannot be read (or the read times out), like loadConfig throws.
 */
export function loadConfigOffThread(path: string, opts: ThreadLoadOptions = {}): Promise<ThreadLoadResult> {
  const req: Request = { kind: WORKER_KIND, path, ...(opts.configId !== undefined ? { configId: opts.configId } : {}) };
  const settle = (reply: Reply, offThread: boolean, fallbackReason?: string): ThreadLoadResult => {
    if (reply.ok) return { ...reply.result, offThread, ...(fallbackReason ? { fallbackReason } : {}) };
    if (reply.fileError) throw new ConfigFileError(reply.fileError.path, reply.fileError.reason);
    throw new Error(reply.message);
  };
  let worker: Worker;
  try {
    worker = new Worker(WORKER_BOOT, { eval: true, workerData: { ...req, url: import.meta.url, tsLoader: tsLoader() } });
  } catch (e) {
    return Promise.resolve().then(() => settle(loadHere(req), false, e instanceof Error ? e.message : String(e)));
  }
  return new Promise<ThreadLoadResult>((resolve, reject) => {
    let done = false;
    const finish = (f: () => ThreadLoadResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void worker.terminate();
      try {
        resolve(f());
      } catch (e) {
        reject(e);
      }
    };
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      finish(() => {
        throw new ConfigFileError(path, `reading did not finish within ${timeoutMs} ms`);
      });
    }, timeoutMs);
    worker.once('message', (reply: Reply) => finish(() => settle(reply, true)));
    // The worker failed before answering (could not load its module, out of memory ...).
    worker.once('error', (e: Error) => finish(() => settle(loadHere(req), false, e.message)));
    worker.once('exit', (code) => finish(() => settle(loadHere(req), false, `the worker exited with code ${code}`)));
  });
}

if (!isMainThread && (workerData as Request | undefined)?.kind === WORKER_KIND && parentPort) {
  parentPort.postMessage(loadHere(workerData as Request));
}
