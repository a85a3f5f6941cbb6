/**
 * A VRRP lab with a cloud: the cloud simulator (src/cloud/sim/main.ts) runs in the lab's
 * switch namespace on 192.0.2.250 (an address given to br0), so keepvip nodes reach it
 * over the lab network, and each node's metadata requests are told apart by their source
 * address (servers[].metadataClients). The test process, outside every namespace, drives
 * the simulator's admin endpoint through a UNIX socket bridged to it (a small relay in the
 * switch namespace): UNIX sockets live in the file system, which the namespaces share.
 *
 *   const cl = await CloudLab.create({ nodes: ['a', 'b'] });
 *   try {
 *     await cl.vl.start('a', 'keepvip', cl.config('a', { priority: 150 }));
 *     await cl.waitHolder('a', 5000);
 *   } finally {
 *     await cl.close();
 *   }
 *
 * Each node's keepvip gets its own control socket (VrrpLab.peerView), so `keepvip cloud
 * status` in a node asks that node's daemon.
 *
 * The simulator's request log has epoch-ms timestamps (performance.timeOrigin-based) from
 * the same machine clock as the capture's kernel timestamps and Date.now().
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { FaultRule } from '../../src/cloud/sim/faults.js';
import type { SimLogEntry } from '../../src/cloud/sim/log.js';
import type { SimFixture } from '../../src/cloud/sim/state.js';
import type { LabNode } from '../helpers/netns.js';
import {
  DEFAULT_INSTANCE,
  MODES,
  REPO_ROOT,
  renderConfig,
  vipAddress,
  VrrpLab,
  waitFor,
  type InstanceOptions,
  type VrrpDaemon,
  type VrrpMode,
} from '../helpers/vrrp-lab.js';

/** The simulator's address on the switch bridge and its port. */
export const SIM_ADDRESS = '192.0.2.250';
export const SIM_PORT = 8788;
export const SIM_URL = `http://${SIM_ADDRESS}:${SIM_PORT}`;
/** VRRPv3 multicast at 0.2 s: fast elections, well inside the tests' time budget. */
export const CLOUD_MODE: VrrpMode = MODES.v3;

const PROJECT = '5d1c0a0e9b7f4c2a8e6d4b3a2f1e0d9c';
const NET = 'b1d2e3f4-0000-4000-8000-00000000c001';
const SUBNET = 'b1d2e3f4-0000-4000-8000-00000000c002';
export const VIP_PORT = 'e0000000-0000-4000-8000-00000000c100';
const FIP = 'f0000000-0000-4000-8000-00000000c050';
export const EIP = '198.51.100.50';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A relay from a UNIX socket to a TCP address (runs under plain node, no tsx). */
const RELAY = `
const net = require('node:net');
const [sock, host, port] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(Number(port), host);
  c.pipe(u); u.pipe(c);
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
  c.on('close', () => u.destroy()); u.on('close', () => c.destroy());
}).listen(sock, () => process.stdout.write('ready\\n'));
`;

export interface NodeCloudOptions {
  /** 'file': a credentials_file (mode 0600) with this lab's AK/SK; 'agency': the metadata security key. */
  credentials?: 'file' | 'agency';
}

export interface CloudLabOptions {
  nodes: string[];
  /** Per node: how it authenticates (default 'file'). */
  nodeOptions?: Record<string, NodeCloudOptions>;
  /** Seed of the simulator's fault PRNG (default 7). */
  seed?: number;
  /** Capture the API's TCP traffic on the switch too (AdvertCapture.segments). */
  captureApi?: boolean;
}

export interface CloudConfigOptions extends InstanceOptions {
  mode?: VrrpMode;
  /** Extra lines inside cloud_vip (after provider/mode). */
  cloudVipExtra?: string[];
  /** Extra lines inside cloud_provider. */
  providerExtra?: string[];
}

