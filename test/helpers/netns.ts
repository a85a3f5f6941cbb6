/**
 * Network-namespace labs for tests that cross a network. Each lab has a unique prefix,
 * a switch namespace holding a bridge, and one namespace per node joined to the bridge by
 * a veth pair. Only documentation ranges are used: 192.0.2.0/24 and 2001:db8::/64.
 * Labs are deleted in cleanup(), and on process exit as a last resort, even on failure.
 *
 * Needs root and iproute2. In CI (CI=true) a missing prerequisite fails the test rather
 * than skipping it.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
export const hasIp = existsSync('/usr/sbin/ip') || existsSync('/sbin/ip') || existsSync('/usr/bin/ip');

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (!isRoot) return 'needs root (network namespaces)';
  if (!hasIp) return 'needs iproute2 (apt-get install iproute2)';
  return undefined;
}

/** Whether an optional binary (keepalived, tshark, tcpdump) is installed. */
export function hasBinary(name: string): boolean {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin']) {
    if (existsSync(`${dir}/${name}`)) return true;
  }
  return false;
}

/**
 * Skip a suite only when it truly cannot run: returns a reason to skip, or undefined.
 * Under CI=true it returns undefined even when something is missing, so the suite runs
 * and fails loudly instead of skipping quietly.
 */
export function skipReason(...binaries: string[]): string | undefined {
  const missing = netnsUnavailable() ?? binaries.filter((b) => !hasBinary(b)).map((b) => `needs ${b}`)[0];
  if (missing && process.env.CI) return undefined;
  return missing;
}

const liveLabs = new Set<Lab>();
let exitHookInstalled = false;
let labCounter = 0;

function sh(args: string[], input?: string): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface LabNode {
  /** Namespace name. */
  ns: string;
  /** Interface name inside the namespace. */
  ifname: string;
  ipv4: string;
  ipv6: string;
  mac: string;
}

export interface LabOptions {
  /** Node names (short, [a-z0-9]). */
  nodes: string[];
  /** Disable bridge multicast snooping (default true). */
  noSnooping?: boolean;
}

export class Lab {
  readonly prefix: string;
  readonly switchNs: string;
  readonly nodes = new Map<string, LabNode>();
  private readonly procs = new Set<ChildProcess>();
  private readonly namespaces: string[] = [];

  constructor(prefix: string) {
    this.prefix = prefix;
    this.switchNs = `${prefix}-sw`;
  }

  node(name: string): LabNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no lab node ${name}`);
    return n;
  }

  /** Run a command inside a namespace and return its stdout. */
  exec(ns: string, args: string[], input?: string): string {
    return sh(['ip', 'netns', 'exec', ns, ...args], input);
  }

  /** Like exec, but never throws; returns exit status and output. */
  tryExec(ns: string, args: string[]): { status: number; stdout: string; stderr: string } {
    try {
      return { status: 0, stdout: this.exec(ns, args), stderr: '' };
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      return { status: err.status ?? 1, stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? '') };
    }
  }

  /**
   * Start a long-running process inside a namespace. `ip netns exec` execs the command,
   * so the child's PID is the command's own; stop() signals that PID only.
   */
  spawn(ns: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.procs.add(child);
    child.once('exit', () => this.procs.delete(child));
    return child;
  }

  /** Signal a process this lab started, by PID, and wait for it to exit (SIGKILL after a grace period). */
  async stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(child.pid, signal);
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Take a node's link down or up (on the node side of its veth). */
  setLink(name: string, up: boolean): void {
    const n = this.node(name);
    this.exec(n.ns, ['ip', 'link', 'set', n.ifname, up ? 'up' : 'down']);
  }

  /** Addresses on a node's interface (ip -j addr). */
  addresses(name: string): string[] {
    const n = this.node(name);
    const out = JSON.parse(this.exec(n.ns, ['ip', '-j', 'addr', 'show', 'dev', n.ifname])) as Array<{
      addr_info: Array<{ local: string }>;
    }>;
    return out.flatMap((l) => l.addr_info.map((a) => a.local));
  }

  sysctl(name: string, key: string): string {
    return this.exec(this.node(name).ns, ['sysctl', '-n', key]).trim();
  }

  /** Create the switch namespace and bridge, then the nodes. */
  setUp(opts: LabOptions): void {
    this.addNs(this.switchNs);
    const sw = this.switchNs;
    this.exec(sw, ['ip', 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    if (opts.noSnooping !== false) this.exec(sw, ['ip', 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    this.exec(sw, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    this.exec(sw, ['ip', 'link', 'set', 'br0', 'up']);
    opts.nodes.forEach((name, i) => this.addNode(name, i));
  }

  addNode(name: string, index = this.nodes.size): LabNode {
    const ns = `${this.prefix}-${name}`;
    this.addNs(ns);
    // No DAD in the lab: addresses are usable at once.
    this.exec(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0']);
    this.exec(ns, ['sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0']);
    const port = `p${index}`;
    this.exec(this.switchNs, ['ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    this.exec(this.switchNs, ['ip', 'link', 'set', port, 'master', 'br0', 'up']);
    const ipv4 = `192.0.2.${10 + index}`;
    const ipv6 = `2001:db8::${(10 + index).toString(16)}`;
    this.exec(ns, ['ip', 'addr', 'add', `${ipv4}/24`, 'dev', 'eth0']);
    this.exec(ns, ['ip', '-6', 'addr', 'add', `${ipv6}/64`, 'dev', 'eth0', 'nodad']);
    this.exec(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    this.exec(ns, ['ip', 'link', 'set', 'lo', 'up']);
    const mac = (JSON.parse(this.exec(ns, ['ip', '-j', 'link', 'show', 'eth0'])) as Array<{ address: string }>)[0]!.address;
    const node: LabNode = { ns, ifname: 'eth0', ipv4, ipv6, mac };
    this.nodes.set(name, node);
    return node;
  }

  /** The switch-side port name of a node (for captures or isolation). */
  portOf(name: string): string {
    return `p${[...this.nodes.keys()].indexOf(name)}`;
  }

  private addNs(ns: string): void {
    sh(['ip', 'netns', 'add', ns]);
    this.namespaces.push(ns);
    this.exec(ns, ['ip', 'link', 'set', 'lo', 'up']);
  }

  /** Stop every process this lab started and delete every namespace it made. */
  async cleanup(): Promise<void> {
    await Promise.all([...this.procs].map((p) => this.stop(p, 'SIGKILL', 1000)));
    this.deleteNamespaces();
    liveLabs.delete(this);
  }

  deleteNamespaces(): void {
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        sh(['ip', 'netns', 'del', ns]);
      } catch {
        /* already gone */
      }
    }
  }

  killAllSync(): void {
    for (const p of this.procs) {
      try {
        if (p.pid !== undefined && p.exitCode === null) process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

/** Create a lab with a unique prefix; call lab.cleanup() in afterAll/finally. */
export function createLab(opts: LabOptions): Lab {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const lab of liveLabs) {
        lab.killAllSync();
        lab.deleteNamespaces();
      }
    });
  }
  const prefix = `kv${process.pid.toString(36)}${(labCounter++).toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const lab = new Lab(prefix);
  liveLabs.add(lab);
  try {
    lab.setUp(opts);
  } catch (e) {
    lab.deleteNamespaces();
    liveLabs.delete(lab);
    throw e;
  }
  return lab;
}
