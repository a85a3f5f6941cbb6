/**
 * The one place that talks to the `netlink` npm package (pinned at 0.3.0, an early-stage
 * package whose API is not stable). Everything else in keepvip uses the small typed API
 * below: rtnetlink address add/delete/dump, link get/dump, and a monitor for the LINK,
 * IPV4_IFADDR and IPV6_IFADDR multicast groups.
 *
 * Kernel interfaces: rtnetlink(7), <linux/if_addr.h> (struct ifaddrmsg, IFA_*),
 * <linux/rtnetlink.h> (RTM_*, RTNLGRP_*), <linux/if_link.h> (IFLA_*, IF_OPER_*).
 *
 * What the package gets wrong or leaves out, and how this module works around it:
 * - `RtNetlinkSocket`'s 'message' event hands out parsed payloads without nlmsg_type, so
 *   RTM_NEWADDR and RTM_DELADDR (and NEWLINK/DELLINK) cannot be told apart. We listen on
 *   the lower `NetlinkSocket` and parse each payload ourselves.
 * - Its error check throws a plain `Error('Request rejected: EEXIST')` with no errno or
 *   code. We send with `checkError: false` and decode NLMSG_ERROR ourselves.
 * - Requests on one socket are matched by sequence number, but its multipart reassembly
 *   is not keyed by sequence: a reply interleaved with a dump still in progress would cut
 *   the dump short. We run one request at a time per socket (a promise chain).
 * - It does not check who sent a message. The monitor drops anything whose sender port
 *   is not 0 (the kernel), so another process cannot inject fake events.
 * - Asynchronous socket errors arrive as an 'error' event that crashes the process when
 *   nobody listens. We always listen, and the monitor maps ENOBUFS to an `overrun` event.
 * - NOT worked around (cannot be, from JavaScript): when a socket's buffer overflows, the
 *   kernel flags ENOBUFS, epoll reports EPOLLERR, libuv calls the package's poll handler
 *   with UV_EBADF, and its native code (src/binding.cc, PollHandler) builds an
 *   ErrnoException with a NULL syscall name; napi_create_string_utf8 fails, a C++
 *   Napi::Error escapes a libuv callback, and the process aborts (SIGABRT) before any
 *   JavaScript runs. Request sockets never overflow (one request at a time), but a
 *   monitor socket can under a burst of notifications. links.ts therefore defaults to
 *   `ip monitor` for notifications (see there); test/netlink/links.test.ts pins the bug.
 * The native binding is loaded lazily, so a machine where it cannot load still starts and
 * can use the iproute2 fallback in addresses.ts (`NETLINK_UNAVAILABLE`).
 */
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';
import type * as NetlinkPkg from 'netlink';
import { bytesToIp, ipToBytes, type Family } from '../../core/ip.js';

type Pkg = typeof NetlinkPkg;
type NetlinkSocket = NetlinkPkg.NetlinkSocket;
type NetlinkMessage = NetlinkPkg.NetlinkMessage;
type AddressMessage = NetlinkPkg.rt.AddressMessage;
type LinkMessage = NetlinkPkg.rt.LinkMessage;

export type NetlinkErrorCode =
  /** The native binding could not be loaded or the socket could not be opened. */
  | 'NETLINK_UNAVAILABLE'
  /** The kernel answered with NLMSG_ERROR; `errno` holds its name (EEXIST, ENODEV ...). */
  | 'NETLINK_ERRNO'
  /** No answer within the request timeout. */
  | 'NETLINK_TIMEOUT'
  /** sendmsg/recvmsg failed on the socket. */
  | 'NETLINK_SOCKET'
  /** The answer could not be understood (bad multipart, unexpected message type). */
  | 'NETLINK_BAD_REPLY'
  /** The socket was closed. */
  | 'NETLINK_CLOSED';

export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  constructor(
    readonly code: NetlinkErrorCode,
    /** The operation that failed, e.g. 'RTM_NEWADDR'. */
    readonly op: string,
    message: string,
    /** The errno name for NETLINK_ERRNO and NETLINK_SOCKET (EEXIST, EADDRNOTAVAIL, ENOBUFS ...). */
    readonly errno?: string,
  ) {
    super(`${op}: ${message}`);
  }
}

let pkg: Pkg | undefined;
let loadError: unknown;

/** Load the package (and its native binding) on first use. */
function load(): Pkg {
  if (pkg) return pkg;
  if (loadError) throw new NetlinkError('NETLINK_UNAVAILABLE', 'load', String(loadError));
  try {
    pkg = createRequire(import.meta.url)('netlink') as Pkg;
    return pkg;
  } catch (e) {
    loadError = e instanceof Error ? e.message : e;
    throw new NetlinkError('NETLINK_UNAVAILABLE', 'load', String(loadError));
  }
}

