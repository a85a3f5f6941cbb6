/**
 * Turn a configured script (argv + optional user/group) into something runnable:
 * resolve the user it runs as (users.ts), then apply keepalived's file checks
 * (security.ts). A refused script carries a stable code and the reason; keepalived drops
 * such a tracking script from every instance and never runs such a notify script.
 */
import { IdentityError, resolveScriptIdentity, type ScriptIdentityOptions } from './users.js';
import { checkScript, type ScriptCheckCode } from './security.js';
import type { IdentityErrorCode } from './users.js';

export interface ScriptCommandInput {
  argv: readonly string[];
  user?: string;
  group?: string;
}

export interface ScriptGlobals extends ScriptIdentityOptions {
  /** PATH for bare command names (default: the daemon's PATH). */
  pathEnv?: string;
}

export type PreparedScript =
  | {
      ok: true;
      argv: string[];
      /** Set only when different from the daemon's own ids (then both are set). */
      uid?: number;
      gid?: number;
      user: string;
      warnings: string[];
      /** Unsafe path tolerated because enable_script_security is off. */
      insecure: boolean;
    }
  | { ok: false; code: ScriptCheckCode | IdentityErrorCode; reason: string };

export async function prepareScript(cmd: ScriptCommandInput, globals: ScriptGlobals): Promise<PreparedScript> {
  let id;
  try {
    id = resolveScriptIdentity({ user: cmd.user, group: cmd.group }, globals);
  } catch (e) {
    if (e instanceof IdentityError) return { ok: false, code: e.code, reason: e.message };
    throw e;
  }
  const check = await checkScript(cmd.argv, { uid: id.uid, gid: id.gid, enforce: globals.enableScriptSecurity, pathEnv: globals.pathEnv });
  if (!check.ok) return check;
  const self = globals.self ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const out: PreparedScript = {
    ok: true,
    argv: [check.program, ...cmd.argv.slice(1)],
    user: id.user,
    warnings: check.warnings,
    insecure: check.insecure,
  };
  if (id.uid !== self.uid || id.gid !== self.gid) {
    out.uid = id.uid;
    out.gid = id.gid;
  }
  return out;
}
