/**
 * Resolve the user/group a script runs as, with keepalived's rules:
 * - a script's own `user USER [GROUP]` wins; GROUP defaults to the user's primary group;
 * - else global `script_user USER [GROUP]`;
 * - else user `keepalived_script` if it exists, else the daemon's own uid/gid (root);
 * - with `enable_script_security`, a script with no explicit user when neither
 *   script_user is set nor keepalived_script exists is refused (keepalived 2.2.7 logs
 *   "Unable to set default user keepalived_script for script" and removes it).
 * Names are looked up in /etc/passwd and /etc/group (files only, no NSS modules);
 * numeric ids are accepted as they are.
 */
import { readFileSync } from 'node:fs';

export interface Identity {
  uid: number;
  gid: number;
  /** For messages. */
  user: string;
}

export type IdentityErrorCode = 'KV_SCRIPT_UNKNOWN_USER' | 'KV_SCRIPT_UNKNOWN_GROUP' | 'KV_SCRIPT_NO_DEFAULT_USER';

export class IdentityError extends Error {
  readonly code: IdentityErrorCode;
  constructor(code: IdentityErrorCode, message: string) {
    super(message);
    this.name = 'IdentityError';
    this.code = code;
  }
}

export interface UserDb {
  user(name: string): { uid: number; gid: number } | undefined;
  group(name: string): number | undefined;
}

function parseColonFile(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/** A user database read from passwd/group files (default /etc). */
export function fileUserDb(passwdPath = '/etc/passwd', groupPath = '/etc/group'): UserDb {
  const read = (p: string): string[][] => {
    try {
      return parseColonFile(readFileSync(p, 'utf8'));
    } catch {
      return [];
    }
  };
  return {
    user(name) {
      if (/^[0-9]+$/.test(name)) {
        const uid = Number(name);
        const row = read(passwdPath).find((r) => Number(r[2]) === uid);
        return { uid, gid: row ? Number(row[3]) : uid };
      }
      const row = read(passwdPath).find((r) => r[0] === name);
      return row ? { uid: Number(row[2]), gid: Number(row[3]) } : undefined;
    },
    group(name) {
      if (/^[0-9]+$/.test(name)) return Number(name);
      const row = read(groupPath).find((r) => r[0] === name);
      return row ? Number(row[2]) : undefined;
    },
  };
}

export interface ScriptIdentityOptions {
  /** global_defs script_user USER [GROUP]. */
  scriptUser?: { user: string; group?: string };
  enableScriptSecurity: boolean;
  db?: UserDb;
  /** The daemon's own ids (default process.getuid/getgid). */
  self?: { uid: number; gid: number };
}

function lookup(db: UserDb, user: string, group?: string): Identity {
  const u = db.user(user);
  if (!u) throw new IdentityError('KV_SCRIPT_UNKNOWN_USER', `script user '${user}' does not exist`);
  let gid = u.gid;
  if (group !== undefined) {
    const g = db.group(group);
    if (g === undefined) throw new IdentityError('KV_SCRIPT_UNKNOWN_GROUP', `script group '${group}' does not exist`);
    gid = g;
  }
  return { uid: u.uid, gid, user };
}

/** The identity a script runs as, or an IdentityError. */
export function resolveScriptIdentity(own: { user?: string; group?: string }, opts: ScriptIdentityOptions): Identity {
  const db = opts.db ?? fileUserDb();
  if (own.user !== undefined) return lookup(db, own.user, own.group);
  if (opts.scriptUser) return lookup(db, opts.scriptUser.user, opts.scriptUser.group);
  if (db.user('keepalived_script')) return lookup(db, 'keepalived_script');
  if (opts.enableScriptSecurity) {
    throw new IdentityError(
      'KV_SCRIPT_NO_DEFAULT_USER',
      "enable_script_security is set but neither script_user nor user 'keepalived_script' exists: set the script's user",
    );
  }
  const self = opts.self ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  return { uid: self.uid, gid: self.gid, user: String(self.uid) };
}
