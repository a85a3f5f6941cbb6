/**
 * A VRRP lab on top of test/helpers/netns.ts: keepvip and keepalived nodes in namespaces,
 * each started with a configuration generated for the scenario, and a capture of every
 * advert, gratuitous ARP and unsolicited NA on the switch's bridge. Shared by the interop
 * tests, the demo and the benchmarks.
 *
 *   const vl = await VrrpLab.create({ nodes: ['a', 'b'] });
 *   try {
 *     await vl.start('a', 'keepvip', renderConfig(MODES.v2, vl.peerView('a'), { priority: 150 }));
 *     ...
 *     const f = vl.capture.failover({ vrid: 51, from: vl.srcOf('a', 4), to: vl.srcOf('b', 4), after: t0 });
 *   } finally {
 *     await vl.close();
 *   }
 *
 * The capture is `tcpdump -w -` on br0 in the switch namespace (promiscuous, so unicast
 * adverts between two ports are seen too), parsed as a pcap stream with the record layout
 * of test/helpers/pcap.ts. Timestamps are the kernel's (CLOCK_REALTIME, microseconds), in
 * milliseconds since the epoch, comparable with Date.now().
 *
 * Timer theory (for comparing measured failovers):
 *   RFC 3768 §6.1 (v2): Skew_Time = (256 - Priority) / 256 s
 *   RFC 9568 §6.1 (v3): Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256
 *   Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time
 */
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArpFrame } from '../../src/core/codec/arp.js';
import { parseNeighborAdvertFrame } from '../../src/core/codec/ndisc.js';
import { decodeAdvert } from '../../src/core/codec/vrrp.js';
import type { Family } from '../../src/core/ip.js';
import { createLab, type Lab, type LabNode } from './netns.js';
import { LINKTYPE_ETHERNET, parseIpFrame, writePcap } from './pcap.js';

/** The repository root (where package.json and src/cli.ts live). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KEEPVIP_CLI = join(REPO_ROOT, 'src', 'cli.ts');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------
// Waiting

/**
 * Poll `predicate` every `intervalMs` until it returns a truthy value (returned), or throw
 * after `timeoutMs` with `what` and, when given, `explain()` (state to help a reader).
 */
