/**
 * Link and address events for the daemon, and one-shot queries of an interface.
 *
 * Events (rtnetlink multicast groups RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR):
 * - `link`: a link's usability changed. `up` is IFF_UP && IFF_RUNNING (the kernel sets
 *   IFF_RUNNING when the RFC 2863 operational state is UP or UNKNOWN). The daemon turns
 *   `up: false` on an instance's interface into FAULT (keepalived tracks its interface
 *   unless `dont_track_primary`). Only changes are reported: the kernel also sends
 *   RTM_NEWLINK for MTU, stats or name changes, which are folded away here.
 * - `addr`: an address was added to or deleted from an interface, by anyone. The daemon
 *   re-adds a VIP deleted by someone else while MASTER (as keepalived does), and treats the
 *   loss of the interface's primary address as a FAULT. Note that Linux deletes an
 *   interface's IPv6 addresses when it goes down (unless keep_addr_on_down), so IPv6 VIPs
 *   must be re-added when it comes back.
 * - `overrun`: notifications were lost (kernel socket buffer full, or the monitor had to be
 *   restarted). The watcher re-reads links and addresses itself and reports the differences
 *   as ordinary events; the event only says that short-lived changes may have been missed.
 *
 * Two sources of notifications:
 * - `ip-monitor` (default): a child `ip -o monitor link address` (iproute2, same groups)
 *   serves only as a wake-up; on each burst of lines the watcher dumps links and addresses
 *   over netlink and reports the differences from its last snapshot. A change that is
 *   undone before the dump (delete + re-add) is not reported, which is harmless for a
 *   state-driven daemon. `ip monitor` survives kernel overruns (it logs ENOBUFS and goes
 *   on); the watcher restarts it if it exits. A periodic re-read (default 30 s) is a
 *   safety net, and also covers the moment between spawning `ip` and its subscription.
 * - `netlink`: the `netlink` package's socket in this process, one exact event per kernel
 *   notification. NOT safe with netlink 0.3.0: when the socket overflows, the kernel flags
 *   an error (ENOBUFS), epoll reports EPOLLERR, libuv calls the package's poll handler with
 *   UV_EBADF, and its native code builds an exception with a NULL syscall name, which throws
 *   a C++ Napi::Error that nothing catches: std::terminate, SIGABRT, no JS handler runs
 *   (test/netlink/links.test.ts pins this). Use only where overruns cannot happen.
 *
 * One-shot: `queryLink` (state of one interface) and `sourceAddresses` (the primary IPv4
 * address and the link-local IPv6 address, used as the VRRP source: RFC 9568 §5.1.1.1 and
 * §5.1.2.1 — an IPv6 advert is sent from the interface's link-local address).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ipToBytes, type Family } from '../../core/ip.js';
import { RtnlClient, RtnlMonitor, type NetlinkError, type OperState, type RtnlAddress, type RtnlEvent, type RtnlLink } from './netlink.js';

export interface LinkEvent {
  type: 'link';
  ifname: string;
  ifindex: number;
  /** IFF_UP && IFF_RUNNING. */
  up: boolean;
  /** IFF_UP alone (administrative state). */
  adminUp: boolean;
  operState: OperState;
  /** The link was deleted (RTM_DELLINK). */
  removed?: true;
}

export interface AddrEvent {
  type: 'addr';
  op: 'add' | 'del';
  ifname: string;
  ifindex: number;
  family: Family;
  address: string;
  prefixLen: number;
  /** IPv4 label (e.g. eth0:vip), when the kernel reports one. */
  label?: string;
  secondary: boolean;
  tentative: boolean;
}

export interface OverrunEvent {
  type: 'overrun';
}

export type NetEvent = LinkEvent | AddrEvent | OverrunEvent;

export type WatchErrorCode =
  /** `ip` could not be started (ENOENT ...). */
  | 'WATCH_MONITOR_SPAWN'
  /** `ip monitor` exited; it is restarted. */
  | 'WATCH_MONITOR_EXITED'
  /** `ip monitor` wrote an error other than an overrun. */
  | 'WATCH_MONITOR_STDERR'
  /** Re-reading links and addresses failed. */
  | 'WATCH_RESYNC_FAILED';

