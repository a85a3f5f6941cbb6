/**
 * keepalived-compatible dumps: SIGUSR1 writes the data file, SIGUSR2 the stats file, and
 * the JSON dump is written on request (Node cannot catch keepalived's real-time JSON
 * signal; `keepvip` serves it over the control socket as `{"cmd":"dump","format":"json"}`,
 * and `keepvip dump --json` (dump-command.ts) fetches it and writes /tmp/keepalived.json).
 *
 * Files are opened with O_NOFOLLOW and mode 0600 (a root daemon writing a fixed name in
 * /tmp must not follow a planted symlink), and the text is checked against the daemon's
 * known secret values before anything is written.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { OpsError } from './errors.js';
import { formatDataDump } from './dump-data.js';
import { formatJsonDump } from './dump-json.js';
import { formatStatsDump } from './dump-stats.js';
import { SecretScrubber, type SecretLike } from './redact.js';
import type { StatusSnapshot } from './status.js';
import type { ConfigModel } from '../config/model.js';

export type DumpFormat = 'data' | 'stats' | 'json';

export const DEFAULT_DUMP_PATHS: Record<DumpFormat, string> = {
  data: '/tmp/keepalived.data',
  stats: '/tmp/keepalived.stats',
  json: '/tmp/keepalived.json',
};

/** Where a dump goes: `DIR/keepalived.FORMAT` with `keepvip_defs { dump_dir DIR }`, else keepalived's path. */
export function dumpPath(format: DumpFormat, dumpDir?: string): string {
  return dumpDir ? `${dumpDir.replace(/\/+$/, '')}/keepalived.${format}` : DEFAULT_DUMP_PATHS[format];
}

/** The secret values a configuration holds (auth_pass, cloud passwords and keys): never in a dump or a log line. */
export function configSecrets(model: ConfigModel): string[] {
  const out: string[] = [];
  for (const i of model.instances) if (i.auth?.password) out.push(i.auth.password);
  for (const p of model.cloudProviders) {
    for (const v of [p.password, p.secretKey, p.accessKey, p.applicationCredentialSecret]) if (v) out.push(v);
  }
  return out;
}

/** Which dump each signal writes (as keepalived: USR1 data, USR2 stats). */
export const DUMP_SIGNALS = { SIGUSR1: 'data', SIGUSR2: 'stats' } as const satisfies Partial<
  Record<NodeJS.Signals, DumpFormat>
>;

export function formatDump(format: DumpFormat, s: StatusSnapshot): string {
  switch (format) {
    case 'data':
      return formatDataDump(s);
    case 'stats':
      return formatStatsDump(s);
    case 'json':
      return formatJsonDump(s);
  }
}

/** Throws DUMP_SECRET_LEAK when text contains one of the given secret values. */
export function assertNoSecrets(text: string, secrets: readonly SecretLike[]): void {
  const sc = new SecretScrubber();
  for (const s of secrets) sc.add(s);
  if (sc.find(text) !== undefined) {
    throw new OpsError('DUMP_SECRET_LEAK', 'dump text contains a configured secret; not written');
  }
}

export interface WriteDumpOptions {
  /** Secret values that must not appear (auth_pass, cloud SK, tokens). */
  secrets?: readonly SecretLike[];
  /** Override the default path for this format. */
  path?: string;
}

/** Render and write one dump; returns the path written. */
export async function writeDump(format: DumpFormat, s: StatusSnapshot, opts: WriteDumpOptions = {}): Promise<string> {
  const path = opts.path ?? DEFAULT_DUMP_PATHS[format];
  await writeDumpText(path, formatDump(format, s), opts.secrets);
  return path;
}

/**
 * Write dump text (rendered here or by the daemon over the control socket): checked for
 * secrets, O_NOFOLLOW, mode 0600, truncated in place.
 */
export async function writeDumpText(path: string, text: string, secrets: readonly SecretLike[] = []): Promise<void> {
  assertNoSecrets(text, secrets);
  let fh;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    await fh.chmod(0o600);
    await fh.writeFile(text, 'utf8');
  } catch (e) {
    throw new OpsError('DUMP_WRITE_FAILED', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    await fh?.close();
  }
}
