/**
 * Script checks done before a script is first run, as keepalived 2.2.7's
 * check_script_secure() does (observed on the Debian package; docs/tracking.md):
 *
 * - a bare name (no `/`) is searched in PATH, with a warning;
 * - the script must exist (realpath) and be a regular file executable by the user it
 *   runs as ("not executable for uid:gid" otherwise): refused;
 * - if it runs as root (uid 0 or gid 0), or is setuid root / setgid root, every
 *   component of its real path, from `/` down, is checked: each must be owned by root,
 *   and a regular file or a directory without the sticky bit must be neither
 *   world-writable nor group-writable by a non-root group. (So /tmp, root-owned and
 *   sticky, is fine; a root-owned 0775 directory with group root is fine.)
 *   With `enable_script_security` an unsafe script is refused ("Unsafe permissions
 *   found for script ... - disabling"); without it keepalived runs it and only warns.
 *
 * keepalived then drops a refused tracking script from every instance that tracks it
 * (the instance behaves as if it did not track it) and never runs a refused notify script.
 * All I/O is asynchronous.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { openCheckOf } from './argv.js';

export type ScriptCheckCode = 'KV_SCRIPT_NOT_FOUND' | 'KV_SCRIPT_NOT_EXECUTABLE' | 'KV_SCRIPT_INSECURE' | 'KV_SCRIPT_WRONG_TYPE';

export type ScriptCheck =
  | {
      ok: true;
      /** The program to execute (PATH-resolved when the command was a bare name). */
      program: string;
      /** The script's real path (symlinks resolved), or undefined for an open check. */
      realPath?: string;
      /** Non-fatal findings (PATH search, unsafe permissions without enforcement). */
      warnings: string[];
      /** True when the path is unsafe but enforcement is off (keepalived's "SECURITY VIOLATION"). */
      insecure: boolean;
    }
  | { ok: false; code: ScriptCheckCode; reason: string };

export interface ScriptCheckOptions {
  uid: number;
  gid: number;
  /** global enable_script_security. */
  enforce: boolean;
  /** PATH used for bare names (default: the daemon's PATH). */
  pathEnv?: string;
}

// Mode bits (stat(2)); not all are exported by node:fs constants.
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function executableBy(st: { mode: number; uid: number; gid: number }, uid: number, gid: number): boolean {
  const m = st.mode;
  if (uid === 0) return (m & 0o111) !== 0;
  if (st.uid === uid) return (m & 0o100) !== 0;
  if (st.gid === gid) return (m & 0o010) !== 0;
  return (m & 0o001) !== 0;
}

async function searchPath(name: string, pathEnv: string, uid: number, gid: number): Promise<string | undefined> {
  for (const dir of pathEnv.split(':')) {
    const candidate = path.join(dir || '.', name);
    try {
      const st = await fsp.stat(candidate);
      if (st.isFile() && executableBy(st, uid, gid)) return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * Why `realPath` is unsafe for a script run as root, or undefined when it is safe.
 * Walks `/`, `/a`, `/a/b`, ... (the path must already be resolved by realpath).
 */
export async function unsafePathReason(realPath: string): Promise<{ code: ScriptCheckCode; reason: string } | undefined> {
  const parts = realPath.split('/').filter(Boolean);
  const prefixes = ['/', ...parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'))];
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    const last = i === prefixes.length - 1;
    let st;
    try {
      st = await fsp.lstat(p);
    } catch (e) {
      return { code: 'KV_SCRIPT_NOT_FOUND', reason: `cannot stat '${p}': ${(e as NodeJS.ErrnoException).code}` };
    }
    const isDir = st.isDirectory();
    const isReg = st.isFile();
    if ((!last && !isDir) || (last && !isReg && !st.isSymbolicLink())) {
      return { code: 'KV_SCRIPT_WRONG_TYPE', reason: `wrong file type in script path: '${p}'` };
    }
    if (st.uid !== 0) return { code: 'KV_SCRIPT_INSECURE', reason: `'${p}' is owned by uid ${st.uid}, not root` };
    const checked = (isDir && (st.mode & S_ISVTX) === 0) || isReg;
    if (checked && (st.mode & 0o002) !== 0) return { code: 'KV_SCRIPT_INSECURE', reason: `'${p}' is writable by everyone` };
    if (checked && st.gid !== 0 && (st.mode & 0o020) !== 0) {
      return { code: 'KV_SCRIPT_INSECURE', reason: `'${p}' is writable by group ${st.gid}` };
    }
  }
  return undefined;
}

export async function checkScript(argv: readonly string[], opts: ScriptCheckOptions): Promise<ScriptCheck> {
  if (openCheckOf(argv)) return { ok: true, program: argv[0]!, warnings: [], insecure: false };
  const warnings: string[] = [];
  let program = argv[0]!;
  if (!program.includes('/')) {
    const found = await searchPath(program, opts.pathEnv ?? process.env.PATH ?? DEFAULT_PATH, opts.uid, opts.gid);
    if (!found) return { ok: false, code: 'KV_SCRIPT_NOT_FOUND', reason: `cannot find script '${program}' in PATH` };
    warnings.push(`script '${program}' resolved by PATH search to '${found}'; specify the full path`);
    program = found;
  }
  let realPath: string;
  try {
    realPath = await fsp.realpath(program);
  } catch (e) {
    return { ok: false, code: 'KV_SCRIPT_NOT_FOUND', reason: `script '${program}' cannot be accessed: ${(e as NodeJS.ErrnoException).code}` };
  }
  const st = await fsp.stat(realPath);
  if (!st.isFile()) return { ok: false, code: 'KV_SCRIPT_WRONG_TYPE', reason: `script '${program}' is not a regular file` };
  if (!executableBy(st, opts.uid, opts.gid)) {
    return {
      ok: false,
      code: 'KV_SCRIPT_NOT_EXECUTABLE',
      reason: `script '${program}' is not executable for uid:gid ${opts.uid}:${opts.gid}`,
    };
  }
  const needProtection =
    opts.uid === 0 || opts.gid === 0 || ((st.mode & S_ISUID) !== 0 && st.uid === 0) || ((st.mode & S_ISGID) !== 0 && st.gid === 0);
  let insecure = false;
  if (needProtection) {
    const bad = await unsafePathReason(realPath);
    if (bad) {
      if (opts.enforce || bad.code !== 'KV_SCRIPT_INSECURE') {
        return { ok: false, code: bad.code, reason: `unsafe permissions for script '${realPath}': ${bad.reason}` };
      }
      insecure = true;
      warnings.push(`unsafe permissions for script '${realPath}': ${bad.reason} (enable_script_security would refuse it)`);
    }
  }
  return { ok: true, program, realPath, warnings, insecure };
}
