/**
 * Helpers for the operations tests (reload, SIGTERM, metrics, status, sd_notify, dumps)
 * on top of test/helpers/vrrp-lab.ts:
 *
 * - startKeepvip: keepvip in a lab node with extra environment (NOTIFY_SOCKET,
 *   WATCHDOG_USEC) and, optionally, a private /tmp (a tmpfs in its own mount namespace)
 *   so that its SIGUSR1/SIGUSR2 dumps at keepalived's fixed paths (/tmp/keepalived.data,
 *   /tmp/keepalived.stats) never touch the host's /tmp; they are read back through
 *   /proc/<pid>/root/tmp.
 * - NotifyReceiver: a unix datagram socket (python3: Node has no AF_UNIX datagrams)
 *   standing in for systemd's NOTIFY_SOCKET, recording each datagram with its arrival time.
 * - AddressMonitor: `ip -o monitor address` in a node, to prove an address never went away.
 * - scrapeMetrics / keepvipCli / controlStatus: the metrics endpoint, the `keepvip`
 *   command line and the control socket, as an operator would use them in the node.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { controlRequest } from '../../src/ops/control.js';
import type { StatusSnapshot } from '../../src/ops/status.js';
import { hasBinary } from '../helpers/netns.js';
import { parseExposition, type Exposition } from '../ops/helpers/prom-text.js';
import { DEFAULT_INSTANCE, KEEPVIP_CLI, recordDaemonOutput, recordDaemonText, REPO_ROOT, VrrpDaemon, waitFor, type VrrpLab } from '../helpers/vrrp-lab.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A scratch directory outside /tmp (a node started with privateTmp has its own /tmp, which
 * would hide anything under the host's). Remove it with removeOpsDir.
 */
export function makeOpsDir(): string {
  const dir = mkdtempSync('/var/tmp/keepvip-ops-');
  chmodSync(dir, 0o755);
  return dir;
}