/** Whether the netlink package and its native binding load on this machine. */
export function netlinkAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

// <linux/socket.h>
const AF_INET = 2;
const AF_INET6 = 10;
const afOf = (f: Family): number => (f === 4 ? AF_INET : AF_INET6);
const familyOfAf = (af: number | undefined): Family | undefined => (af === AF_INET ? 4 : af === AF_INET6 ? 6 : undefined);

// <linux/netlink.h>, <linux/rtnetlink.h>
const NLMSG_ERROR = 2;
const NLM_F_DUMP_INTR = 0x10;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const NLM_F_DUMP = 0x300;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const RTM_GETADDR = 22;
const RTNLGRP_LINK = 1;
const RTNLGRP_IPV4_IFADDR = 5;
const RTNLGRP_IPV6_IFADDR = 9;

/** RFC 2863 operational states as the kernel reports them (IF_OPER_*, <linux/if.h>). */
export type OperState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';
const OPER_STATES: readonly OperState[] = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

/** One address as the kernel reports it (struct ifaddrmsg + IFA_* attributes). */
export interface RtnlAddress {
  family: Family;
  ifindex: number;
  /** The local address (IFA_LOCAL, or IFA_ADDRESS when there is no IFA_LOCAL). */
  address: string;
  prefixLen: number;
  /** The peer, when IFA_ADDRESS differs from IFA_LOCAL (point-to-point). */
  peer?: string;
  /** rtm scope: 0 global, 200 site, 253 link, 254 host, 255 nowhere. */
  scope: number;
  /** IFA_LABEL (IPv4 only). */
  label?: string;
  broadcast?: string;
  secondary: boolean;
  nodad: boolean;
  tentative: boolean;
  dadfailed: boolean;
  deprecated: boolean;
  permanent: boolean;
  noprefixroute: boolean;
  /** Preferred lifetime in seconds (0xffffffff = forever), when reported. */
  preferredLft?: number;
}

/** One link (struct ifinfomsg + IFLA_* attributes). */
export interface RtnlLink {
  ifindex: number;
  ifname: string;
  /** IFF_UP: administratively up. */
  adminUp: boolean;
  /** IFF_RUNNING: the kernel sets it when operstate is UP or UNKNOWN. */
  running: boolean;
  /** IFF_LOWER_UP: carrier. */
  lowerUp: boolean;
  operState: OperState;
  /** IFF_UP && IFF_RUNNING: usable for VRRP. */
  up: boolean;
  /** Hardware address, lowercase colon-separated, when the link has one. */
  mac?: string;
  mtu?: number;
}

/** An address to add or delete. */
export interface RtnlAddressRequest {
  family: Family;
  ifindex: number;
  address: string;
  prefixLen: number;
  /** Point-to-point peer (IFA_ADDRESS); defaults to the address itself. */
  peer?: string;
  /** IFA_BROADCAST (IPv4). */
  broadcast?: string;
  /** ifa_scope; the kernel ignores it for IPv6 and derives the scope from the address. */
  scope?: number;
  /** IFA_LABEL (IPv4), at most 15 bytes. */
  label?: string;
  /** IFA_F_NODAD: skip Duplicate Address Detection (IPv6), usable at once. */
  nodad?: boolean;
  /** IFA_F_NOPREFIXROUTE: no prefix route for this address. */
  noprefixroute?: boolean;
  /** IFA_F_HOMEADDRESS (IPv6 mobility). */
  home?: boolean;
  /** IFA_F_MANAGETEMPADDR (IPv6 privacy addresses). */
  mngtmpaddr?: boolean;
  /** IFA_F_MCAUTOJOIN: join the multicast group the address names. */
  autojoin?: boolean;
  /** Preferred lifetime in seconds (IFA_CACHEINFO); valid lifetime stays forever. */
  preferredLft?: number;
}

export interface RtnlClientOptions {
  /** Per-request timeout in ms (default 5000). */
  timeoutMs?: number;
}

const INFINITY_LIFE_TIME = 0xffffffff;

function errnoName(errno: number): string {
  try {
    return getSystemErrorName(errno < 0 ? errno : -errno);
  } catch {
    return `E${Math.abs(errno)}`;
  }
}