export class WatchError extends Error {
  override readonly name = 'WatchError';
  constructor(
    readonly code: WatchErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface LinkState {
  ifname: string;
  ifindex: number;
  up: boolean;
  adminUp: boolean;
  operState: OperState;
  mac?: string;
  mtu?: number;
}

export type WatchSource = 'ip-monitor' | 'netlink';

export interface WatchOptions {
  /** Where notifications come from (default 'ip-monitor'; see the module comment). */
  source?: WatchSource;
  /** Report only these interfaces (default: all). */
  ifnames?: readonly string[];
  /** Keep the event loop alive while watching (default true). */
  ref?: boolean;
  /** netlink source: SO_RCVBUF for the event socket in bytes (default 1 MiB). */
  recvBufferSize?: number;
  /** ip-monitor source: path of the ip binary (default "ip"). */
  ipPath?: string;
  /** Re-read everything this often, in ms (default 30000; 0 = never). */
  resyncIntervalMs?: number;
  /** ip-monitor source: wait this long after a wake-up so a burst costs one re-read (default 5 ms). */
  debounceMs?: number;
  /** Errors that do not stop the watcher. */
  onError?: (err: NetlinkError | WatchError) => void;
}

function linkState(l: RtnlLink): LinkState {
  return {
    ifname: l.ifname,
    ifindex: l.ifindex,
    up: l.up,
    adminUp: l.adminUp,
    operState: l.operState,
    ...(l.mac !== undefined ? { mac: l.mac } : {}),
    ...(l.mtu !== undefined ? { mtu: l.mtu } : {}),
  };
}

const addrKey = (a: RtnlAddress): string => `${a.ifindex}|${a.address}/${a.prefixLen}`;

/**
 * Watches links and addresses. The subscription starts before the first read of the
 * current state, so no change between the two is lost; that first read emits nothing.
 */
export class LinkWatcher {
  private readonly links = new Map<number, LinkState>();
  private readonly addrs = new Map<string, RtnlAddress>();
  private readonly client: RtnlClient;
  private monitor: RtnlMonitor | undefined;
  private child: ChildProcess | undefined;
  private closed = false;
  private pending: Promise<void> = Promise.resolve();
  private resyncQueued = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private restartDelayMs = 100;

  private constructor(
    private readonly listener: (ev: NetEvent) => void,
    private readonly opts: WatchOptions,
  ) {
    this.client = RtnlClient.open();
  }

  static async start(listener: (ev: NetEvent) => void, opts: WatchOptions = {}): Promise<LinkWatcher> {
    const w = new LinkWatcher(listener, opts);
    try {
      if ((opts.source ?? 'ip-monitor') === 'netlink') {
        w.monitor = RtnlMonitor.open(['link', 'ipv4-addr', 'ipv6-addr'], (ev) => w.onRtnl(ev), {
          ref: opts.ref ?? true,
          ...(opts.recvBufferSize !== undefined ? { recvBufferSize: opts.recvBufferSize } : {}),
          onError: (e) => w.reportError(e),
        });
      } else {
        w.spawnMonitor();
      }
      await w.enqueue(() => w.resync(false));
      const every = opts.resyncIntervalMs ?? 30_000;
      if (every > 0) {
        const t = setInterval(() => w.scheduleResync(0), every);
        t.unref();
        w.timers.add(t);
      }
    } catch (e) {
      w.close();
      throw e;
    }
    return w;
  }

  /** The last known state of an interface. */
  state(ifname: string): LinkState | undefined {
    for (const l of this.links.values()) if (l.ifname === ifname) return l;
    return undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.monitor?.close();
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    this.child = undefined;
    this.client.close();
  }

  private wanted(ifname: string): boolean {
    return !this.opts.ifnames || this.opts.ifnames.includes(ifname);
  }

  private emit(ev: NetEvent): void {
    if (!this.closed) this.listener(ev);
  }

  private reportError(e: NetlinkError | WatchError): void {
    if (!this.closed) this.opts.onError?.(e);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    if (this.opts.ref === false) t.unref();
    this.timers.add(t);
  }

  /** Work runs in arrival order, one item at a time (some items need netlink requests). */
  private enqueue(fn: () => Promise<void> | void): Promise<void> {
    const next = this.pending.then(fn);
    this.pending = next.catch((e: unknown) => {
      this.reportError(
        e instanceof Error && 'code' in e ? (e as NetlinkError) : new WatchError('WATCH_RESYNC_FAILED', String(e)),
      );
    });
    return next;
  }

  /** Queue one re-read; wake-ups that arrive before it starts share it. */
  private scheduleResync(delayMs = this.opts.debounceMs ?? 5): void {
    if (this.resyncQueued || this.closed) return;
    this.resyncQueued = true;
    this.later(delayMs, () => {
      void this.enqueue(async () => {
        this.resyncQueued = false;
        if (!this.closed) await this.resync(true);
      });
    });
  }

  // --- ip-monitor source -------------------------------------------------------------

  private spawnMonitor(): void {
    const child = spawn(this.opts.ipPath ?? 'ip', ['-o', 'monitor', 'link', 'address'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    if (this.opts.ref === false) {
      child.unref();
      (child.stdout as unknown as { unref?: () => void }).unref?.();
      (child.stderr as unknown as { unref?: () => void }).unref?.();
    }
    createInterface({ input: child.stdout! }).on('line', () => {
      this.restartDelayMs = 100;
      this.scheduleResync();
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (/ENOBUFS|No buffer space/i.test(line)) {
        this.emit({ type: 'overrun' });
        this.scheduleResync();
      } else {
        this.reportError(new WatchError('WATCH_MONITOR_STDERR', `ip monitor: ${line}`));
      }
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      this.reportError(new WatchError('WATCH_MONITOR_SPAWN', `cannot run ip monitor: ${e.code ?? e.message}`));
    });
    child.once('exit', (code, signal) => {
      if (this.closed || this.child !== child) return;
      this.child = undefined;
      this.reportError(new WatchError('WATCH_MONITOR_EXITED', `ip monitor exited (${signal ?? code}); restarting`));
      this.emit({ type: 'overrun' });
      const delay = this.restartDelayMs;
      this.restartDelayMs = Math.min(this.restartDelayMs * 2, 5000);
      this.later(delay, () => {
        if (this.closed) return;
        this.spawnMonitor();
        this.scheduleResync(0);
      });
    });
    // `ip monitor` gives no sign of having subscribed: look again once it surely has.
    this.later(250, () => this.scheduleResync(0));
  }

  // --- netlink source ----------------------------------------------------------------

  private onRtnl(ev: RtnlEvent): void {
    void this.enqueue(async () => {
      if (this.closed) return;
      switch (ev.kind) {
        case 'link':
          this.applyLink(ev.link, ev.op === 'del', true);
          return;
        case 'addr':
          await this.applyAddr(ev.op === 'new' ? 'add' : 'del', ev.addr);
          return;
        case 'overrun':
          this.emit({ type: 'overrun' });
          await this.resync(true);
          return;
      }
    });
  }

  private async applyAddr(op: 'add' | 'del', a: RtnlAddress): Promise<void> {
    if (op === 'add') this.addrs.set(addrKey(a), a);
    else this.addrs.delete(addrKey(a));
    if (!this.links.has(a.ifindex)) {
      const l = await this.client.getLink(a.ifindex);
      if (l) this.applyLink(l, false, false);
    }
    this.emitAddr(op, a);
  }

  // --- shared ------------------------------------------------------------------------

  private applyLink(l: RtnlLink, removed: boolean, emit: boolean): void {
    const prev = this.links.get(l.ifindex);
    const next = linkState(removed ? { ...l, up: false, adminUp: false } : l);
    if (removed) this.links.delete(l.ifindex);
    else this.links.set(l.ifindex, next);
    if (!emit || !this.wanted(l.ifname)) return;
    const changed =
      removed || !prev || prev.up !== next.up || prev.adminUp !== next.adminUp || prev.operState !== next.operState;
    if (!changed) return;
    this.emit({
      type: 'link',
      ifname: next.ifname,
      ifindex: next.ifindex,
      up: next.up,
      adminUp: next.adminUp,
      operState: next.operState,
      ...(removed ? { removed: true as const } : {}),
    });
  }

  private emitAddr(op: 'add' | 'del', a: RtnlAddress, ifnameHint?: string): void {
    // An address of a link deleted in the meantime carries no name we can trust.
    const ifname = this.links.get(a.ifindex)?.ifname ?? ifnameHint;
    if (ifname === undefined || !this.wanted(ifname)) return;
    this.emit({
      type: 'addr',
      op,
      ifname,
      ifindex: a.ifindex,
      family: a.family,
      address: a.address,
      prefixLen: a.prefixLen,
      ...(a.label !== undefined ? { label: a.label } : {}),
      secondary: a.secondary,
      tentative: a.tentative,
    });
  }

  /** Re-read links and addresses; with `emit`, report what differs from the last snapshot. */
  private async resync(emit: boolean): Promise<void> {
    const links = await this.client.dumpLinks();
    const addrs = await this.client.dumpAddresses();
    const names = new Map([...this.links].map(([i, l]) => [i, l.ifname]));
    const seen = new Set<number>();
    for (const l of links) {
      seen.add(l.ifindex);
      this.applyLink(l, false, emit);
    }
    for (const [ifindex, l] of [...this.links]) {
      if (seen.has(ifindex)) continue;
      this.links.delete(ifindex);
      if (emit && this.wanted(l.ifname)) {
        this.emit({ type: 'link', ifname: l.ifname, ifindex, up: false, adminUp: false, operState: 'notpresent', removed: true });
      }
    }
    const now = new Map(addrs.map((a) => [addrKey(a), a]));
    for (const [k, a] of [...this.addrs]) {
      if (now.has(k)) continue;
      this.addrs.delete(k);
      if (emit) this.emitAddr('del', a, names.get(a.ifindex));
    }
    for (const [k, a] of now) {
      if (this.addrs.has(k)) {
        this.addrs.set(k, a);
        continue;
      }
      this.addrs.set(k, a);
      if (emit) this.emitAddr('add', a);
    }
  }
}

/** Run `fn` with the given client, or with a short-lived one. */
async function withClient<T>(client: RtnlClient | undefined, fn: (c: RtnlClient) => Promise<T>): Promise<T> {
  if (client) return fn(client);
  const c = RtnlClient.open();
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** State of one interface, or undefined when it does not exist. */
export function queryLink(ifname: string, client?: RtnlClient): Promise<LinkState | undefined> {
  return withClient(client, async (c) => {
    const l = await c.getLink(ifname);
    return l && linkState(l);
  });
}

export interface SourceAddresses {
  ifname: string;
  ifindex: number;
  /** The primary IPv4 address: the first non-secondary IPv4 address, as keepalived picks it. */
  ipv4?: string;
  /** The first usable link-local IPv6 address (fe80::/10, not tentative, DAD not failed). */
  ipv6LinkLocal?: string;
  /** A link-local address still in DAD, reported when there is no usable one. */
  ipv6LinkLocalTentative?: string;
}

/** fe80::/10 (RFC 4291 §2.5.6). */
function isLinkLocal6(addr: string): boolean {
  const b = ipToBytes(addr);
  return b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

/** Pick the VRRP source addresses from an interface's addresses (exported for tests). */
export function pickSourceAddresses(addrs: readonly RtnlAddress[]): Omit<SourceAddresses, 'ifname' | 'ifindex'> {
  const out: Omit<SourceAddresses, 'ifname' | 'ifindex'> = {};
  const v4 = addrs.find((a) => a.family === 4 && !a.secondary);
  if (v4) out.ipv4 = v4.address;
  const ll = addrs.filter((a) => a.family === 6 && isLinkLocal6(a.address) && !a.dadfailed);
  const usable = ll.find((a) => !a.tentative);
  if (usable) out.ipv6LinkLocal = usable.address;
  else if (ll[0]) out.ipv6LinkLocalTentative = ll[0].address;
  return out;
}

/** The interface's VRRP source addresses; undefined when the interface does not exist. */
export function sourceAddresses(ifname: string, client?: RtnlClient): Promise<SourceAddresses | undefined> {
  return withClient(client, async (c) => {
    const l = await c.getLink(ifname);
    if (!l) return undefined;
    const addrs = await c.dumpAddresses({ ifindex: l.ifindex });
    return { ifname: l.ifname, ifindex: l.ifindex, ...pickSourceAddresses(addrs) };
  });
}