/** Wait for one line on a child's stdout matching `re`. */
function waitLine(child: ChildProcess, re: RegExp, what: string, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}${err}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.split('\n').find((l) => re.test(l));
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}): ${out}${err}`));
    });
  });
}

/** A VRRP lab with the cloud simulator on its switch. */
export class CloudLab {
  /** This lab's access key and secret key (random per lab: a leak is found by substring). */
  readonly ak = `KV${randomBytes(9).toString('hex').toUpperCase()}`;
  readonly sk = `kvsk${randomBytes(18).toString('base64url')}`;
  readonly adminSocket: string;
  private sim: ChildProcess | undefined;
  private relay: ChildProcess | undefined;
  private readonly serverIds = new Map<string, string>();
  private readonly portIds = new Map<string, string>();

  private constructor(
    readonly vl: VrrpLab,
    private readonly opts: CloudLabOptions,
  ) {
    this.adminSocket = join(vl.dir, 'sim-admin.sock');
  }

  static async create(opts: CloudLabOptions): Promise<CloudLab> {
    const vl = await VrrpLab.create({ nodes: opts.nodes, ...(opts.captureApi ? { captureTcpPort: SIM_PORT } : {}) });
    const cl = new CloudLab(vl, opts);
    try {
      await cl.startSimulator();
      return cl;
    } catch (e) {
      await vl.close();
      throw e;
    }
  }

  get lab() {
    return this.vl.lab;
  }

  node(name: string): LabNode {
    return this.vl.node(name);
  }

  serverId(name: string): string {
    return this.serverIds.get(name)!;
  }

  nicPortId(name: string): string {
    return this.portIds.get(name)!;
  }

  /** Remove an address a killed daemon left on a node's interface (what a reboot would do). */
  flushAddress(name: string, addressWithPrefix: string): void {
    const n = this.node(name);
    this.lab.tryExec(n.ns, ['ip', 'addr', 'del', addressWithPrefix, 'dev', n.ifname]);
  }

  /** The node whose NIC IP is `ip`. */
  nodeOfIp(ip: string): string | undefined {
    return this.opts.nodes.find((n) => this.node(n).ipv4 === ip);
  }

  private fixture(): SimFixture {
    const servers: NonNullable<SimFixture['servers']> = [];
    const ports: NonNullable<SimFixture['ports']> = [];
    this.opts.nodes.forEach((name, i) => {
      const n = this.node(name);
      const id = randomUUID();
      const port = randomUUID();
      this.serverIds.set(name, id);
      this.portIds.set(name, port);
      servers.push({ id, name: `node-${name}`, projectId: PROJECT, availabilityZone: `sim-region-1${'abc'[i % 3]}`, agency: true, metadataClients: [n.ipv4] });
      ports.push({
        id: port,
        network_id: NET,
        mac_address: n.mac,
        device_id: id,
        device_owner: `compute:sim-region-1${'abc'[i % 3]}`,
        fixed_ips: [{ subnet_id: SUBNET, ip_address: n.ipv4 }],
        allowed_address_pairs: [],
      });
    });
    ports.push({
      id: VIP_PORT,
      network_id: NET,
      device_owner: 'neutron:VIP_PORT',
      fixed_ips: [{ subnet_id: SUBNET, ip_address: vipAddress(CLOUD_MODE) }],
      allowed_address_pairs: [],
    });
    return {
      region: 'sim-region-1',
      projects: [{ id: PROJECT, name: 'sim-region-1' }],
      accessKeys: [{ ak: this.ak, sk: this.sk, projectId: PROJECT }],
      servers,
      ports,
      floatingips: [{ id: FIP, floating_ip_address: EIP, port_id: VIP_PORT, fixed_ip_address: vipAddress(CLOUD_MODE) }],
      metadataTokens: 'optional',
    };
  }

  private async startSimulator(): Promise<void> {
    const sw = this.lab.switchNs;
    this.lab.exec(sw, ['ip', 'addr', 'add', `${SIM_ADDRESS}/24`, 'dev', 'br0']);
    const state = this.vl.writeFile('sim-state.json', JSON.stringify(this.fixture(), null, 2));
    this.sim = this.lab.spawn(sw, ['node', '--import', 'tsx', join(REPO_ROOT, 'src/cloud/sim/main.ts'), '--listen', `${SIM_ADDRESS}:${SIM_PORT}`, '--state', state, '--seed', String(this.opts.seed ?? 7)], { cwd: REPO_ROOT });
    await waitLine(this.sim, /"url"/, 'cloud simulator');
    this.relay = this.lab.spawn(sw, ['node', '-e', RELAY, this.adminSocket, SIM_ADDRESS, String(SIM_PORT)]);
    await waitLine(this.relay, /ready/, 'admin relay');
    for (const name of this.opts.nodes) {
      if ((this.opts.nodeOptions?.[name]?.credentials ?? 'file') !== 'file') continue;
      const path = join(this.vl.dir, `${name}.cred`);
      writeFileSync(path, `# keepvip test credentials\nak = ${this.ak}\nsk = ${this.sk}\n`, { mode: 0o600 });
      chmodSync(path, 0o600);
    }
  }

  /** keepalived.conf for a node: renderConfig plus cloud_provider and cloud_vip (the instance's last item). */
  config(name: string, o: CloudConfigOptions): string {
    const mode = o.mode ?? CLOUD_MODE;
    let text = renderConfig(mode, this.vl.peerView(name), o);
    const cred = (this.opts.nodeOptions?.[name]?.credentials ?? 'file') === 'file' ? [`    credentials_file ${join(this.vl.dir, `${name}.cred`)}`] : [];
    const provider = [
      'cloud_provider sim {',
      '    type huaweicloud',
      '    region sim-region-1',
      `    project_id ${PROJECT}`,
      `    endpoint ${SIM_URL}`,
      `    metadata_url ${SIM_URL}`,
      ...cred,
      ...(o.providerExtra ?? []).map((l) => `    ${l}`),
      '}',
    ].join('\n');
    // Each node has its own control socket (VrrpLab.peerView sets keepvip_defs control_socket).
    if (!/^\s*control_socket /m.test(text)) throw new Error('renderConfig gave no control_socket');
    text = text.replace(/^vrrp_instance /m, `${provider}\nvrrp_instance `);
    const cloudVip = ['    cloud_vip {', '        provider sim', '        mode exclusive', ...(o.cloudVipExtra ?? []).map((l) => `        ${l}`), '    }'].join('\n');
    // cloud_vip is the instance's last item (keepalived 2.2.7 stops reading the block there).
    const end = text.lastIndexOf('    }\n}\n');
    if (end < 0) throw new Error('unexpected renderConfig output');
    return `${text.slice(0, end)}    }\n${cloudVip}\n}\n${text.slice(end + 8)}`;
  }

  // ---- simulator admin ---------------------------------------------------------------

  /** One admin request through the UNIX socket relay. */
  admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          socketPath: this.adminSocket,
          path,
          method,
          headers: { host: `${SIM_ADDRESS}:${SIM_PORT}`, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
          timeout: 10_000,
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 400) reject(new Error(`sim ${method} ${path}: ${res.statusCode} ${text}`));
            else resolve(JSON.parse(text || 'null') as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`sim ${method} ${path}: timeout`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  /** The NIC IPs the VIP port's allowed_address_pairs name. */
  async vipPairs(): Promise<string[]> {
    const r = await this.admin<{ port: { allowed_address_pairs?: Array<{ ip_address: string }> } }>('GET', `/_sim/ports/${VIP_PORT}`);
    return (r.port.allowed_address_pairs ?? []).map((p) => p.ip_address);
  }

  /** The node the cloud sends the VIP's traffic to (exclusive: exactly one pair), else undefined. */
  async holder(): Promise<string | undefined> {
    const pairs = await this.vipPairs();
    return pairs.length === 1 ? this.nodeOfIp(pairs[0]!) : undefined;
  }

  /** Poll the simulator until the VIP port names exactly `name`'s NIC; returns when it did (Date.now()). */
  async waitHolder(name: string, timeoutMs: number, explain?: () => string | Promise<string>): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last: string[] = [];
    for (;;) {
      last = await this.vipPairs();
      if (last.length === 1 && last[0] === this.node(name).ipv4) return Date.now();
      if (Date.now() > deadline) {
        throw new Error(`VIP port pairs are [${last.join(', ')}], not [${this.node(name).ipv4}] (node ${name}) after ${timeoutMs} ms${explain ? `\n${await explain()}` : ''}`);
      }
      await sleep(50);
    }
  }

  /**
   * Wait until a node's daemon finished its discovery ahead of the first claim (its search
   * of the VIP port by address answered), so that what follows is a failover's claim only.
   */
  async waitPrepared(name: string, timeoutMs = 5000, after = 0): Promise<void> {
    const ip = this.node(name).ipv4;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = (await this.log()).some(
        (e) =>
          e.at > after &&
          e.remoteAddress?.replace(/^::ffff:/, '') === ip &&
          e.method === 'GET' &&
          e.path === '/v2.0/ports' &&
          /fixed_ips/.test(e.query) &&
          e.status === 200,
      );
      if (done) return;
      if (Date.now() > deadline) throw new Error(`node ${name} did not discover the VIP port within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  async log(): Promise<SimLogEntry[]> {
    return (await this.admin<{ entries: SimLogEntry[] }>('GET', '/_sim/log')).entries;
  }

  async clearLog(): Promise<void> {
    await this.admin('DELETE', '/_sim/log');
  }

  async setFaults(rules: FaultRule[]): Promise<void> {
    await this.admin('PUT', '/_sim/faults', rules);
  }

  async clearFaults(): Promise<void> {
    await this.admin('DELETE', '/_sim/faults');
  }

  /** Temporary keys and tokens the simulator issued (metadata security keys, session tokens). */
  async issuedSecrets(): Promise<string[]> {
    return (await this.admin<{ secrets: string[] }>('GET', '/_sim/issued-secrets')).secrets;
  }

  /** Every secret a log must never contain: this lab's AK/SK and everything the simulator issued. */
  async allSecrets(): Promise<string[]> {
    return [this.ak, this.sk, ...(await this.issuedSecrets())];
  }

  /**
   * The claim that made `name` the holder after `after` (epoch ms): the first request from
   * its NIC address after `after`, and the PUT on the VIP port that wrote [its IP].
   */
  claimTimes(entries: SimLogEntry[], name: string, after: number): { firstRequest?: SimLogEntry; put?: SimLogEntry } {
    const ip = this.node(name).ipv4;
    const mine = entries.filter((e) => e.remoteAddress?.replace(/^::ffff:/, '') === ip && e.at > after).sort((x, y) => x.at - y.at);
    const put = mine.find((e) => e.method === 'PUT' && e.api === 'vpc' && e.path.endsWith(`/ports/${VIP_PORT}`) && e.status === 200);
    return { ...(mine[0] ? { firstRequest: mine[0] } : {}), ...(put ? { put } : {}) };
  }

  /** A text summary of the simulator's log after `after`, for failure messages. */
  static describeLog(entries: SimLogEntry[], after = 0, limit = 40): string {
    return entries
      .filter((e) => e.at > after)
      .slice(-limit)
      .map((e) => `${new Date(e.at).toISOString()} +${((e.doneAt ?? e.at) - e.at).toFixed(1)}ms ${e.remoteAddress ?? '-'} ${e.method} ${e.path} -> ${e.status}${e.faults.length ? ` [${e.faults.join(',')}]` : ''}`)
      .join('\n');
  }

  /** Everything both daemons printed (stdout and stderr), every run. */
  allOutput(): string {
    return this.vl.history.map((d) => d.lines.join('\n')).join('\n');
  }

  /** Run `keepvip cloud status` inside a node's namespace with its configuration. */
  cloudStatus(name: string, d: VrrpDaemon, json = false): { status: number; stdout: string; stderr: string } {
    const args = ['node', '--import', 'tsx', join(REPO_ROOT, 'src/cli.ts'), 'cloud', 'status', '-f', d.configFile, '-i', name];
    if (json) args.push('--json');
    return this.lab.tryExec(this.node(name).ns, args);
  }

  async close(): Promise<void> {
    try {
      if (this.relay) await this.lab.stop(this.relay, 'SIGKILL', 1000);
      if (this.sim) await this.lab.stop(this.sim, 'SIGTERM', 2000);
    } finally {
      await this.vl.close();
    }
  }
}

/** The daemon's instance_state record that made it MASTER last (its `time`, epoch ms). */
export function lastMasterTime(d: VrrpDaemon, instance = DEFAULT_INSTANCE): number | undefined {
  const recs = d.events('instance_state').filter((r) => r.instance === instance && r.to === 'MASTER');
  const t = recs.at(-1)?.time;
  // pino writes the time as an ISO string (millisecond resolution) or as epoch ms.
  if (typeof t === 'number') return t;
  return typeof t === 'string' ? Date.parse(t) : undefined;
}

/** Wait until a daemon logs `state` for the instance. */
export function waitState(d: VrrpDaemon, state: string, timeoutMs: number, explain?: () => string): Promise<true> {
  return waitFor(() => d.state() === state, timeoutMs, `${d.name} to be ${state}`, explain ? { explain } : {});
}

/** Percentile of sorted numbers (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
