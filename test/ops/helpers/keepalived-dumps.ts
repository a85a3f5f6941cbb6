/**
 * Run keepalived 2.2.7 in a lab namespace and collect its three dumps: SIGUSR1
 * (/tmp/keepalived.data), SIGUSR2 (/tmp/keepalived.stats) and its JSON signal
 * (`keepalived --signum=JSON`, /tmp/keepalived.json). Each keepalived gets a private
 * /tmp (a tmpfs in its own mount namespace), so nothing touches the host's /tmp; the
 * files are read back through /proc/<vrrp child>/root.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../../helpers/netns.js';

export interface KeepalivedDumps {
  data: string;
  stats: string;
  json: string;
}

export interface RunningKeepalived {
  child: ChildProcess;
  dir: string;
  output: () => string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start keepalived (VRRP only, foreground, console log) with this config in a node's namespace. */
export function startKeepalived(lab: Lab, node: string, config: string): RunningKeepalived {
  // Not under /tmp: the private tmpfs mounted there would hide it.
  const dir = mkdtempSync('/var/tmp/kvops-');
  writeFileSync(join(dir, 'keepalived.conf'), config);
  const cmd =
    'mount --make-rprivate / && mount -t tmpfs tmpfs /tmp && ' +
    `exec keepalived -n -l -D -P -f ${dir}/keepalived.conf -p ${dir}/parent.pid -r ${dir}/vrrp.pid`;
  const child = lab.spawn(lab.node(node).ns, ['unshare', '-m', 'sh', '-c', cmd]);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, dir, output: () => out };
}

async function waitFor(path: string, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = readFileSync(path, 'utf8');
      if (text.length) return text;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`${path} did not appear`);
    await sleep(100);
  }
}

/** Signal keepalived for its three dumps and read them. */
export async function collectDumps(k: RunningKeepalived): Promise<KeepalivedDumps> {
  const vrrpPid = (await waitFor(join(k.dir, 'vrrp.pid'), 5000)).trim();
  const root = `/proc/${vrrpPid}/root/tmp`;
  const jsonSig = Number(execFileSync('keepalived', ['--signum=JSON'], { encoding: 'utf8' }).trim());
  const pid = k.child.pid!;
  process.kill(pid, 'SIGUSR1');
  const data = await waitFor(`${root}/keepalived.data`, 5000);
  process.kill(pid, 'SIGUSR2');
  const stats = await waitFor(`${root}/keepalived.stats`, 5000);
  process.kill(pid, jsonSig);
  const json = await waitFor(`${root}/keepalived.json`, 5000);
  // The files are written in one go, but give a slow writer a moment to finish.
  await sleep(200);
  return {
    data: readFileSync(`${root}/keepalived.data`, 'utf8') || data,
    stats: readFileSync(`${root}/keepalived.stats`, 'utf8') || stats,
    json: readFileSync(`${root}/keepalived.json`, 'utf8') || json,
  };
}

export function removeDir(k: RunningKeepalived): void {
  if (existsSync(k.dir)) rmSync(k.dir, { recursive: true, force: true });
}
