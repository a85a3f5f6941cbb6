/**
 * IP forwarding through /proc/sys, for keepalived's forwarding handling: forwarding is
 * turned off while an instance is BACKUP or FAULT and put back when it becomes MASTER,
 * then put back again on exit. "Put back" always means the value found at start-up: a
 * host that did not forward before keepvip started never starts forwarding because of it.
 *
 * Knobs (Documentation/networking/ip-sysctl.rst):
 * - global scope:    net.ipv4.ip_forward, net.ipv6.conf.all.forwarding
 * - interface scope: net.ipv4.conf.IF.forwarding, net.ipv6.conf.IF.forwarding
 *
 * Linux side effects of the global knobs, which the manager undoes (`preserveInterfaces`,
 * on by default):
 * - Writing net.ipv4.ip_forward (or net.ipv4.conf.all.forwarding) with a new value copies
 *   it into net.ipv4.conf.default.forwarding and into net.ipv4.conf.IF.forwarding of EVERY
 *   interface, and sets net.ipv4.conf.all.accept_redirects to its inverse
 *   (inet_forward_change() in net/ipv4/devinet.c). Per-interface forwarding settings made
 *   by the administrator are lost.
 * - Writing net.ipv6.conf.all.forwarding copies the value into conf.default and every
 *   interface's conf.IF.forwarding (addrconf_forward_change() in net/ipv6/addrconf.c),
 *   which also changes whether each interface acts as a router (all-routers group,
 *   Router flag in NAs, RA handling with accept_ra=1).
 * - Writing the value a knob already has does nothing, so the manager skips such writes.
 * So the manager records every interface's forwarding (and IPv4 all.accept_redirects) at
 * start-up when it manages a global knob; `restore()` writes the global knob first and then
 * those recorded values, and `disable()` puts accept_redirects back after its global write.
 * Interfaces created after start-up keep whatever the kernel gave them.
 *
 * All file access is asynchronous except `restoreOnExitSync`, meant for a process 'exit'
 * handler where nothing asynchronous can run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Family } from '../../core/ip.js';

export type SysctlErrorCode =
  /** The knob could not be read (ENOENT: no such interface or IPv6 disabled; EACCES ...). */
  | 'SYSCTL_READ_FAILED'
  /** The knob could not be written (EACCES/EPERM: not root; EROFS: read-only /proc/sys ...). */
  | 'SYSCTL_WRITE_FAILED'
  /** The file did not hold an integer. */
  | 'SYSCTL_BAD_VALUE'
  /** An interface name that cannot name a /proc/sys directory. */
  | 'SYSCTL_BAD_NAME';

export class SysctlError extends Error {
  override readonly name = 'SysctlError';
  constructor(
    readonly code: SysctlErrorCode,
    /** The file that failed. */
    readonly path: string,
    message: string,
    /** errno name from the file system (ENOENT, EACCES, EROFS ...). */
    readonly errno?: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** What to manage: a family, and an interface for interface scope (none = global scope). */
export interface ForwardingTarget {
  family: Family;
  ifname?: string;
}

export interface SysctlKnob {
  /** sysctl(8) name, e.g. net.ipv4.conf.eth0.forwarding (display only: names may hold dots). */
  key: string;
  path: string;
  family: Family;
  /** Global knobs propagate to every interface when written. */
  global: boolean;
}

export const DEFAULT_PROC_SYS = '/proc/sys';

function checkIfname(ifname: string, root: string): void {
  if (ifname.length === 0 || ifname.length > 15 || ifname.includes('/') || ifname === '.' || ifname === '..' || /\s/.test(ifname)) {
    throw new SysctlError('SYSCTL_BAD_NAME', join(root, 'net'), `bad interface name "${ifname}"`);
  }
}

/** The forwarding knob for a target. */
export function forwardingKnob(t: ForwardingTarget, root = DEFAULT_PROC_SYS): SysctlKnob {
  const v = t.family === 4 ? 'ipv4' : 'ipv6';
  if (t.ifname === undefined) {
    return t.family === 4
      ? { key: 'net.ipv4.ip_forward', path: join(root, 'net/ipv4/ip_forward'), family: 4, global: true }
      : { key: 'net.ipv6.conf.all.forwarding', path: join(root, 'net/ipv6/conf/all/forwarding'), family: 6, global: true };
  }
  checkIfname(t.ifname, root);
  return { key: `net.${v}.conf.${t.ifname}.forwarding`, path: join(root, 'net', v, 'conf', t.ifname, 'forwarding'), family: t.family, global: false };
}

function errnoOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

function parseValue(path: string, text: string): number {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) throw new SysctlError('SYSCTL_BAD_VALUE', path, `expected an integer, found "${t.slice(0, 40)}"`);
  return Number(t);
}

/** Read an integer sysctl. */
export async function readSysctl(path: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new SysctlError('SYSCTL_READ_FAILED', path, `cannot read: ${errnoOf(e) ?? String(e)}`, errnoOf(e));
  }
  return parseValue(path, text);
}

