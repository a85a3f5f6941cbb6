/**
 * Spawning scripts off the main thread. `child_process.spawn` blocks its event loop until
 * the child has exec'd: milliseconds per script on a busy host, and up to hundreds of ms
 * (measured: a 200 ms spawn stalled the advert timer by 199.6 ms). A daemon running
 * tens of health scripts a second would hold its adverts back that long. Here the spawn
 * happens in a worker thread; the main thread gets a ChildProcess-shaped object fed by
 * messages (pid, output, exit), and signals the process group itself, so exec.ts keeps
 * all the timeout and kill logic.
 *
 * The worker is a small self-contained script (evaluated, no module loading), so it runs
 * the same from src/ under tsx or vitest and from dist/.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { SpawnFn } from './exec.js';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const children = new Map();
const post = (m) => parentPort.postMessage(m);
parentPort.on('message', (m) => {
  if (m.type === 'destroy') {
    const c = children.get(m.id);
    if (c) { c.stdout && c.stdout.destroy(); c.stderr && c.stderr.destroy(); }
    return;
  }
  let child;
  try {
    child = spawn(m.file, m.args, m.options);
  } catch (e) {
    post({ type: 'error', id: m.id, code: e.code || 'EUNKNOWN', message: String(e.message) });
    return;
  }
  children.set(m.id, child);
  if (child.pid !== undefined) post({ type: 'spawned', id: m.id, pid: child.pid });
  child.on('error', (e) => post({ type: 'error', id: m.id, code: e.code || 'EUNKNOWN', message: String(e.message) }));
  if (child.stdout) child.stdout.on('data', (d) => post({ type: 'data', id: m.id, fd: 1, data: d }));
  if (child.stderr) child.stderr.on('data', (d) => post({ type: 'data', id: m.id, fd: 2, data: d }));
  child.on('exit', (code, signal) => post({ type: 'exit', id: m.id, code, signal }));
  child.on('close', () => { children.delete(m.id); post({ type: 'close', id: m.id }); });
});
`;

type WorkerMessage =
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'error'; id: number; code: string; message: string }
  | { type: 'data'; id: number; fd: 1 | 2; data: Uint8Array }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'close'; id: number };

/** The main thread's view of a child spawned by the worker. */
class RemoteChild extends EventEmitter {
  pid: number | undefined = undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();

  constructor(
    readonly id: number,
    private readonly onDestroy: () => void,
  ) {
    super();
    const destroyed = (): void => this.onDestroy();
    this.stdout.once('close', destroyed);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.pid === undefined) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  deliver(m: WorkerMessage): void {
    switch (m.type) {
      case 'spawned':
        this.pid = m.pid;
        this.emit('spawn');
        return;
      case 'error':
        this.emit('error', Object.assign(new Error(m.message), { code: m.code }));
        return;
      case 'data':
        (m.fd === 1 ? this.stdout : this.stderr).write(Buffer.from(m.data));
        return;
      case 'exit':
        this.exitCode = m.code;
        this.signalCode = m.signal;
        this.emit('exit', m.code, m.signal);
        return;
      case 'close':
        this.stdout.end();
        this.stderr.end();
        this.emit('close', this.exitCode, this.signalCode);
        return;
    }
  }
}

let worker: Worker | undefined;
const live = new Map<number, RemoteChild>();
let nextId = 1;

function theWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true, stdout: false, stderr: false });
  w.on('message', (m: WorkerMessage) => {
    const c = live.get(m.id);
    if (!c) return;
    if (m.type === 'close' || (m.type === 'error' && c.pid === undefined)) live.delete(m.id);
    c.deliver(m);
  });
  const fail = (why: string): void => {
    if (worker === w) worker = undefined;
    for (const [id, c] of live) {
      live.delete(id);
      c.deliver({ type: 'error', id, code: 'ESPAWNWORKER', message: `script spawner stopped: ${why}` });
      if (c.pid !== undefined) {
        c.deliver({ type: 'exit', id, code: null, signal: null });
        c.deliver({ type: 'close', id });
      }
    }
  };
  w.on('error', (e) => fail(e.message));
  w.on('exit', (code) => fail(`exit ${code}`));
  // After the listeners: on Node 20 adding a 'message' listener refs the worker's port
  // again, and the process would never exit once the daemon has stopped.
  w.unref();
  worker = w;
  return w;
}

/** A SpawnFn whose fork/exec happens in a worker thread (see the module comment). */
export const workerSpawn: SpawnFn = (file: string, args: readonly string[], options: SpawnOptions): ChildProcess => {
  const w = theWorker();
  const id = nextId++;
  const child = new RemoteChild(id, () => {
    if (live.has(id)) w.postMessage({ type: 'destroy', id });
  });
  live.set(id, child);
  const opts: Record<string, unknown> = { detached: options.detached, stdio: options.stdio, env: options.env, shell: false };
  if (options.uid !== undefined) opts.uid = options.uid;
  if (options.gid !== undefined) opts.gid = options.gid;
  if (options.cwd !== undefined) opts.cwd = options.cwd;
  w.postMessage({ type: 'spawn', id, file, args: [...args], options: opts });
  return child as unknown as ChildProcess;
};
