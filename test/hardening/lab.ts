/**
 * Lab helpers for the live hostile-packet tests (flood.test.ts, unicast.test.ts), on top of
 * test/helpers/vrrp-lab.ts: configurations with several instances, the daemon's counters
 * over its control socket, kernel receive-queue drops and resident memory.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DropReason } from '../../src/core/codec/errors.js';
import type { InstanceParams } from '../../src/core/fsm/types.js';
import { controlRequest } from '../../src/ops/control.js';
import type { StatusSnapshot } from '../../src/ops/status.js';
import type { VrrpLab } from '../helpers/vrrp-lab.js';
import type { ModelInstance } from './model.js';

export const SENDER = fileURLToPath(new URL('./flood-sender.ts', import.meta.url));

/** One vrrp_instance of a lab configuration. */
export interface LabInstance {
  name: string;
  vrid: number;
  version: 2 | 3;
  /** advert_int, seconds. */
  advertInt: number;
  vip: string;
  password?: string;
  unicastPeers?: string[];
  unicastSrc?: string;
  checkUnicastSrc?: boolean;
}

/** A keepalived.conf (run by keepvip or keepalived) with several IPv4 instances on eth0. */
export function renderInstances(routerId: string, priority: number, instances: LabInstance[], controlSocket?: string): string {
  const lines = ['global_defs {', `    router_id ${routerId}`, '    vrrp_garp_master_delay 0', '}'];
  if (controlSocket) lines.push('keepvip_defs {', `    control_socket ${controlSocket}`, '}');
  for (const i of instances) {
    lines.push(
      `vrrp_instance ${i.name} {`,
      '    state BACKUP',
      '    interface eth0',
      `    virtual_router_id ${i.vrid}`,
      `    priority ${priority}`,
      `    advert_int ${i.advertInt}`,
      `    version ${i.version}`,
    );
    if (i.password) lines.push('    authentication {', '        auth_type PASS', `        auth_pass ${i.password}`, '    }');
    if (i.unicastPeers?.length) {
      if (i.unicastSrc) lines.push(`    unicast_src_ip ${i.unicastSrc}`);
      lines.push('    unicast_peer {', ...i.unicastPeers.map((p) => `        ${p}`), '    }');
    }
    if (i.checkUnicastSrc) lines.push('    check_unicast_src');
    lines.push('    virtual_ipaddress {', `        ${i.vip}/24 dev eth0`, '    }', '}');
  }
  return `${lines.join('\n')}\n`;
}

/** The same instance as the sender's model sees it (model.ts), for a node whose address is `primaryIp`. */
export function modelOf(i: LabInstance, primaryIp: string): ModelInstance {
  const params: InstanceParams = {
    name: i.name,
    vrid: i.vrid,
    version: i.version,
    family: 4,
    ifname: 'eth0',
    primaryIp,
    priority: 200,
    intervalCs: Math.round(i.advertInt * 100),
    vips: [i.vip],
    initialState: 'BACKUP',
    preempt: true,
    preemptDelayMs: 0,
    downTimerAdverts: 3,
    unicastPeers: i.unicastPeers ?? [],
    auth: i.password ? { type: 'pass', password: i.password } : { type: 'none' },
    skipCheckAdvAddr: false,
    checkUnicastSrc: i.checkUnicastSrc ?? false,
    garpMasterDelayMs: 0,
    garpMasterRefreshMs: 0,
    cloudClaim: false,
    cloudRelease: false,
    manageForwarding: false,
  };
  return { params, v3ChecksumAsV2: false };
}

/** Drop counters by scope: an instance name, or '-' for drops before an instance was known. */
export type DropCounts = Record<string, Partial<Record<DropReason, number>>>;

export interface Counters {
  drops: DropCounts;
  advertRcvd: Record<string, number>;
  advertSent: Record<string, number>;
}

