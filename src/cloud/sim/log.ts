/**
 * The simulator's request log: one entry per request with high-resolution wall-clock
 * timestamps (epoch ms, fractional), so a test can measure how soon after a VRRP
 * transition a claim reached the wire. Entries never hold headers or bodies.
 */
import { EventEmitter } from 'node:events';
import type { SimApi } from './faults.js';

export interface SimLogEntry {
  seq: number;
  /** Arrival, epoch ms (performance.timeOrigin + performance.now()). */
  at: number;
  /** Answer sent (or connection closed), epoch ms. */
  doneAt?: number;
  method: string;
  path: string;
  query: string;
  api: SimApi;
  /** 0 when the client went away before an answer. */
  status: number;
  requestId: string;
  /** Server id for metadata requests. */
  instance?: string;
  /** Error code answered, if any. */
  code?: string;
  faults: string[];
  remoteAddress?: string;
}

export function nowEpochMs(): number {
  return performance.timeOrigin + performance.now();
}

export class RequestLog extends EventEmitter {
  private entries: SimLogEntry[] = [];
  private seq = 0;
  /** Oldest entries are dropped beyond this. */
  limit = 100_000;

  begin(e: Omit<SimLogEntry, 'seq' | 'at' | 'status' | 'faults'>): SimLogEntry {
    const entry: SimLogEntry = { ...e, seq: ++this.seq, at: nowEpochMs(), status: 0, faults: [] };
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    return entry;
  }

  finish(entry: SimLogEntry, status: number, code?: string): void {
    entry.status = status;
    entry.doneAt = nowEpochMs();
    if (code) entry.code = code;
    this.emit('entry', entry);
  }

  all(): SimLogEntry[] {
    return this.entries.map((e) => ({ ...e, faults: [...e.faults] }));
  }

  clear(): void {
    this.entries = [];
  }

  /** Resolve with the first finished entry (past or future) matching the predicate. */
  waitFor(pred: (e: SimLogEntry) => boolean, timeoutMs = 10_000): Promise<SimLogEntry> {
    const found = this.entries.find((e) => e.doneAt !== undefined && pred(e));
    if (found) return Promise.resolve({ ...found });
    return new Promise((resolve, reject) => {
      const onEntry = (e: SimLogEntry): void => {
        if (!pred(e)) return;
        clearTimeout(timer);
        this.off('entry', onEntry);
        resolve({ ...e });
      };
      const timer = setTimeout(() => {
        this.off('entry', onEntry);
        reject(new Error(`no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('entry', onEntry);
    });
  }
}