function macText(buf: Buffer | undefined): string | undefined {
  if (!buf || buf.length === 0) return undefined;
  return [...buf].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function toAddress(m: AddressMessage): RtnlAddress | undefined {
  const family = familyOfAf(m.data.family);
  if (!family) return undefined;
  const a = m.attrs;
  const localBuf = a.local ?? a.address;
  if (!localBuf) return undefined;
  const address = bytesToIp(localBuf);
  const peerBuf = a.local && a.address && !a.address.equals(a.local) ? a.address : undefined;
  // IFA_FLAGS (u32) supersedes the u8 ifa_flags when present.
  const f = a.flags ?? m.data.flags ?? {};
  return {
    family,
    ifindex: m.data.index ?? 0,
    address,
    prefixLen: m.data.prefixlen ?? 0,
    ...(peerBuf ? { peer: bytesToIp(peerBuf) } : {}),
    scope: m.data.scope ?? 0,
    ...(a.label !== undefined ? { label: a.label } : {}),
    ...(a.broadcast ? { broadcast: bytesToIp(a.broadcast) } : {}),
    secondary: !!f.secondary,
    nodad: !!f.nodad,
    tentative: !!f.tentative,
    dadfailed: !!f.dadfailed,
    deprecated: !!f.deprecated,
    permanent: !!f.permanent,
    noprefixroute: !!f.noprefixroute,
    ...(a.cacheInfo?.ifaPrefered !== undefined ? { preferredLft: a.cacheInfo.ifaPrefered } : {}),
  };
}

function toLink(m: LinkMessage): RtnlLink | undefined {
  const ifindex = m.data.index;
  const ifname = m.attrs.ifname;
  if (ifindex === undefined || ifname === undefined) return undefined;
  const flags = m.data.flags ?? {};
  const adminUp = !!flags.up;
  const running = !!flags.running;
  const mac = macText(m.attrs.address);
  return {
    ifindex,
    ifname,
    adminUp,
    running,
    lowerUp: !!flags.lowerUp,
    operState: OPER_STATES[m.attrs.operstate ?? 0] ?? 'unknown',
    up: adminUp && running,
    ...(mac ? { mac } : {}),
    ...(m.attrs.mtu !== undefined ? { mtu: m.attrs.mtu } : {}),
  };
}

function openSocket(op: string, opts: { ref?: boolean; recvBufferSize?: number } = {}): NetlinkSocket {
  const p = load();
  try {
    return p.createNetlink(p.Protocol.ROUTE, {
      ref: opts.ref ?? false,
      recvBufferSize: opts.recvBufferSize ?? 0,
      sendBufferSize: 0,
    });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    throw new NetlinkError('NETLINK_UNAVAILABLE', op, err.message ?? String(e), err.code);
  }
}

/**
 * A request socket for rtnetlink. One request at a time (see the module comment).
 * The socket does not keep the event loop alive between requests.
 */
export class RtnlClient {
  private readonly sock: NetlinkSocket;
  private readonly timeoutMs: number;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The last asynchronous socket error, if any (for diagnostics). */
  lastSocketError: string | undefined;

  private constructor(sock: NetlinkSocket, timeoutMs: number) {
    this.sock = sock;
    this.timeoutMs = timeoutMs;
    this.sock.on('error', (e) => {
      this.lastSocketError = e.code ?? e.message;
    });
  }

  /** Open a NETLINK_ROUTE socket. Throws NetlinkError('NETLINK_UNAVAILABLE') when it cannot. */
  static open(opts: RtnlClientOptions = {}): RtnlClient {
    return new RtnlClient(openSocket('open'), opts.timeoutMs ?? 5000);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }

  /** Add an address (RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL). EEXIST comes back as NETLINK_ERRNO. */
  async addAddress(req: RtnlAddressRequest): Promise<void> {
    await this.request('RTM_NEWADDR', RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, this.formatAddress(req, true));
  }

  /**
   * Delete an address (RTM_DELADDR). Matches on address and prefix length; the label is not
   * sent, so a VIP re-added by someone else without our label still matches.
   * EADDRNOTAVAIL comes back as NETLINK_ERRNO.
   */
  async deleteAddress(req: RtnlAddressRequest): Promise<void> {
    await this.request('RTM_DELADDR', RTM_DELADDR, 0, this.formatAddress(req, false));
  }

  /** Every address of one family (or both), optionally only one interface's. */
  async dumpAddresses(filter: { family?: Family; ifindex?: number } = {}): Promise<RtnlAddress[]> {
    const p = load();
    const msgs = await this.dump('RTM_GETADDR', RTM_GETADDR, () => {
      const s = new p.AttrStream();
      p.rt.formatAddressMessage({ kind: 'address', data: { family: filter.family ? afOf(filter.family) : 0 }, attrs: {} }, s);
      return s.bufs;
    });
    const out: RtnlAddress[] = [];
    for (const m of msgs) {
      if (m.type !== RTM_NEWADDR) continue;
      const a = toAddress(p.rt.parseAddressMessage(m.data));
      if (!a) continue;
      if (filter.ifindex !== undefined && a.ifindex !== filter.ifindex) continue;
      if (filter.family !== undefined && a.family !== filter.family) continue;
      out.push(a);
    }
    return out;
  }

  /** Every link. */
  async dumpLinks(): Promise<RtnlLink[]> {
    const p = load();
    const msgs = await this.dump('RTM_GETLINK', RTM_GETLINK, () => {
      const s = new p.AttrStream();
      p.rt.formatLinkMessage({ kind: 'link', data: {}, attrs: {} }, s);
      return s.bufs;
    });
    return msgs.flatMap((m) => {
      if (m.type !== RTM_NEWLINK) return [];
      const l = toLink(p.rt.parseLinkMessage(m.data));
      return l ? [l] : [];
    });
  }

  /** One link by name or index; undefined when there is none (ENODEV). */
  async getLink(which: string | number): Promise<RtnlLink | undefined> {
    const p = load();
    const s = new p.AttrStream();
    const byName = typeof which === 'string';
    p.rt.formatLinkMessage(
      { kind: 'link', data: byName ? {} : { index: which }, attrs: byName ? { ifname: which } : {} },
      s,
    );
    try {
      const msgs = await this.request('RTM_GETLINK', RTM_GETLINK, 0, s.bufs);
      const m = msgs.find((x) => x.type === RTM_NEWLINK);
      return m ? toLink(p.rt.parseLinkMessage(m.data)) : undefined;
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'NETLINK_ERRNO' && e.errno === 'ENODEV') return undefined;
      throw e;
    }
  }

  private formatAddress(req: RtnlAddressRequest, forAdd: boolean): Uint8Array[] {
    const p = load();
    const local = ipToBytes(req.address);
    const peer = req.peer ? ipToBytes(req.peer) : local;
    const flags: NetlinkPkg.rt.AddressFlags = {};
    if (forAdd) {
      if (req.nodad) flags.nodad = true;
      if (req.noprefixroute) flags.noprefixroute = true;
      if (req.home) flags.homeaddress = true;
      if (req.mngtmpaddr) flags.managetempaddr = true;
      if (req.autojoin) flags.mcautojoin = true;
    }
    const attrs: NetlinkPkg.rt.AddressAttrs = { local, address: peer };
    if (forAdd) {
      if (req.broadcast && req.family === 4) attrs.broadcast = ipToBytes(req.broadcast);
      if (req.label !== undefined && req.family === 4) attrs.label = req.label;
      if (Object.keys(flags).length) attrs.flags = flags;
      if (req.preferredLft !== undefined) {
        attrs.cacheInfo = { ifaPrefered: req.preferredLft, ifaValid: INFINITY_LIFE_TIME, cstamp: 0, tstamp: 0 };
      }
    }
    // The u8 ifa_flags carries only the low 8 bits; IFA_FLAGS above carries all of them.
    const lowFlags: NetlinkPkg.rt.AddressFlags = {};
    if (flags.nodad) lowFlags.nodad = true;
    if (flags.homeaddress) lowFlags.homeaddress = true;
    const s = new p.AttrStream();
    p.rt.formatAddressMessage(
      {
        kind: 'address',
        data: {
          family: afOf(req.family),
          prefixlen: req.prefixLen,
          flags: lowFlags,
          scope: forAdd ? (req.scope ?? 0) : 0,
          index: req.ifindex,
        },
        attrs,
      },
      s,
    );
    return s.bufs;
  }

  /** A DUMP request; retried (up to 3 times) when the kernel flags it inconsistent. */
  private async dump(op: string, type: number, body: () => Uint8Array[]): Promise<NetlinkMessage[]> {
    for (let attempt = 0; ; attempt++) {
      const msgs = await this.request(op, type, NLM_F_DUMP, body());
      if (!msgs.some((m) => m.flags & NLM_F_DUMP_INTR) || attempt >= 2) return msgs;
    }
  }

  /** Send one request and wait for its answer; NLMSG_ERROR with errno != 0 becomes NETLINK_ERRNO. */
  private request(op: string, type: number, flags: number, data: Uint8Array[]): Promise<NetlinkMessage[]> {
    const run = async (): Promise<NetlinkMessage[]> => {
      if (this.closed) throw new NetlinkError('NETLINK_CLOSED', op, 'socket closed');
      const p = load();
      let msgs: NetlinkMessage[];
      try {
        [msgs] = await this.sock.request(type, data, { flags, checkError: false, timeout: this.timeoutMs });
      } catch (e) {
        const err = e as { code?: string; errno?: number; message?: string };
        if (typeof err.errno === 'number') throw new NetlinkError('NETLINK_SOCKET', op, err.message ?? '', err.code);
        if (/timeout/i.test(err.message ?? '')) throw new NetlinkError('NETLINK_TIMEOUT', op, `no answer in ${this.timeoutMs} ms`);
        throw new NetlinkError('NETLINK_BAD_REPLY', op, err.message ?? String(e));
      }
      const first = msgs[0];
      if (first && first.type === NLMSG_ERROR) {
        const { errno } = p.parseError(first.data, first.flags);
        if (errno !== 0) {
          const name = errnoName(errno);
          throw new NetlinkError('NETLINK_ERRNO', op, `kernel answered ${name}`, name);
        }
        return [];
      }
      return msgs;
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }
}

/** Multicast groups the monitor can join. */
export type RtnlGroup = 'link' | 'ipv4-addr' | 'ipv6-addr';
const GROUP_IDS: Record<RtnlGroup, number> = {
  link: RTNLGRP_LINK,
  'ipv4-addr': RTNLGRP_IPV4_IFADDR,
  'ipv6-addr': RTNLGRP_IPV6_IFADDR,
};

export type RtnlEvent =
  | { kind: 'link'; op: 'new' | 'del'; link: RtnlLink }
  | { kind: 'addr'; op: 'new' | 'del'; addr: RtnlAddress }
  /** The kernel dropped notifications (ENOBUFS): re-read the state you depend on. */
  | { kind: 'overrun' };

export interface RtnlMonitorOptions {
  /** Keep the event loop alive while the monitor is open (default true). */
  ref?: boolean;
  /** SO_RCVBUF in bytes (default 1 MiB; capped by net.core.rmem_max). */
  recvBufferSize?: number;
  /** Called for socket errors other than ENOBUFS and for messages that fail to parse. */
  onError?: (err: NetlinkError) => void;
}

/** Subscribes to rtnetlink notifications and hands them out as typed events. */
export class RtnlMonitor {
  private readonly sock: NetlinkSocket;
  private closed = false;

  private constructor(sock: NetlinkSocket) {
    this.sock = sock;
  }

  static open(groups: readonly RtnlGroup[], listener: (ev: RtnlEvent) => void, opts: RtnlMonitorOptions = {}): RtnlMonitor {
    const p = load();
    const sock = openSocket('monitor', { ref: opts.ref ?? true, recvBufferSize: opts.recvBufferSize ?? 1 << 20 });
    const mon = new RtnlMonitor(sock);
    const onError = opts.onError ?? (() => undefined);
    sock.on('error', (e) => {
      if (e.code === 'ENOBUFS') listener({ kind: 'overrun' });
      else onError(new NetlinkError('NETLINK_SOCKET', 'monitor', e.message, e.code));
    });
    sock.on('invalid', (e) => onError(new NetlinkError('NETLINK_BAD_REPLY', 'monitor', String(e))));
    sock.on('message', (msgs, rinfo) => {
      if (rinfo.port !== 0) return; // only the kernel may speak to us
      for (const m of msgs) {
        let ev: RtnlEvent | undefined;
        try {
          ev = decodeEvent(p, m);
        } catch (e) {
          onError(new NetlinkError('NETLINK_BAD_REPLY', 'monitor', e instanceof Error ? e.message : String(e)));
        }
        if (ev && !mon.closed) listener(ev);
      }
    });
    try {
      for (const g of groups) sock.addMembership(GROUP_IDS[g]);
    } catch (e) {
      sock.close();
      const err = e as { code?: string; message?: string };
      throw new NetlinkError('NETLINK_SOCKET', 'addMembership', err.message ?? String(e), err.code);
    }
    return mon;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}

function decodeEvent(p: Pkg, m: NetlinkMessage): RtnlEvent | undefined {
  switch (m.type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      const link = toLink(p.rt.parseLinkMessage(m.data));
      return link && { kind: 'link', op: m.type === RTM_NEWLINK ? 'new' : 'del', link };
    }
    case RTM_NEWADDR:
    case RTM_DELADDR: {
      const addr = toAddress(p.rt.parseAddressMessage(m.data));
      return addr && { kind: 'addr', op: m.type === RTM_NEWADDR ? 'new' : 'del', addr };
    }
    default:
      return undefined;
  }
}