export async function waitFor<T>(
  predicate: () => T | undefined | null | false,
  timeoutMs: number,
  what = 'condition',
  opts: { intervalMs?: number; explain?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = predicate();
    if (v) return v;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${opts.explain ? `\n${opts.explain()}` : ''}`);
    }
    await sleep(opts.intervalMs ?? 20);
  }
}

// ---------------------------------------------------------------------------------------
// Timer theory

/** Skew_Time in ms: RFC 3768 §6.1 (v2) or RFC 9568 §6.1 (v3). */
export function skewTimeMs(version: 2 | 3, priority: number, advertIntS: number): number {
  return version === 2 ? ((256 - priority) * 1000) / 256 : ((256 - priority) * advertIntS * 1000) / 256;
}

/** Master_Down_Interval in ms = 3 * Master_Adver_Interval + Skew_Time. */
export function masterDownIntervalMs(version: 2 | 3, priority: number, advertIntS: number): number {
  return 3 * advertIntS * 1000 + skewTimeMs(version, priority, advertIntS);
}

// ---------------------------------------------------------------------------------------
// Configuration

/** One way of running VRRP between the nodes. */
export interface VrrpMode {
  name: string;
  version: 2 | 3;
  family: Family;
  unicast: boolean;
  /** advert_int, seconds. */
  advertInt: number;
  /** The virtual address with its prefix length, as written in virtual_ipaddress. */
  vip: string;
}

export const MODES = {
  v2: { name: 'VRRPv2 IPv4 multicast', version: 2, family: 4, unicast: false, advertInt: 1, vip: '192.0.2.100/24' },
  v3: { name: 'VRRPv3 IPv4 multicast', version: 3, family: 4, unicast: false, advertInt: 0.2, vip: '192.0.2.100/24' },
  v3v6: { name: 'VRRPv3 IPv6 multicast', version: 3, family: 6, unicast: false, advertInt: 0.2, vip: '2001:db8::100/64' },
  v2uni: { name: 'VRRPv2 IPv4 unicast peers', version: 2, family: 4, unicast: true, advertInt: 1, vip: '192.0.2.100/24' },
  v3uni: { name: 'VRRPv3 IPv4 unicast peers', version: 3, family: 4, unicast: true, advertInt: 0.2, vip: '192.0.2.100/24' },
} as const satisfies Record<string, VrrpMode>;

/** The VIP without its prefix length. */
export function vipAddress(mode: VrrpMode): string {
  return mode.vip.split('/')[0]!;
}

export interface InstanceOptions {
  priority: number;
  nopreempt?: boolean;
  vrid?: number;
  instance?: string;
  /** keepvip_defs { manage_ip_forward on } (default true; keepalived skips the block). */
  manageForward?: boolean;
  /** Extra lines inside vrrp_instance. */
  extra?: string[];
}

/** What a node's configuration needs to know about itself and its peers. */
export interface PeerView {
  self: LabNode;
  peers: LabNode[];
  /**
   * keepvip_defs control_socket: the default /run/keepvip/keepvip.sock is one file for all
   * namespaces, so nodes running side by side each get their own.
   */
  controlSocket?: string;
}

export const DEFAULT_VRID = 51;
export const DEFAULT_INSTANCE = 'VI_1';

/**
 * A keepalived.conf for one node. The same text runs under keepvip and keepalived 2.2.7
 * (keepalived warns about and skips keepvip_defs). GARP second bursts are turned off so
 * captures only hold the transition's own burst.
 */
export function renderConfig(mode: VrrpMode, view: PeerView, opts: InstanceOptions): string {
  const addr = (n: LabNode) => (mode.family === 4 ? n.ipv4 : n.ipv6);
  const lines: string[] = [
    `! generated by test/helpers/vrrp-lab.ts: ${mode.name}, node ${view.self.ns}`,
    'global_defs {',
    `    router_id ${view.self.ns}`,
    '    vrrp_garp_master_delay 0',
    '}',
  ];
  const defs: string[] = [];
  if (opts.manageForward !== false) defs.push('    manage_ip_forward on');
  if (view.controlSocket) defs.push(`    control_socket ${view.controlSocket}`);
  if (defs.length) lines.push('keepvip_defs {', ...defs, '}');
  lines.push(
    `vrrp_instance ${opts.instance ?? DEFAULT_INSTANCE} {`,
    '    state BACKUP',
    `    interface ${view.self.ifname}`,
    `    virtual_router_id ${opts.vrid ?? DEFAULT_VRID}`,
    `    priority ${opts.priority}`,
    `    advert_int ${mode.advertInt}`,
  );
  if (mode.family === 4) lines.push(`    version ${mode.version}`);
  if (opts.nopreempt) lines.push('    nopreempt');
  if (mode.unicast) {
    lines.push(`    unicast_src_ip ${addr(view.self)}`, '    unicast_peer {');
    for (const p of view.peers) lines.push(`        ${addr(p)}`);
    lines.push('    }');
  }
  for (const l of opts.extra ?? []) lines.push(`    ${l}`);
  lines.push('    virtual_ipaddress {', `        ${mode.vip} dev ${view.self.ifname}`, '    }', '}', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// Capture

export interface CapturedAdvert {
  /** Capture time, ms since the epoch (microsecond resolution). */
  t: number;
  family: Family;
  src: string;
  dst: string;
  ttl: number;
  ethSrc: string;
  version: number;
  vrid: number;
  priority: number;
  /** Centiseconds (v2: seconds * 100). */
  intervalCs: number;
  count: number;
  /** Whether the whole message decodes (length, checksum ...) as a receiver would see it. */
  ok: boolean;
  /** Why it does not decode, when !ok. */
  error?: string;
}

/** A TCP segment to or from the port named in VrrpLabOptions.captureTcpPort. */
export interface CapturedSegment {
  /** Capture time, ms since the epoch (microsecond resolution). */
  t: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  syn: boolean;
  /** TCP payload bytes. */
  payload: number;
}

export interface CapturedAnnouncement {
  t: number;
  kind: 'garp' | 'na';
  /** The announcing interface's MAC (ARP sender / NA target link-layer address). */
  mac: string;
  /** The announced address (ARP sender IP / NA target). */
  address: string;
  /** NA only: the Override and Router flags. */
  override?: boolean;
  router?: boolean;
}

/** Incremental parser of a classic pcap byte stream (tcpdump -w -), record by record. */
class PcapStream {
  private buf: Buffer = Buffer.alloc(0);
  private le: boolean | undefined;
  private nsec = false;
  linktype = -1;

  constructor(private readonly onRecord: (tsMs: number, data: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (this.le === undefined) {
      if (this.buf.length < 24) return;
      const m = this.buf.readUInt32LE(0);
      if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) this.le = true;
      else if (this.buf.readUInt32BE(0) === 0xa1b2c3d4 || this.buf.readUInt32BE(0) === 0xa1b23c4d) this.le = false;
      else throw new Error(`capture: not a classic pcap stream (magic 0x${m.toString(16)})`);
      const magic = this.le ? m : this.buf.readUInt32BE(0);
      this.nsec = magic === 0xa1b23c4d;
      this.linktype = (this.le ? this.buf.readUInt32LE(20) : this.buf.readUInt32BE(20)) & 0x0fffffff;
      this.buf = this.buf.subarray(24);
    }
    const u32 = (o: number) => (this.le ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o));
    let o = 0;
    while (o + 16 <= this.buf.length) {
      const incl = u32(o + 8);
      if (o + 16 + incl > this.buf.length) break;
      const tsMs = u32(o) * 1000 + u32(o + 4) / (this.nsec ? 1e6 : 1e3);
      this.onRecord(tsMs, Buffer.from(this.buf.subarray(o + 16, o + 16 + incl)));
      o += 16 + incl;
    }
    this.buf = this.buf.subarray(o);
  }
}

export interface FailoverMeasure {
  /** The old master's last advert with priority > 0 before the new master's first (ms, epoch). */
  lastOld: number;
  /** The new master's first advert after `after` (ms, epoch). */
  firstNew: number;
  /** firstNew - lastOld, ms. */
  gapMs: number;
}

export interface HandoverMeasure {
  /** The leaving master's priority-0 advert (ms, epoch). */
  leave: number;
  firstNew: number;
  /** firstNew - leave, ms. */
  gapMs: number;
}

/**
 * Every VRRP advert, gratuitous ARP and unsolicited NA crossing the switch, with capture
 * timestamps. Frames are kept, so a failing test can save them (savePcap) for tshark.
 */
export class AdvertCapture {
  readonly adverts: CapturedAdvert[] = [];
  readonly announcements: CapturedAnnouncement[] = [];
  readonly segments: CapturedSegment[] = [];
  private readonly frames: Array<{ tsSec: number; tsUsec: number; data: Buffer }> = [];
  private stderr = '';

  private constructor(
    private readonly lab: Lab,
    private readonly child: ChildProcess,
  ) {}

  /** Start tcpdump on the switch bridge; resolves once it is listening. */
  static async start(lab: Lab, iface = 'br0', tcpPort?: number): Promise<AdvertCapture> {
    const child = lab.spawn(lab.switchNs, [
      // --immediate-mode: no packet-buffer timeout (TPACKET_V3 would otherwise hand packets
      // over in blocks, up to a second late).
      'tcpdump', '-i', iface, '-n', '-U', '--immediate-mode', '-s', '0', '--time-stamp-precision=micro', '-w', '-',
      `ip proto 112 or ip6 proto 112 or arp or icmp6${tcpPort ? ` or tcp port ${tcpPort}` : ''}`,
    ]);
    const cap = new AdvertCapture(lab, child);
    const stream = new PcapStream((t, data) => cap.onFrame(stream.linktype, t, data));
    child.stdout?.on('data', (d: Buffer) => stream.push(d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start listening: ${cap.stderr}`)), 10_000);
      child.stderr?.on('data', (d: Buffer) => {
        cap.stderr += d.toString();
        if (/listening on/.test(cap.stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tcpdump exited (${code}): ${cap.stderr}`));
      });
    });
    return cap;
  }

  private onFrame(linktype: number, t: number, data: Buffer): void {
    this.frames.push({ tsSec: Math.floor(t / 1000), tsUsec: Math.round((t % 1000) * 1000), data });
    if (linktype !== LINKTYPE_ETHERNET) return;
    const ip = parseIpFrame(linktype, data);
    if (ip && ip.proto === 112) {
      const p = ip.payload;
      if (p.length < 8) return;
      const version = p[0]! >> 4;
      const d = decodeAdvert(p, { family: ip.family, src: ip.src, dst: ip.dst, ttl: ip.ttl, ifname: 'br0' });
      const a: CapturedAdvert = {
        t,
        family: ip.family,
        src: ip.src,
        dst: ip.dst,
        ttl: ip.ttl,
        ethSrc: macAt(data, 6),
        version,
        vrid: p[1]!,
        priority: p[2]!,
        intervalCs: version === 2 ? p[5]! * 100 : ((p[4]! & 0x0f) << 8) | p[5]!,
        count: p[3]!,
        ok: d.ok,
      };
      if (!d.ok) a.error = `${d.reason}: ${d.detail}`;
      this.adverts.push(a);
      return;
    }
    if (ip && ip.proto === 6) {
      const p = ip.payload;
      if (p.length < 20) return;
      this.segments.push({
        t,
        src: ip.src,
        dst: ip.dst,
        srcPort: p.readUInt16BE(0),
        dstPort: p.readUInt16BE(2),
        syn: (p[13]! & 0x02) !== 0,
        payload: p.length - (p[12]! >> 4) * 4,
      });
      return;
    }
    const arp = parseArpFrame(data);
    if (arp) {
      if (arp.gratuitous) this.announcements.push({ t, kind: 'garp', mac: arp.senderMac, address: arp.senderIp });
      return;
    }
    const na = parseNeighborAdvertFrame(data);
    if (na && !na.solicited) {
      this.announcements.push({
        t,
        kind: 'na',
        mac: na.targetLinkLayer ?? na.ethSrc,
        address: na.target,
        override: na.override,
        router: na.router,
      });
    }
  }

  /** Adverts matching a filter (all fields optional; `after`/`before` in ms epoch, exclusive). */
  advertsWhere(f: { vrid?: number; src?: string; after?: number; before?: number; minPriority?: number; priority?: number }): CapturedAdvert[] {
    return this.adverts.filter(
      (a) =>
        (f.vrid === undefined || a.vrid === f.vrid) &&
        (f.src === undefined || a.src === f.src) &&
        (f.after === undefined || a.t > f.after) &&
        (f.before === undefined || a.t < f.before) &&
        (f.minPriority === undefined || a.priority >= f.minPriority) &&
        (f.priority === undefined || a.priority === f.priority),
    );
  }

  /** The source of the most recent advert with priority > 0 for a VRID (undefined: none yet). */
  currentMaster(vrid: number): string | undefined {
    for (let i = this.adverts.length - 1; i >= 0; i--) {
      const a = this.adverts[i]!;
      if (a.vrid === vrid && a.priority > 0) return a.src;
    }
    return undefined;
  }

  /** Distinct sources of adverts with priority > 0 within the last `windowMs` (before `at`). */
  activeSources(vrid: number, windowMs: number, at = Date.now()): string[] {
    return [...new Set(this.advertsWhere({ vrid, after: at - windowMs, before: at + 1, minPriority: 1 }).map((a) => a.src))];
  }

  /** GARPs / unsolicited NAs announcing `address`, optionally from `mac` and after a time. */
  announcementsOf(address: string, f: { mac?: string; after?: number } = {}): CapturedAnnouncement[] {
    return this.announcements.filter(
      (n) => n.address === address && (f.mac === undefined || n.mac === f.mac) && (f.after === undefined || n.t > f.after),
    );
  }

  /**
   * A failover as seen on the wire: the new master's first advert after `after`, minus
   * the old master's last advert (priority > 0) before it. Undefined until both exist.
   */
  failover(f: { vrid: number; from: string; to: string; after: number }): FailoverMeasure | undefined {
    const first = this.advertsWhere({ vrid: f.vrid, src: f.to, after: f.after, minPriority: 1 })[0];
    if (!first) return undefined;
    const old = this.advertsWhere({ vrid: f.vrid, src: f.from, before: first.t, minPriority: 1 }).at(-1);
    if (!old) return undefined;
    return { lastOld: old.t, firstNew: first.t, gapMs: first.t - old.t };
  }

  /**
   * A graceful handover: the leaving master's priority-0 advert after `after`, and the new
   * master's first advert after it. Undefined until both exist.
   */
  handover(f: { vrid: number; from: string; to: string; after: number }): HandoverMeasure | undefined {
    const leave = this.advertsWhere({ vrid: f.vrid, src: f.from, after: f.after, priority: 0 })[0];
    if (!leave) return undefined;
    const first = this.advertsWhere({ vrid: f.vrid, src: f.to, after: leave.t, minPriority: 1 })[0];
    if (!first) return undefined;
    return { leave: leave.t, firstNew: first.t, gapMs: first.t - leave.t };
  }

  /** Save everything captured so far as a pcap file (for tshark / wireshark). */
  savePcap(path: string): void {
    writeFileSync(path, writePcap(this.frames, LINKTYPE_ETHERNET));
  }

  /** A short text timeline of adverts and announcements after `after` (for error messages). */
  timeline(after = 0, limit = 60): string {
    const rows = [
      ...this.adverts.filter((a) => a.t > after).map((a) => ({ t: a.t, s: `advert v${a.version} vrid ${a.vrid} prio ${a.priority} ${a.src} -> ${a.dst} ttl ${a.ttl}${a.ok ? '' : ` (${a.error})`}` })),
      ...this.announcements.filter((n) => n.t > after).map((n) => ({ t: n.t, s: `${n.kind} ${n.address} from ${n.mac}` })),
    ].sort((x, y) => x.t - y.t);
    return rows
      .slice(-limit)
      .map((r) => `${new Date(r.t).toISOString()} ${r.s}`)
      .join('\n');
  }

  async stop(): Promise<void> {
    await this.lab.stop(this.child, 'SIGINT', 2000);
  }
}

function macAt(frame: Buffer, off: number): string {
  return [...frame.subarray(off, off + 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

// ---------------------------------------------------------------------------------------
// Run-wide recording (test/global-setup.ts scans it for secrets after the whole run)

/** Set by test/global-setup.ts: the run-wide directory daemon output and configs go to. */
export const RUN_DIR_ENV = 'KEEPVIP_TEST_RUN_DIR';
let recorded = 0;

/**
 * Record a keepvip daemon for the run-wide secret scan: its configuration text, the
 * content of every credentials_file it names (read now: tests delete them), and its
 * stdout/stderr appended as they arrive. A no-op outside a run with the global setup.
 * keepalived is not recorded: it prints its own PASS password, which is not ours to fix.
 */
export function recordDaemonOutput(name: string, child: ChildProcess, configText: string): void {
  const dir = process.env[RUN_DIR_ENV];
  if (!dir || !existsSync(dir)) return;
  const base = join(dir, `${process.pid}-${recorded++}-${name.replace(/[^\w.-]/g, '_')}`);
  const credentials: Record<string, string> = {};
  for (const m of configText.matchAll(/^\s*credentials_file\s+["']?([^\s"']+)/gm)) {
    try {
      credentials[m[1]!] = readFileSync(m[1]!, 'utf8');
    } catch {
      /* unreadable now: the daemon cannot read it either */
    }
  }
  writeFileSync(`${base}.record.json`, JSON.stringify({ name, pid: child.pid, config: configText, credentials }), { mode: 0o600 });
  // One file per stream: a secret split across chunks stays contiguous.
  child.stdout?.on('data', (d: Buffer) => appendFileSync(`${base}.stdout.log`, d));
  child.stderr?.on('data', (d: Buffer) => appendFileSync(`${base}.stderr.log`, d));
}

/**
 * Record what a daemon showed through another door (status, metrics, dumps, CLI output)
 * for the run-wide secret scan. A no-op outside a run with the global setup.
 */
export function recordDaemonText(kind: string, text: string): void {
  const dir = process.env[RUN_DIR_ENV];
  if (!dir || !existsSync(dir)) return;
  writeFileSync(join(dir, `${process.pid}-${recorded++}-${kind.replace(/[^\w.-]/g, '_')}.log`), text, { mode: 0o600 });
}

// ---------------------------------------------------------------------------------------
// Daemons

export type Impl = 'keepvip' | 'keepalived';
export type VrrpStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export interface StateChange {
  /** Date.now() when the log line arrived. */
  t: number;
  instance: string;
  state: VrrpStateName;
}

/** keepalived 2.2.7 console lines: "(VI_1) Entering MASTER STATE", "(VI_1) Entering BACKUP STATE (init)". */
const KEEPALIVED_STATE = /\(([^)\s]+)\) Entering (MASTER|BACKUP|FAULT) STATE/;

/** A running (or finished) keepvip or keepalived process in a lab node. */
export class VrrpDaemon {
  /** Every output line (stdout and stderr), in arrival order. */
  readonly lines: string[] = [];
  /** keepvip JSON log records (empty for keepalived or with human-readable logs). */
  readonly records: Array<Record<string, unknown>> = [];
  readonly states: StateChange[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Set by VrrpLab.kill(): the daemon died without cleaning up. */
  crashed = false;
  private partial = { out: '', err: '' };

  constructor(
    readonly name: string,
    readonly impl: Impl,
    readonly child: ChildProcess,
    readonly configFile: string,
    /** keepalived: its VRRP child's pid file. */
    readonly vrrpPidFile?: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stdout?.on('data', (d: Buffer) => this.onData('out', d));
    child.stderr?.on('data', (d: Buffer) => this.onData('err', d));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** keepalived's VRRP child process id (from its pid file), when it has one. */
  vrrpPid(): number | undefined {
    if (!this.vrrpPidFile || !existsSync(this.vrrpPidFile)) return undefined;
    const n = Number.parseInt(readFileSync(this.vrrpPidFile, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  }

  private onData(which: 'out' | 'err', d: Buffer): void {
    const text = this.partial[which] + d.toString();
    const parts = text.split('\n');
    this.partial[which] = parts.pop() ?? '';
    for (const line of parts) this.onLine(line);
  }

  private onLine(line: string): void {
    this.lines.push(line);
    const t = Date.now();
    if (this.impl === 'keepvip' && line.startsWith('{')) {
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        this.records.push(rec);
        if (rec.event === 'instance_state' && typeof rec.instance === 'string' && typeof rec.to === 'string') {
          this.states.push({ t, instance: rec.instance, state: rec.to as VrrpStateName });
        }
      } catch {
        /* not a JSON line */
      }
      return;
    }
    const m = KEEPALIVED_STATE.exec(line);
    if (m) this.states.push({ t, instance: m[1]!, state: m[2] as VrrpStateName });
    else if (this.impl === 'keepvip') {
      // Human-readable keepvip lines (-l): '(VI_1) state changed {"instance":"VI_1","from":"INIT","to":"BACKUP",...}'.
      const k = /\(([^)\s]+)\) state changed.*"to":"(MASTER|BACKUP|FAULT|STOP)"/.exec(line);
      if (k) this.states.push({ t, instance: k[1]!, state: k[2] as VrrpStateName });
    }
  }

  /** The last state the daemon logged for an instance. */
  state(instance = DEFAULT_INSTANCE): VrrpStateName | undefined {
    for (let i = this.states.length - 1; i >= 0; i--) if (this.states[i]!.instance === instance) return this.states[i]!.state;
    return undefined;
  }

  /** keepvip log records of one event. */
  events(name: string): Array<Record<string, unknown>> {
    return this.records.filter((r) => r.event === name);
  }

  output(lastLines = 80): string {
    return this.lines.slice(-lastLines).join('\n');
  }
}

export interface StartOptions {
  /** The -i config id (default: the node name). */
  configId?: string;
  /** keepvip: human-readable logs (-l) instead of JSON lines (default false). */
  humanLogs?: boolean;
  /** keepvip / keepalived: -D. */
  detail?: boolean;
  /** Wait until the daemon logs its first state for this instance (default VI_1; null: don't wait). */
  waitInstance?: string | null;
  /** Timeout for that wait, ms (default 20 s). */
  startTimeoutMs?: number;
}

export interface VrrpLabOptions {
  nodes: string[];
  /** Start the bridge capture (default true). */
  capture?: boolean;
  /** Set IPv4 and IPv6 forwarding to 1 in every node namespace (default true). */
  forwarding?: boolean;
  /** Also capture TCP to and from this port (AdvertCapture.segments), e.g. a cloud API's. */
  captureTcpPort?: number;
}

const liveVrrpLabs = new Set<VrrpLab>();
let vrrpExitHook = false;

/** A namespace lab running VRRP daemons, with a capture on the switch. */
export class VrrpLab {
  readonly daemons = new Map<string, VrrpDaemon>();
  /** Every daemon ever started, for diagnostics. */
  readonly history: VrrpDaemon[] = [];
  /** Address (with link-local) -> node name, recorded at creation. */
  private readonly owners = new Map<string, string>();
  private starts = 0;

  private constructor(
    readonly lab: Lab,
    /** Temp directory for configurations, pid files and saved captures. */
    readonly dir: string,
    private cap: AdvertCapture | undefined,
  ) {}

  static async create(opts: VrrpLabOptions): Promise<VrrpLab> {
    const lab = createLab({ nodes: opts.nodes });
    let dir: string | undefined;
    try {
      dir = mkdtempSync(join(tmpdir(), 'keepvip-vrrp-lab-'));
      chmodSync(dir, 0o755);
      const vl = new VrrpLab(lab, dir, undefined);
      for (const name of opts.nodes) {
        for (const a of lab.addresses(name)) vl.owners.set(a, name);
        if (opts.forwarding !== false) {
          vl.setForwarding(name, 4, true);
          vl.setForwarding(name, 6, true);
        }
      }
      if (opts.capture !== false) vl.cap = await AdvertCapture.start(lab, 'br0', opts.captureTcpPort);
      if (!vrrpExitHook) {
        vrrpExitHook = true;
        // netns.ts kills the processes it spawned on exit; keepalived's VRRP children are
        // grandchildren, and outlive their parent unless killed by pid.
        process.once('exit', () => {
          for (const l of liveVrrpLabs) l.killVrrpChildren();
        });
      }
      liveVrrpLabs.add(vl);
      return vl;
    } catch (e) {
      await lab.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  get capture(): AdvertCapture {
    if (!this.cap) throw new Error('this lab has no capture');
    return this.cap;
  }

  node(name: string): LabNode {
    return this.lab.node(name);
  }

  /** The node itself and the other nodes, for renderConfig. */
  peerView(name: string): PeerView {
    return {
      self: this.node(name),
      peers: [...this.lab.nodes.keys()].filter((n) => n !== name).map((n) => this.node(n)),
      controlSocket: join(this.dir, `${name}.ctl`),
    };
  }

  /** The address a node's adverts come from: its IPv4, or its IPv6 link-local (RFC 9568 §5.1.2.1). */
  srcOf(name: string, family: Family, unicast = false): string {
    const n = this.node(name);
    if (family === 4) return n.ipv4;
    if (unicast) return n.ipv6;
    const ll = [...this.owners].find(([a, o]) => o === name && a.startsWith('fe80:'));
    if (!ll) throw new Error(`node ${name} has no IPv6 link-local address`);
    return ll[0];
  }

  /** The node that owns an interface address (not a VIP), if any. */
  nodeOf(address: string | undefined): string | undefined {
    return address === undefined ? undefined : this.owners.get(address);
  }

  /** The node whose adverts were seen last for the VRID (priority > 0), by the capture. */
  currentMaster(vrid = DEFAULT_VRID): string | undefined {
    return this.nodeOf(this.capture.currentMaster(vrid));
  }

  /**
   * Nodes that have `vip` (address without prefix) on their lab interface. With
   * excludeCrashed, nodes whose daemon was killed (kill()) are left out: a crashed host's
   * leftovers are not a second holder.
   */
  vipHolders(vip: string, opts: { excludeCrashed?: boolean } = {}): string[] {
    return [...this.lab.nodes.keys()].filter((n) => {
      if (opts.excludeCrashed && this.daemons.get(n)?.crashed) return false;
      return this.lab.addresses(n).includes(vip);
    });
  }

  /** IP forwarding in a node: net.ipv4.ip_forward or net.ipv6.conf.all.forwarding. */
  forwarding(name: string, family: Family): number {
    return Number(this.lab.sysctl(name, family === 4 ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding'));
  }

  setForwarding(name: string, family: Family, on: boolean): void {
    const key = family === 4 ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding';
    this.lab.exec(this.node(name).ns, ['sysctl', '-qw', `${key}=${on ? 1 : 0}`]);
  }

  /** The keepvip control socket of a node (keepvip_defs control_socket, set by peerView). */
  controlSocket(name: string): string {
    return join(this.dir, `${name}.ctl`);
  }

  /**
   * Run a TypeScript script to completion inside a node's namespace
   * (`node --import tsx FILE ARGS...`); resolves with its stdout, rejects on a non-zero exit.
   */
  runScript(name: string, file: string, args: string[] = [], timeoutMs = 20_000): Promise<string> {
    const child = this.lab.spawn(this.node(name).ns, ['node', '--import', 'tsx', file, ...args], { cwd: REPO_ROOT });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.lab.stop(child, 'SIGKILL');
        reject(new Error(`${file} in ${name} did not finish within ${timeoutMs} ms: ${err}`));
      }, timeoutMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`${file} in ${name} exited (${code ?? signal}): ${err}${out}`));
      });
    });
  }

  /** Write a file into the lab's temp directory; returns its path. */
  writeFile(file: string, text: string): string {
    const path = join(this.dir, file);
    writeFileSync(path, text);
    return path;
  }

  /**
   * Start keepvip or keepalived in a node with this configuration text. Resolves when it
   * logged its first state for the instance (unless opts.waitInstance is null).
   */
  async start(name: string, impl: Impl, config: string, opts: StartOptions = {}): Promise<VrrpDaemon> {
    if (this.daemons.get(name)?.running) throw new Error(`node ${name} already runs a daemon`);
    const n = this.node(name);
    const tag = `${name}-${impl}-${this.starts++}`;
    const conf = this.writeFile(`${tag}.conf`, config);
    const id = opts.configId ?? name;
    let d: VrrpDaemon;
    if (impl === 'keepvip') {
      const args = ['node', '--import', 'tsx', KEEPVIP_CLI, '-n', '-f', conf, '-i', id];
      if (opts.humanLogs) args.push('-l');
      if (opts.detail) args.push('-D');
      d = new VrrpDaemon(name, impl, this.lab.spawn(n.ns, args, { cwd: REPO_ROOT }), conf);
      recordDaemonOutput(name, d.child, config);
    } else {
      // Distinct pid files per node; -P: VRRP only; -R: no respawn (a killed VRRP child stays dead);
      // -G: no syslog.
      const pid = (k: string) => join(this.dir, `${tag}.${k}.pid`);
      const args = ['keepalived', '-n', '-l', '-G', '-P', '-R', '-f', conf, '-i', id,
        '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers'), '-b', pid('bfd')];
      if (opts.detail !== false) args.push('-D');
      d = new VrrpDaemon(name, impl, this.lab.spawn(n.ns, args), conf, pid('vrrp'));
    }
    this.daemons.set(name, d);
    this.history.push(d);
    const instance = opts.waitInstance === undefined ? DEFAULT_INSTANCE : opts.waitInstance;
    if (instance !== null) {
      const timeout = opts.startTimeoutMs ?? 20_000;
      await Promise.race([
        waitFor(() => d.state(instance), timeout, `${impl} in ${name} to log a state for ${instance}`, {
          explain: () => d.output(),
        }),
        d.exited.then(({ code, signal }) => {
          if (d.state(instance)) return;
          throw new Error(`${impl} in ${name} exited (${code ?? signal}) before logging a state:\n${d.output()}`);
        }),
      ]);
    }
    return d;
  }

  daemon(name: string): VrrpDaemon {
    const d = this.daemons.get(name);
    if (!d) throw new Error(`no daemon in node ${name}`);
    return d;
  }

  /**
   * Crash a node's daemon: SIGKILL, no goodbye. For keepalived the VRRP child is killed
   * first: killing the parent alone leaves the VRRP child running and advertising.
   */
  async kill(name: string): Promise<void> {
    const d = this.daemon(name);
    d.crashed = true;
    if (d.impl === 'keepalived') {
      const vrrp = d.vrrpPid();
      if (vrrp !== undefined) {
        try {
          process.kill(vrrp, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    await this.lab.stop(d.child, 'SIGKILL', 1000);
  }

  /** Graceful stop (SIGTERM); waits for the process to exit. */
  async terminate(name: string, graceMs = 8000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const d = this.daemon(name);
    await this.lab.stop(d.child, 'SIGTERM', graceMs);
    return d.exited;
  }

  /** Take a node's interface down or up (inside its namespace). */
  setLink(name: string, up: boolean): void {
    this.lab.setLink(name, up);
  }

  /** Daemon outputs and the capture timeline, for failure messages. */
  explain(after = 0): string {
    const parts = [...this.daemons.values()].map((d) => `--- ${d.name} (${d.impl}, ${d.running ? 'running' : 'exited'}) ---\n${d.output(40)}`);
    if (this.cap) parts.push(`--- capture ---\n${this.cap.timeline(after)}`);
    return parts.join('\n');
  }

  /** SIGKILL the VRRP child of every keepalived still running in this lab (synchronous). */
  killVrrpChildren(): void {
    for (const d of this.daemons.values()) {
      if (d.impl !== 'keepalived' || !d.running) continue;
      const vrrp = d.vrrpPid();
      try {
        if (vrrp !== undefined) process.kill(vrrp, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  /** Stop everything (SIGKILL), stop the capture, delete the namespaces and the temp dir. */
  async close(opts: { keepDir?: boolean } = {}): Promise<void> {
    try {
      this.killVrrpChildren();
      await this.cap?.stop();
    } finally {
      await this.lab.cleanup();
      liveVrrpLabs.delete(this);
      if (!opts.keepDir) rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------------------------------
// One lab per test

const openLabs = new Set<VrrpLab>();

/**
 * Run `fn` in a new lab: a failure carries the lab's timeline and daemon output, and the
 * lab is closed when `fn` settles. A lab whose test timed out (fn never settled) is closed
 * by closeOpenLabs(), to be called from afterEach.
 */
export async function withVrrpLab<T>(opts: VrrpLabOptions, fn: (vl: VrrpLab) => Promise<T>): Promise<T> {
  const vl = await VrrpLab.create(opts);
  openLabs.add(vl);
  const t0 = Date.now();
  try {
    return await fn(vl);
  } catch (e) {
    if (e instanceof Error) e.message += `\n${vl.explain(t0)}`;
    throw e;
  } finally {
    openLabs.delete(vl);
    await vl.close();
  }
}

/** Close every lab withVrrpLab() still has open (afterEach). */
export async function closeOpenLabs(): Promise<void> {
  for (const vl of openLabs) await vl.close();
  openLabs.clear();
}
