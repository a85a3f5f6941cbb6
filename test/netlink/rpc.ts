/**
 * Test-side handle on driver.ts running inside a lab namespace: JSON lines over the
 * driver's stdin/stdout. The driver runs as `node --import tsx` (one process, so the PID
 * the lab stops is the driver itself, not a launcher).
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Lab } from '../helpers/netns.js';

const DRIVER = fileURLToPath(new URL('./driver.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface DriverError {
  name?: string;
  code?: string;
  message?: string;
  errno?: string;
  path?: string;
}

export class RpcError extends Error {
  constructor(readonly detail: DriverError) {
    super(`${detail.code ?? detail.name ?? 'Error'}: ${detail.message ?? ''}`);
  }
}

export type DriverEvent = Record<string, unknown> & { type: string };

export class Driver {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly events: DriverEvent[] = [];
  private eventWaiters: Array<{ pred: (e: DriverEvent) => boolean; resolve: (e: DriverEvent) => void }> = [];
  stderr = '';

  private constructor(
    private readonly lab: Lab,
    readonly child: ChildProcess,
  ) {}

  /** `prefix` runs before node, e.g. ['prlimit', '--core=0'] (it must exec node, keeping the PID). */
  static async start(lab: Lab, ns: string, prefix: string[] = []): Promise<Driver> {
    const child = lab.spawn(ns, [...prefix, process.execPath, '--import', 'tsx', DRIVER], {
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: REPO,
    });
    const d = new Driver(lab, child);
    child.stderr!.on('data', (b: Buffer) => {
      d.stderr += b.toString();
    });
    const ready = new Promise<void>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      rl.on('line', (line) => {
        let msg: { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: DriverError; event?: DriverEvent };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          return;
        }
        if (msg.ready) return resolve();
        if (msg.event) return d.onEvent(msg.event);
        const w = msg.id !== undefined ? d.waiting.get(msg.id) : undefined;
        if (!w) return;
        d.waiting.delete(msg.id!);
        if (msg.ok) w.resolve(msg.result);
        else w.reject(new RpcError(msg.error ?? {}));
      });
      child.once('exit', (code) => {
        const err = new Error(`driver exited (${code}): ${d.stderr}`);
        reject(err);
        for (const w of d.waiting.values()) w.reject(err);
        d.waiting.clear();
      });
    });
    await ready;
    return d;
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Wait for an event matching `pred` (including ones already received), or fail after `ms`. */
  waitEvent(pred: (e: DriverEvent) => boolean, ms = 5000): Promise<DriverEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.eventWaiters.push(w);
      setTimeout(() => {
        this.eventWaiters = this.eventWaiters.filter((x) => x !== w);
        reject(new Error(`no matching event in ${ms} ms; got ${JSON.stringify(this.events)}`));
      }, ms).unref();
    });
  }

  clearEvents(): void {
    this.events.length = 0;
  }

  async stop(): Promise<void> {
    await this.lab.stop(this.child);
  }

  private onEvent(e: DriverEvent): void {
    this.events.push(e);
    for (const w of [...this.eventWaiters]) {
      if (w.pred(e)) {
        this.eventWaiters = this.eventWaiters.filter((x) => x !== w);
        w.resolve(e);
      }
    }
  }
}
