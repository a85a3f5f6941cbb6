/**
 * `keepvip dump [--json] [--data] [--stats] [--file PATH] [--stdout]`: ask the running
 * daemon for its keepalived-compatible dumps over the control socket and write them where
 * keepalived writes them (/tmp/keepalived.json, .data, .stats; `dump_dir` of the
 * configuration when set), or to --file. keepalived writes its JSON dump on a real-time
 * signal Node cannot catch; this is keepvip's way to the same file (and to the other two
 * without signalling the daemon, which under systemd's PrivateTmp writes to its own /tmp).
 *
 * The file is written by this command (as the operator who runs it), with the daemon's
 * safeguards: O_NOFOLLOW, mode 0600, the text refused if it holds a configured secret.
 *
 * Exit codes: 0 every dump written; 1 no daemon reachable; 2 the daemon answered with an
 * error or something unreadable; 3 a file could not be written.
 */
import { controlRequest, DEFAULT_CONTROL_SOCKET } from './control.js';
import { dumpPath, writeDumpText, type DumpFormat } from './dumps.js';
import { OpsError } from './errors.js';
import type { SecretLike } from './redact.js';

export const DUMP_EXIT = { OK: 0, UNREACHABLE: 1, BAD_ANSWER: 2, WRITE_FAILED: 3 } as const;

export interface DumpCommandOptions {
  /** Which dumps (in this order); default ['json']. */
  formats?: DumpFormat[];
  socketPath?: string;
  /** Write here instead of the default path (one format only). */
  file?: string;
  /** `keepvip_defs { dump_dir }` of the configuration, for the default paths. */
  dumpDir?: string;
  /** Print the text instead of writing a file. */
  stdout?: boolean;
  /** Secret values of the configuration: a dump holding one is not written. */
  secrets?: readonly SecretLike[];
  timeoutMs?: number;
  out?: { write(s: string): unknown };
  err?: { write(s: string): unknown };
}

export async function runDumpCommand(opts: DumpCommandOptions = {}): Promise<number> {
  const formats = opts.formats?.length ? [...new Set(opts.formats)] : (['json'] as DumpFormat[]);
  const path = opts.socketPath ?? DEFAULT_CONTROL_SOCKET;
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  if (opts.file !== undefined && (formats.length !== 1 || opts.stdout)) {
    err.write('keepvip dump: --file takes exactly one of --json, --data, --stats, and not --stdout\n');
    return DUMP_EXIT.BAD_ANSWER;
  }
  for (const format of formats) {
    let text: string;
    try {
      const res = await controlRequest(path, { cmd: 'dump', format }, { timeoutMs: opts.timeoutMs ?? 5_000 });
      if (!res.ok) {
        err.write(`keepvip dump: daemon error ${res.error.code}: ${res.error.message}\n`);
        return DUMP_EXIT.BAD_ANSWER;
      }
      if (res.cmd !== 'dump' || res.result?.format !== format || typeof res.result.text !== 'string') {
        err.write('keepvip dump: unexpected answer from the daemon\n');
        return DUMP_EXIT.BAD_ANSWER;
      }
      text = res.result.text;
    } catch (e) {
      const code = e instanceof OpsError ? e.code : 'INTERNAL';
      err.write(`keepvip dump: ${(e as Error).message}\n`);
      return code === 'CONTROL_UNREACHABLE' || code === 'CONTROL_TIMEOUT' ? DUMP_EXIT.UNREACHABLE : DUMP_EXIT.BAD_ANSWER;
    }
    if (opts.stdout) {
      out.write(text.endsWith('\n') ? text : `${text}\n`);
      continue;
    }
    const file = opts.file ?? dumpPath(format, opts.dumpDir);
    try {
      await writeDumpText(file, text, opts.secrets);
    } catch (e) {
      err.write(`keepvip dump: ${(e as Error).message}\n`);
      return DUMP_EXIT.WRITE_FAILED;
    }
    out.write(`${format} dump written to ${file}\n`);
  }
  return DUMP_EXIT.OK;
}
