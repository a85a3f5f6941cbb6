/**
 * keepalived's `script "</PATH"` form, checked natively (no shell):
 * - `</dev/tcp/HOST/PORT`: succeeds when a TCP connection to HOST:PORT is established
 *   (what bash does for the redirection; the connection is closed at once);
 * - `</dev/udp/HOST/PORT`: succeeds when a UDP socket can be connected (bash semantics:
 *   no packet is sent, so this only checks that HOST resolves);
 * - `</any/other/path`: succeeds when the file can be opened for reading.
 * Exit status semantics as the shell: 0 on success, 1 on failure.
 */
import { createSocket } from 'node:dgram';
import { constants as C, promises as fsp } from 'node:fs';
import { connect } from 'node:net';
import type { OpenCheck } from './argv.js';

export interface OpenCheckOutcome {
  ok: boolean;
  detail: string;
}

/** Run the check; `signal` aborts it (the caller's timeout). Never rejects. */
export async function runOpenCheck(check: OpenCheck, signal: AbortSignal): Promise<OpenCheckOutcome> {
  switch (check.kind) {
    case 'file':
      try {
        // O_NONBLOCK so that a FIFO with no writer does not hang the open.
        const fh = await fsp.open(check.path, C.O_RDONLY | C.O_NONBLOCK);
        await fh.close();
        return { ok: true, detail: `opened ${check.path}` };
      } catch (e) {
        return { ok: false, detail: `cannot open ${check.path}: ${(e as NodeJS.ErrnoException).code}` };
      }
    case 'tcp':
      return new Promise((resolve) => {
        const sock = connect({ host: check.host, port: check.port });
        const done = (o: OpenCheckOutcome): void => {
          signal.removeEventListener('abort', onAbort);
          sock.destroy();
          resolve(o);
        };
        const onAbort = (): void => done({ ok: false, detail: `connect to ${check.host}:${check.port} aborted` });
        signal.addEventListener('abort', onAbort, { once: true });
        sock.once('connect', () => done({ ok: true, detail: `connected to ${check.host}:${check.port}` }));
        sock.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, detail: `connect to ${check.host}:${check.port}: ${e.code ?? e.message}` }));
      });
    case 'udp':
      return new Promise((resolve) => {
        const family = check.host.includes(':') ? 'udp6' : 'udp4';
        const sock = createSocket(family);
        const done = (o: OpenCheckOutcome): void => {
          signal.removeEventListener('abort', onAbort);
          try {
            sock.close();
          } catch {
            /* already closed */
          }
          resolve(o);
        };
        const onAbort = (): void => done({ ok: false, detail: 'aborted' });
        signal.addEventListener('abort', onAbort, { once: true });
        sock.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, detail: `udp ${check.host}:${check.port}: ${e.code ?? e.message}` }));
        sock.connect(check.port, check.host, () => done({ ok: true, detail: `udp socket connected to ${check.host}:${check.port}` }));
      });
  }
}
