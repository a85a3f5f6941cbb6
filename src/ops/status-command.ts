/**
 * `keepvip status [--json]`: ask the running daemon over the control socket and print
 * its status. Exit codes (the container HEALTHCHECK relies on them):
 *   0  the daemon answered;
 *   1  no daemon reachable on the socket (missing, refused, permission denied, timeout);
 *   2  the daemon answered with an error or something unreadable.
 */
import { controlRequest, DEFAULT_CONTROL_SOCKET } from './control.js';
import { OpsError } from './errors.js';
import { formatStatusTable } from './status-format.js';

export const EXIT_OK = 0;
export const EXIT_UNREACHABLE = 1;
export const EXIT_BAD_ANSWER = 2;

export interface StatusCommandOptions {
  socketPath?: string;
  json?: boolean;
  timeoutMs?: number;
  out?: { write(s: string): unknown };
  err?: { write(s: string): unknown };
}

export async function runStatusCommand(opts: StatusCommandOptions = {}): Promise<number> {
  const path = opts.socketPath ?? DEFAULT_CONTROL_SOCKET;
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  try {
    const res = await controlRequest(path, { cmd: 'status' }, { timeoutMs: opts.timeoutMs ?? 5_000 });
    if (!res.ok) {
      err.write(`keepvip status: daemon error ${res.error.code}: ${res.error.message}\n`);
      return EXIT_BAD_ANSWER;
    }
    if (res.cmd !== 'status' || !res.result || !Array.isArray(res.result.instances)) {
      err.write('keepvip status: unexpected answer from the daemon\n');
      return EXIT_BAD_ANSWER;
    }
    out.write(opts.json ? `${JSON.stringify(res.result, null, 2)}\n` : formatStatusTable(res.result));
    return EXIT_OK;
  } catch (e) {
    const code = e instanceof OpsError ? e.code : 'INTERNAL';
    err.write(`keepvip status: ${(e as Error).message}\n`);
    return code === 'CONTROL_UNREACHABLE' || code === 'CONTROL_TIMEOUT' ? EXIT_UNREACHABLE : EXIT_BAD_ANSWER;
  }
}