/** Write an integer sysctl (one write, as procfs wants). */
export async function writeSysctl(path: string, value: number): Promise<void> {
  try {
    await writeFile(path, `${value}\n`);
  } catch (e) {
    throw new SysctlError('SYSCTL_WRITE_FAILED', path, `cannot write ${value}: ${errnoOf(e) ?? String(e)}`, errnoOf(e));
  }
}

export interface ForwardingChange {
  key: string;
  path: string;
  from: number;
  to: number;
}

export interface ExitReport {
  changes: ForwardingChange[];
  errors: SysctlError[];
}

export interface ForwardingOptions {
  /** Root of the sysctl tree (default /proc/sys); tests point it at a directory of their own. */
  procSysRoot?: string;
  /** Record and put back what global writes clobber (default true; see the module comment). */
  preserveInterfaces?: boolean;
}

interface Recorded {
  knob: SysctlKnob;
  startup: number;
  /** A side-effect knob (recorded because a global write clobbers it), not a managed one. */
  preserved: boolean;
  /** Put back after a disable() as well (accept_redirects: not part of "forwarding off"). */
  afterDisable: boolean;
}

/**
 * Records forwarding values at start-up; `disable()` writes 0 (BACKUP/FAULT), `restore()`
 * writes the start-up values back (MASTER), `restoreOnExit()` does the same at shutdown,
 * carrying on past errors. Calls are serialized.
 */