export async function status(socket: string): Promise<StatusSnapshot> {
  const res = await controlRequest(socket, { cmd: 'status' });
  if (!res.ok || res.cmd !== 'status') throw new Error(`status over ${socket}: ${JSON.stringify(res)}`);
  return res.result;
}

export async function counters(socket: string): Promise<Counters> {
  const s = await status(socket);
  const c: Counters = { drops: { '-': { ...(s.daemon.globalDrops ?? {}) } }, advertRcvd: {}, advertSent: {} };
  for (const i of s.instances) {
    c.drops[i.name] = { ...i.stats.drops };
    c.advertRcvd[i.name] = i.stats.advertRcvd;
    c.advertSent[i.name] = i.stats.advertSent;
  }
  return c;
}

/** after - before, per scope and reason (zeros left out). */
export function dropDelta(before: DropCounts, after: DropCounts): DropCounts {
  const out: DropCounts = {};
  for (const scope of Object.keys(after)) {
    for (const [r, n] of Object.entries(after[scope]!)) {
      const d = (n ?? 0) - (before[scope]?.[r as DropReason] ?? 0);
      if (d !== 0) (out[scope] ??= {})[r as DropReason] = d;
    }
  }
  return out;
}

/**
 * Packets the kernel dropped on a node's VRRP raw sockets because their receive queue was
 * full (/proc/net/raw "drops", protocol 112 shows as local port 0070).
 */
export function rawSocketDrops(vl: VrrpLab, node: string): number {
  const text = vl.lab.exec(vl.node(node).ns, ['cat', '/proc/net/raw']);
  let sum = 0;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 5 && f[1]!.endsWith(':0070')) sum += Number(f[f.length - 1]);
  }
  return sum;
}

/** Resident set size of a process, kB (VmRSS in /proc/PID/status). */
export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** The p-th percentile (0..100) of the values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** CPU time (user + system) a process has used, ms (/proc/PID/stat, clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

export interface SeenAdvert {
  /** Kernel capture time, ms since the epoch (microsecond resolution). */
  t: number;
  src: string;
  dst: string;
  vrid: number;
  priority: number;
}

/**
 * A capture of VRRP adverts on the lab bridge with a kernel filter, so that a flood from
 * one node does not reach it: the harness's AdvertCapture records every packet and, under
 * 10k packets/s on a two-core machine, loses some of the very adverts whose gaps are
 * measured. tcpdump's own VRRP printer gives the fields (`-tt`: epoch timestamps).
 */
export class FilteredCapture {
  readonly adverts: SeenAdvert[] = [];
  private constructor(
    private readonly vl: VrrpLab,
    private readonly child: ChildProcess,
  ) {}

  static async start(vl: VrrpLab, filter: string): Promise<FilteredCapture> {
    const child = vl.lab.spawn(vl.lab.switchNs, [
      'tcpdump', '-i', 'br0', '-n', '-l', '-tt', '--immediate-mode', '--time-stamp-precision=micro', '-s', '256', filter,
    ]);
    const cap = new FilteredCapture(vl, child);
    let partial = '';
    child.stdout?.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        const m = /^(\d+\.\d+) IP (\S+) > (\S+?): VRRPv\d, Advertisement, vrid (\d+), prio (\d+)/.exec(l);
        if (m) cap.adverts.push({ t: Number(m[1]) * 1000, src: m[2]!, dst: m[3]!, vrid: Number(m[4]), priority: Number(m[5]) });
      }
    });
    let err = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (/listening on/.test(err)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tcpdump exited (${code}): ${err}`));
      });
    });
    return cap;
  }

  where(f: { vrid?: number; src?: string; after?: number; before?: number }): SeenAdvert[] {
    return this.adverts.filter(
      (a) =>
        (f.vrid === undefined || a.vrid === f.vrid) &&
        (f.src === undefined || a.src === f.src) &&
        (f.after === undefined || a.t > f.after) &&
        (f.before === undefined || a.t < f.before),
    );
  }

  async stop(): Promise<void> {
    await this.vl.lab.stop(this.child, 'SIGINT', 2000);
  }
}