export function removeOpsDir(dir: string | undefined): void {
  if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

export interface KeepvipStart {
  /** Directory for the configuration file (outside /tmp when privateTmp is set). */
  dir: string;
  /** Extra environment for the daemon (merged over this process's). */
  env?: Record<string, string>;
  /** Give the daemon a private /tmp (tmpfs in its own mount namespace). */
  privateTmp?: boolean;
  /** -D */
  detail?: boolean;
  /** Wait for the first state of this instance (default VI_1; null: don't wait). */
  waitInstance?: string | null;
}

let starts = 0;

/**
 * `args` run with a /tmp of their own (an empty tmpfs), so a test can check what lands at
 * keepalived's /tmp paths without touching the host's. ip netns exec already gives the
 * command its own mount namespace (slave to the host's); unshare -m and --make-rprivate
 * make sure the tmpfs can never propagate back. When the checkout itself lives under /tmp
 * (a CI clone), it is bound back into the new /tmp at the same path, so the code is found.
 */
export function withPrivateTmp(args: string[]): string[] {
  const keep = REPO_ROOT.replace(/\/$/, '');
  const rebind = keep.startsWith('/tmp/')
    ? ` && mkdir -p '${keep}' && mount --bind '/mnt/kv-old-tmp/${keep.slice('/tmp/'.length)}' '${keep}'`
    : '';
  const setup =
    'mount --make-rprivate / && mount -t tmpfs kv-old /mnt && mkdir /mnt/kv-old-tmp && mount --bind /tmp /mnt/kv-old-tmp' +
    ` && mount -t tmpfs keepvip-tmp /tmp${rebind} && exec "$@"`;
  return ['unshare', '-m', 'sh', '-c', setup, 'sh', ...args];
}

/**
 * Start keepvip (`node --import tsx src/cli.ts -n -f CONF -i NAME`) in a lab node and
 * register it with the lab (vl.daemon(name), vl.terminate(name), cleanup in vl.close()).
 */
export async function startKeepvip(vl: VrrpLab, name: string, config: string, opts: KeepvipStart): Promise<VrrpDaemon> {
  const conf = join(opts.dir, `${name}-keepvip-${starts++}.conf`);
  writeFileSync(conf, config);
  const cli = ['node', '--import', 'tsx', KEEPVIP_CLI, '-n', '-f', conf, '-i', name];
  if (opts.detail) cli.push('-D');
  const args = opts.privateTmp ? withPrivateTmp(cli) : cli;
  const child = vl.lab.spawn(vl.node(name).ns, args, { cwd: REPO_ROOT, env: { ...process.env, ...opts.env } });
  const d = new VrrpDaemon(name, 'keepvip', child, conf);
  recordDaemonOutput(name, child, config);
  vl.daemons.set(name, d);
  vl.history.push(d);
  const instance = opts.waitInstance === undefined ? DEFAULT_INSTANCE : opts.waitInstance;
  if (instance !== null) {
    await Promise.race([
      waitFor(() => d.state(instance), 20_000, `keepvip in ${name} to log a state for ${instance}`, { explain: () => d.output() }),
      d.exited.then(({ code, signal }) => {
        if (d.state(instance)) return;
        throw new Error(`keepvip in ${name} exited (${code ?? signal}) before logging a state:\n${d.output()}`);
      }),
    ]);
  }
  return d;
}

/** A file in a daemon's own /tmp (privateTmp), read through /proc/<pid>/root; undefined if absent. */
export function readPrivateTmp(pid: number, file: string): string | undefined {
  const path = `/proc/${pid}/root/tmp/${file}`;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// sd_notify

export interface NotifyMessage {
  /** Arrival, ms since the epoch. */
  t: number;
  /** The datagram, e.g. "READY=1\nSTATUS=VI_1 BACKUP 200". */
  text: string;
  /** Its assignments, e.g. { READY: '1', STATUS: 'VI_1 BACKUP 200' }. */
  fields: Record<string, string>;
}

const RECEIVER = `
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('ready', flush=True)
while True:
    d = s.recv(65536)
    print(json.dumps([time.time() * 1000, d.decode('utf-8', 'replace')]), flush=True)
`;

/** Stands in for systemd's notification socket: one line per datagram, in arrival order. */
export class NotifyReceiver {
  readonly messages: NotifyMessage[] = [];
  private stderr = '';

  private constructor(
    readonly path: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(path: string): Promise<NotifyReceiver> {
    const python = hasBinary('python3') && existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const child = spawn(python, ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const r = new NotifyReceiver(path, child);
    child.stderr!.on('data', (d: Buffer) => (r.stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`notify receiver exited (${code}): ${r.stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line === 'ready') return resolve();
        const [t, text] = JSON.parse(line) as [number, string];
        const fields: Record<string, string> = {};
        for (const kv of text.split('\n')) {
          const eq = kv.indexOf('=');
          if (eq > 0) fields[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
        r.messages.push({ t, text, fields });
      });
    });
    return r;
  }

  /** One line per message ("+123ms READY=1 | STATUS=..."), for failure messages. */
  transcript(): string {
    const t0 = this.messages[0]?.t ?? 0;
    return this.messages.map((m) => `+${Math.round(m.t - t0)}ms ${m.text.replace(/\n/g, ' | ')}`).join('\n');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    process.kill(this.child.pid, 'SIGTERM');
    await exited;
  }
}

// ---------------------------------------------------------------------------------------
// Addresses

/** `ip -o monitor address` in a node: every address added or deleted, as it happens. */
export class AddressMonitor {
  readonly lines: string[] = [];

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => this.lines.push(l));
  }

  static async start(vl: VrrpLab, name: string): Promise<AddressMonitor> {
    const m = new AddressMonitor(vl.lab.spawn(vl.node(name).ns, ['ip', '-o', 'monitor', 'address']));
    // Give ip(8) a moment to subscribe before anything happens.
    await sleep(150);
    return m;
  }

  /** Monitor lines that delete `address` (without prefix). */
  deletions(address: string): string[] {
    return this.lines.filter((l) => l.startsWith('Deleted') && new RegExp(`inet6? ${address.replace(/\./g, '\\.')}/`).test(l));
  }

  additions(address: string): string[] {
    return this.lines.filter((l) => !l.startsWith('Deleted') && new RegExp(`inet6? ${address.replace(/\./g, '\\.')}/`).test(l));
  }
}

// ---------------------------------------------------------------------------------------
// Operator interfaces

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command inside a node's namespace without blocking the event loop (the capture keeps reading). */
export function execIn(vl: VrrpLab, name: string, args: string[], timeoutMs = 20_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      'ip',
      ['netns', 'exec', vl.node(name).ns, ...args],
      { cwd: REPO_ROOT, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 8 << 20 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code ?? 1) : 0;
        resolve({ status: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

/** `keepvip ARGS...` inside a node (e.g. ['status', '--json', '--socket', PATH]). */
export async function keepvipCli(vl: VrrpLab, name: string, args: string[]): Promise<CommandResult> {
  const r = await execIn(vl, name, ['node', '--import', 'tsx', KEEPVIP_CLI, ...args]);
  recordDaemonText(`cli-${args[0] ?? ''}`, `${r.stdout}\n${r.stderr}`);
  return r;
}

/** GET http://HOSTPORT/metrics from inside a node (curl), parsed. */
export async function scrapeMetrics(vl: VrrpLab, name: string, hostPort: string): Promise<{ text: string; exposition: Exposition }> {
  const r = await execIn(vl, name, ['curl', '-sS', '--fail', '--max-time', '5', `http://${hostPort}/metrics`]);
  if (r.status !== 0) throw new Error(`scraping ${hostPort} in ${name} failed (${r.status}): ${r.stderr}`);
  recordDaemonText('metrics', r.stdout);
  return { text: r.stdout, exposition: parseExposition(r.stdout) };
}

/** The daemon's status snapshot straight from its control socket (a unix path: reachable from any namespace). */
export async function controlStatus(socketPath: string): Promise<StatusSnapshot> {
  const res = await controlRequest(socketPath, { cmd: 'status' }, { timeoutMs: 5000 });
  if (!res.ok || res.cmd !== 'status') throw new Error(`control status failed: ${JSON.stringify(res)}`);
  recordDaemonText('status', JSON.stringify(res.result));
  return res.result;
}

/** One of the dumps rendered by the daemon over its control socket. */
export async function controlDump(socketPath: string, format: 'data' | 'stats' | 'json'): Promise<string> {
  const res = await controlRequest(socketPath, { cmd: 'dump', format }, { timeoutMs: 5000 });
  if (!res.ok || res.cmd !== 'dump') throw new Error(`control dump failed: ${JSON.stringify(res)}`);
  recordDaemonText(`dump-${format}`, res.result.text);
  return res.result.text;
}

/** Largest gap (ms) between consecutive times, including from `from` to the first and from the last to `to`. */
export function maxGap(times: number[], from: number, to: number): number {
  const all = [from, ...times.filter((t) => t > from && t < to), to];
  let gap = 0;
  for (let i = 1; i < all.length; i++) gap = Math.max(gap, all[i]! - all[i - 1]!);
  return gap;
}