export class ForwardingManager {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly recorded: Recorded[]) {}

  /** Read and record the start-up values. Fails when a managed knob cannot be read. */
  static async create(targets: readonly ForwardingTarget[], opts: ForwardingOptions = {}): Promise<ForwardingManager> {
    const root = opts.procSysRoot ?? DEFAULT_PROC_SYS;
    const managed = dedupe(targets.map((t) => forwardingKnob(t, root)));
    // Globals first: a global write clobbers the per-interface values, never the reverse.
    managed.sort((a, b) => Number(b.global) - Number(a.global));
    const recorded: Recorded[] = [];
    for (const knob of managed) recorded.push({ knob, startup: await readSysctl(knob.path), preserved: false, afterDisable: false });
    if (opts.preserveInterfaces !== false) {
      const managedPaths = new Set(managed.map((k) => k.path));
      for (const family of [4, 6] as const) {
        if (!managed.some((k) => k.global && k.family === family)) continue;
        for (const { knob, afterDisable } of await sideEffectKnobs(root, family)) {
          if (managedPaths.has(knob.path)) continue;
          try {
            recorded.push({ knob, startup: await readSysctl(knob.path), preserved: true, afterDisable });
          } catch {
            /* an interface that vanished while we listed: nothing to preserve */
          }
        }
      }
    }
    return new ForwardingManager(recorded);
  }

  /** The managed knobs and their start-up values, globals first. */
  get startup(): ReadonlyArray<{ key: string; path: string; value: number }> {
    return this.recorded.filter((r) => !r.preserved).map((r) => ({ key: r.knob.key, path: r.knob.path, value: r.startup }));
  }

  /** The side-effect knobs recorded at start-up (see the module comment). */
  get preserved(): ReadonlyArray<{ key: string; path: string; value: number }> {
    return this.recorded.filter((r) => r.preserved).map((r) => ({ key: r.knob.key, path: r.knob.path, value: r.startup }));
  }

  /** Current values of the managed knobs. */
  read(): Promise<Array<{ key: string; path: string; value: number }>> {
    return this.serial(async () => {
      const out = [];
      for (const r of this.recorded) if (!r.preserved) out.push({ key: r.knob.key, path: r.knob.path, value: await readSysctl(r.knob.path) });
      return out;
    });
  }

  /** Forwarding off (BACKUP / FAULT). Returns the writes made. */
  disable(): Promise<ForwardingChange[]> {
    return this.serial(async () => {
      const changes: ForwardingChange[] = [];
      for (const r of this.recorded) if (!r.preserved) await set(r.knob, 0, changes);
      for (const r of this.recorded) if (r.preserved && r.afterDisable) await setIfPresent(r.knob, r.startup, changes);
      return changes;
    });
  }

  /** Start-up values back (MASTER). Returns the writes made. */
  restore(): Promise<ForwardingChange[]> {
    return this.serial(async () => {
      const changes: ForwardingChange[] = [];
      for (const r of this.ordered()) {
        if (r.preserved) await setIfPresent(r.knob, r.startup, changes);
        else await set(r.knob, r.startup, changes);
      }
      return changes;
    });
  }

  /** Start-up values back at shutdown; every knob is tried even when some fail. */
  restoreOnExit(): Promise<ExitReport> {
    return this.serial(async () => {
      const report: ExitReport = { changes: [], errors: [] };
      for (const r of this.ordered()) {
        try {
          if (r.preserved) await setIfPresent(r.knob, r.startup, report.changes);
          else await set(r.knob, r.startup, report.changes);
        } catch (e) {
          report.errors.push(e as SysctlError);
        }
      }
      return report;
    });
  }

  /** restoreOnExit for a process 'exit' handler (synchronous file access). */
  restoreOnExitSync(): ExitReport {
    const report: ExitReport = { changes: [], errors: [] };
    for (const r of this.ordered()) {
      let current: number;
      try {
        current = parseValue(r.knob.path, readFileSync(r.knob.path, 'utf8'));
      } catch (e) {
        if (r.preserved && errnoOf(e) === 'ENOENT') continue;
        report.errors.push(e instanceof SysctlError ? e : new SysctlError('SYSCTL_READ_FAILED', r.knob.path, `cannot read: ${errnoOf(e)}`, errnoOf(e)));
        continue;
      }
      if (current === r.startup) continue;
      try {
        writeFileSync(r.knob.path, `${r.startup}\n`);
        report.changes.push({ key: r.knob.key, path: r.knob.path, from: current, to: r.startup });
      } catch (e) {
        report.errors.push(new SysctlError('SYSCTL_WRITE_FAILED', r.knob.path, `cannot write ${r.startup}: ${errnoOf(e)}`, errnoOf(e)));
      }
    }
    return report;
  }

  /** Managed globals, then preserved knobs, then managed per-interface knobs. */
  private ordered(): Recorded[] {
    const globals = this.recorded.filter((r) => !r.preserved && r.knob.global);
    const preserved = this.recorded.filter((r) => r.preserved);
    const perIf = this.recorded.filter((r) => !r.preserved && !r.knob.global);
    return [...globals, ...preserved, ...perIf];
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function dedupe(knobs: SysctlKnob[]): SysctlKnob[] {
  const seen = new Set<string>();
  return knobs.filter((k) => (seen.has(k.path) ? false : (seen.add(k.path), true)));
}

async function set(knob: SysctlKnob, value: number, changes: ForwardingChange[]): Promise<void> {
  const current = await readSysctl(knob.path);
  if (current === value) return;
  await writeSysctl(knob.path, value);
  changes.push({ key: knob.key, path: knob.path, from: current, to: value });
}

/** Like set, but an interface that is gone (ENOENT) is skipped. */
async function setIfPresent(knob: SysctlKnob, value: number, changes: ForwardingChange[]): Promise<void> {
  try {
    await set(knob, value, changes);
  } catch (e) {
    if (e instanceof SysctlError && e.errno === 'ENOENT') return;
    throw e;
  }
}

/** The knobs a write to the family's global forwarding knob overwrites. */
async function sideEffectKnobs(root: string, family: Family): Promise<Array<{ knob: SysctlKnob; afterDisable: boolean }>> {
  const v = family === 4 ? 'ipv4' : 'ipv6';
  const confDir = join(root, 'net', v, 'conf');
  let names: string[];
  try {
    names = await readdir(confDir);
  } catch (e) {
    throw new SysctlError('SYSCTL_READ_FAILED', confDir, `cannot list: ${errnoOf(e) ?? String(e)}`, errnoOf(e));
  }
  const out: Array<{ knob: SysctlKnob; afterDisable: boolean }> = [];
  for (const name of names.sort()) {
    if (name === 'all') continue; // conf/all/forwarding is the global knob itself
    out.push({
      knob: { key: `net.${v}.conf.${name}.forwarding`, path: join(confDir, name, 'forwarding'), family, global: false },
      afterDisable: false,
    });
  }
  if (family === 4) {
    out.push({
      knob: { key: 'net.ipv4.conf.all.accept_redirects', path: join(confDir, 'all', 'accept_redirects'), family, global: false },
      afterDisable: true,
    });
  }
  return out;
}
