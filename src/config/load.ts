/**
 * Read a keepalived.conf (with includes) into the typed model plus its diagnostics.
 * `ok` is false when keepvip would refuse to run the configuration (any error).
 */
import { hostname } from 'node:os';
import { Diagnostics, type Diagnostic } from './diagnostics.js';
import { nodeFs, type ConfigFs } from './fs.js';
import type { ConfigEnv } from './env.js';
import type { ConfigModel } from './model.js';
import { preprocess } from './preprocess.js';
import { buildTree } from './tree.js';
import { emptyDraft } from './keywords/drafts.js';
import { parseTop } from './keywords/top.js';
import { resolve } from './resolve.js';

export interface LoadOptions {
  /** Config id for @ID lines (default: host name up to the first dot). */
  configId?: string;
  fs?: ConfigFs;
  env?: ConfigEnv;
  random?: () => number;
}

export interface LoadResult {
  model: ConfigModel;
  diagnostics: Diagnostic[];
  ok: boolean;
}

/** The config id keepalived uses by default: the node name up to the first dot. */
export function defaultConfigId(): string {
  return hostname().split('.')[0] ?? '';
}

/** Thrown when the main configuration file cannot be read at all. */
export class ConfigFileError extends Error {
  readonly code = 'config-file-unreadable' as const;
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot read configuration file ${path}: ${reason}`);
    this.name = 'ConfigFileError';
  }
}

export function loadConfig(path: string, opts: LoadOptions = {}): LoadResult {
  const diags = new Diagnostics();
  const fs = opts.fs ?? nodeFs;
  const configId = opts.configId ?? defaultConfigId();
  let pre;
  try {
    pre = preprocess(path, { fs, configId, ...(opts.random ? { random: opts.random } : {}) }, diags);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    throw new ConfigFileError(path, err.code ?? err.message ?? 'unknown error');
  }
  return finish(pre.lines, pre.files, diags, configId, opts.env ?? {});
}

/** Parse configuration text directly (tests, fuzzing). `name` is used in positions. */
export function parseConfigText(text: string, opts: LoadOptions & { name?: string } = {}): LoadResult {
  const name = opts.name ?? '/virtual/keepalived.conf';
  const fs: ConfigFs = opts.fs ?? {
    readFile: (p) => {
      if (p === name) return text;
      const err = new Error(`ENOENT: ${p}`) as Error & { code: string };
      err.code = 'ENOENT';
      throw err;
    },
    readdir: () => [],
    isDirectory: () => false,
  };
  return loadConfig(name, { ...opts, fs });
}

function finish(
  lines: Parameters<typeof buildTree>[0],
  files: string[],
  diags: Diagnostics,
  configId: string,
  env: ConfigEnv,
): LoadResult {
  const tree = buildTree(lines, diags);
  const draft = emptyDraft();
  parseTop(tree, { diags, draft, lvsNoted: false, seq: 0 });
  const model = resolve(draft, env, diags, files, configId);
  // Report in reading order: by file (as read), line, column; stable within a position.
  const fileIndex = (f: string) => {
    const i = files.indexOf(f);
    return i < 0 ? files.length : i;
  };
  const diagnostics = diags
    .all()
    .map((d, i) => ({ d, i }))
    .sort((a, b) => fileIndex(a.d.pos.file) - fileIndex(b.d.pos.file) || a.d.pos.line - b.d.pos.line || a.d.pos.col - b.d.pos.col || a.i - b.i)
    .map((x) => x.d);
  return { model, diagnostics, ok: !diags.hasErrors() };
}
