/**
 * Run the real keepalived (2.2.7 from Debian) inside a lab namespace, as a referee for
 * the tracking and notify modules. VRRP only, foreground, logging to the console, pid
 * files in the test's own directory so nothing touches /run.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Lab } from '../helpers/netns.js';

export interface KeepalivedRun {
  child: ChildProcess;
  /** Everything keepalived logged so far. */
  log(): string;
  /** SIGTERM and wait for it to exit (SIGKILL after 8 s). */
  stop(): Promise<void>;
}

export function startKeepalived(lab: Lab, ns: string, dir: string, conf: string): KeepalivedRun {
  const confPath = `${dir}/keepalived.conf`;
  writeFileSync(confPath, conf);
  const child = lab.spawn(ns, ['keepalived', '-n', '-l', '-D', '-P', '-G', '-f', confPath, '-p', `${dir}/k.pid`, '-r', `${dir}/v.pid`]);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, log: () => out, stop: () => lab.stop(child, 'SIGTERM', 8000) };
}

/** Poll `cond` every 50 ms until it holds or `ms` pass. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
