/**
 * Virtual IP addresses on Linux interfaces: keepalived's `virtual_ipaddress` line syntax,
 * and idempotent add / delete / list through one of two backends with the same typed API:
 *
 * - `netlink` (default): RTM_NEWADDR / RTM_DELADDR through ./netlink.ts. Adding an address
 *   that exists (EEXIST) or deleting one that is absent (EADDRNOTAVAIL, or ENODEV when the
 *   interface itself is gone) is a `no-op`.
 * - `iproute2` (documented fallback): runs `ip addr add|del` and `ip -j addr show` with
 *   execFile (no shell). Used when the netlink native binding cannot load (`auto`), or on
 *   request. It tells "already there" / "already gone" apart from real failures by reading
 *   the interface's addresses after a failed command, not by parsing `ip`'s messages.
 *
 * As keepalived does, IPv6 VIPs get IFA_F_NODAD so they are usable at once (no DAD wait);
 * keepalived's `-nodad` keyword turns that off.
 *
 * Kernel behaviour worth knowing (observed on Linux 6.x): an IPv4 address whose scope
 * differs from the scope of an existing prefix route for the same subnet on that interface
 * is refused with EINVAL ("Invalid scope value"). A /32 VIP, or a VIP in a subnet of its
 * own, may carry any scope.
 */
import { execFile } from 'node:child_process';
import { canonicalIp, familyOf, ipToBytes, bytesToIp, type Family } from '../../core/ip.js';
import { NetlinkError, RtnlClient, type RtnlAddress } from './netlink.js';

/** Scope names from iproute2's rt_scopes, as keepalived accepts them. */
export type ScopeName = 'global' | 'site' | 'link' | 'host' | 'nowhere';
export const SCOPES: Readonly<Record<ScopeName, number>> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

export type AddressErrorCode =
  /** The virtual_ipaddress line could not be parsed. */
  | 'VIP_SYNTAX'
  /** The VIP is not valid (family mix, prefix out of range, label too long ...). */
  | 'VIP_INVALID'
  /** No interface named by `dev` (or the default interface). */
  | 'VIP_NO_SUCH_DEVICE'
  /** The kernel (or `ip`) refused the change for another reason than EEXIST/EADDRNOTAVAIL. */
  | 'VIP_REJECTED'
  /** The backend itself failed (socket error, timeout, `ip` missing or unreadable output). */
  | 'VIP_BACKEND_FAILED';

export class AddressError extends Error {
  override readonly name = 'AddressError';
  constructor(
    readonly code: AddressErrorCode,
    message: string,
    /** errno name when the kernel answered (EINVAL, EPERM ...). */
    readonly errno?: string,
  ) {
    super(message);
  }
}

/** A virtual_ipaddress entry as written in keepalived.conf. */
export interface VipSpec {
  address: string;
  /** Default 32 (IPv4) or 128 (IPv6). */
  prefixLen?: number;
  dev?: string;
  /** An address, '+' (all host bits set) or '-' (none). IPv4 only. */
  brd?: string;
  scope?: ScopeName | number;
  /** IPv4 only (the kernel keeps no labels for IPv6); at most 15 characters. */
  label?: string;
  /** Point-to-point peer address (optionally /len). */
  peer?: string;
  /** IPv6 Duplicate Address Detection is skipped unless this is false (`-nodad`). */
  nodad?: boolean;
  noprefixroute?: boolean;
  home?: boolean;
  mngtmpaddr?: boolean;
  autojoin?: boolean;
  /** Seconds, or 'forever'. */
  preferredLft?: number | 'forever';
  /** Not tracked: the instance does not go to FAULT when this VIP's interface fails. */
  noTrack?: boolean;
  /** Keywords that are accepted but not acted on here (e.g. use_vmac). */
  ignored?: string[];
}

/** A VIP with every default applied, ready for a backend. */
export interface ResolvedVip {
  family: Family;
  address: string;
  prefixLen: number;
  dev: string;
  broadcast?: string;
  scope: number;
  label?: string;
  peer?: string;
  peerPrefixLen?: number;
  nodad: boolean;
  noprefixroute: boolean;
  home: boolean;
  mngtmpaddr: boolean;
  autojoin: boolean;
  preferredLft?: number;
}

export type VipOpResult =
  | { op: 'add'; result: 'added'; vip: ResolvedVip }
  | { op: 'del'; result: 'removed'; vip: ResolvedVip }
  | { op: 'add'; result: 'no-op'; reason: 'EEXIST'; vip: ResolvedVip }
  /** ENODEV: the interface itself is gone, so the address is too. */
  | { op: 'del'; result: 'no-op'; reason: 'EADDRNOTAVAIL' | 'ENODEV'; vip: ResolvedVip };

/** An address found on an interface. */
export interface InterfaceAddress {
  family: Family;
  address: string;
  prefixLen: number;
  scope: number;
  label?: string;
  broadcast?: string;
  peer?: string;
  secondary: boolean;
  nodad: boolean;
  tentative: boolean;
  dadfailed: boolean;
  deprecated: boolean;
}

export interface AddressBackend {
  readonly kind: 'netlink' | 'iproute2';
  add(vip: ResolvedVip): Promise<VipOpResult>;
  del(vip: ResolvedVip): Promise<VipOpResult>;
  list(ifname: string, family?: Family): Promise<InterfaceAddress[]>;
  close(): void;
}

const IFNAMSIZ = 16;
const INFINITY_LIFE_TIME = 0xffffffff;

function scopeValue(s: ScopeName | number | string): number {
  if (typeof s === 'number') {
    if (!Number.isInteger(s) || s < 0 || s > 255) throw new AddressError('VIP_INVALID', `scope ${s} out of range 0-255`);
    return s;
  }
  if (Object.hasOwn(SCOPES, s)) return SCOPES[s as ScopeName];
  if (/^\d+$/.test(s)) return scopeValue(Number(s));
  throw new AddressError('VIP_INVALID', `unknown scope "${s}" (global, site, link, host, nowhere or 0-255)`);
}

/** Scope number to the name `ip` prints, or the number as text. */
export function scopeName(n: number): string {
  for (const [name, v] of Object.entries(SCOPES)) if (v === n) return name;
  return String(n);
}

function splitPrefix(text: string, what: string): { address: string; prefixLen?: number } {
  const slash = text.indexOf('/');
  if (slash < 0) return { address: text };
  const len = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len)) throw new AddressError('VIP_SYNTAX', `${what} "${text}": bad prefix length`);
  return { address: text.slice(0, slash), prefixLen: Number(len) };
}

/**
 * Parse one virtual_ipaddress line (keepalived.conf(5)):
 * `ADDR[/LEN] [brd ADDR] [dev IF] [use_vmac] [scope S] [label L] [peer ADDR] [home]
 *  [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track] [preferred_lft N|forever]`.
 */
export function parseVipLine(line: string): VipSpec {
  const tokens = line.trim().split(/\s+/).filter(Boolean);
  const first = tokens.shift();
  if (!first) throw new AddressError('VIP_SYNTAX', 'empty virtual_ipaddress line');
  const { address, prefixLen } = splitPrefix(first, 'address');
  const spec: VipSpec = { address, ...(prefixLen !== undefined ? { prefixLen } : {}) };
  const value = (kw: string): string => {
    const v = tokens.shift();
    if (v === undefined) throw new AddressError('VIP_SYNTAX', `"${kw}" needs a value`);
    return v;
  };
  while (tokens.length) {
    const kw = tokens.shift()!;
    switch (kw) {
      case 'brd':
      case 'broadcast':
        spec.brd = value(kw);
        break;
      case 'dev':
        spec.dev = value(kw);
        break;
      case 'scope':
        spec.scope = scopeValue(value(kw));
        break;
      case 'label':
        spec.label = value(kw);
        break;
      case 'peer':
        spec.peer = value(kw);
        break;
      case 'home':
        spec.home = true;
        break;
      case '-nodad':
        spec.nodad = false;
        break;
      case 'nodad':
        spec.nodad = true; // the IPv6 default already
        break;
      case 'mngtmpaddr':
        spec.mngtmpaddr = true;
        break;
      case 'noprefixroute':
        spec.noprefixroute = true;
        break;
      case 'autojoin':
        spec.autojoin = true;
        break;
      case 'no_track':
        spec.noTrack = true;
        break;
      case 'preferred_lft': {
        const v = value(kw);
        if (v === 'forever') spec.preferredLft = 'forever';
        else if (/^\d+$/.test(v) && Number(v) < INFINITY_LIFE_TIME) spec.preferredLft = Number(v);
        else throw new AddressError('VIP_SYNTAX', `preferred_lft "${v}": expected seconds or forever`);
        break;
      }
      case 'track_group':
        // Tracking is the daemon's business; the value names a track group.
        value(kw);
        (spec.ignored ??= []).push(kw);
        break;
      case 'use_vmac':
        // `use_vmac [NAME]`: the macvlan itself is made elsewhere; an optional name follows.
        (spec.ignored ??= []).push(kw);
        if (tokens.length && !KEYWORDS.has(tokens[0]!)) tokens.shift();
        break;
      default:
        throw new AddressError('VIP_SYNTAX', `unknown virtual_ipaddress keyword "${kw}"`);
    }
  }
  return spec;
}

const KEYWORDS = new Set([
  'brd', 'broadcast', 'dev', 'scope', 'label', 'peer', 'home', '-nodad', 'mngtmpaddr',
  'noprefixroute', 'autojoin', 'no_track', 'preferred_lft', 'use_vmac', 'nodad', 'track_group',
]);

/** The shape of a parsed configuration entry (src/config's VipEntry), matched structurally. */
export interface VipEntryLike {
  address: string;
  prefixLen: number;
  brd?: string;
  dev?: string;
  scope?: string;
  label?: string;
  noTrack: boolean;
  /** Other options as written, e.g. ['peer', '198.51.100.2', 'home', '-nodad']. */
  options: readonly string[];
}

/** A VipSpec from a configuration entry (same keywords as a virtual_ipaddress line). */
export function vipSpecFromConfig(e: VipEntryLike): VipSpec {
  const words = [`${e.address}/${e.prefixLen}`];
  if (e.brd !== undefined) words.push('brd', e.brd);
  if (e.dev !== undefined) words.push('dev', e.dev);
  if (e.scope !== undefined) words.push('scope', e.scope);
  if (e.label !== undefined) words.push('label', e.label);
  words.push(...e.options);
  if (e.noTrack) words.push('no_track');
  return parseVipLine(words.join(' '));
}

/** Broadcast for `brd +`: the address with every host bit set. */
function broadcastPlus(address: string, prefixLen: number): string {
  const b = ipToBytes(address);
  for (let bit = prefixLen; bit < 32; bit++) b[bit >> 3]! |= 0x80 >> (bit & 7);
  return bytesToIp(b);
}

/** Apply defaults and check a VipSpec; `defaultDev` is the instance's interface. */
export function resolveVip(spec: VipSpec, defaultDev?: string): ResolvedVip {
  const family = familyOf(spec.address);
  if (!family) throw new AddressError('VIP_INVALID', `"${spec.address}" is not an IP address`);
  const max = family === 4 ? 32 : 128;
  const prefixLen = spec.prefixLen ?? max;
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > max) {
    throw new AddressError('VIP_INVALID', `prefix length ${prefixLen} out of range for IPv${family}`);
  }
  const dev = spec.dev ?? defaultDev;
  if (!dev) throw new AddressError('VIP_INVALID', `${spec.address}: no dev and no default interface`);
  if (dev.length >= IFNAMSIZ || /[\s/]/.test(dev)) throw new AddressError('VIP_INVALID', `bad interface name "${dev}"`);
  const vip: ResolvedVip = {
    family,
    address: canonicalIp(spec.address),
    prefixLen,
    dev,
    scope: scopeValue(spec.scope ?? 0),
    nodad: family === 6 && spec.nodad !== false,
    noprefixroute: !!spec.noprefixroute,
    home: !!spec.home,
    mngtmpaddr: !!spec.mngtmpaddr,
    autojoin: !!spec.autojoin,
  };
  if (spec.brd !== undefined && spec.brd !== '-') {
    if (family !== 4) throw new AddressError('VIP_INVALID', `${spec.address}: brd applies to IPv4 only`);
    if (spec.brd === '+') vip.broadcast = broadcastPlus(vip.address, prefixLen);
    else if (familyOf(spec.brd) === 4) vip.broadcast = canonicalIp(spec.brd);
    else throw new AddressError('VIP_INVALID', `brd "${spec.brd}" is not an IPv4 address`);
  }
  // The kernel keeps labels for IPv4 only; an IPv6 label is accepted and has no effect.
  if (spec.label !== undefined && family === 4) {
    if (spec.label.length === 0 || spec.label.length >= IFNAMSIZ) {
      throw new AddressError('VIP_INVALID', `label "${spec.label}" must be 1-15 characters`);
    }
    vip.label = spec.label;
  }
  if (spec.peer !== undefined) {
    const p = splitPrefix(spec.peer, 'peer');
    if (familyOf(p.address) !== family) throw new AddressError('VIP_INVALID', `peer ${spec.peer} is not IPv${family}`);
    vip.peer = canonicalIp(p.address);
    if (p.prefixLen !== undefined) {
      if (p.prefixLen > max) throw new AddressError('VIP_INVALID', `peer prefix ${p.prefixLen} out of range`);
      vip.peerPrefixLen = p.prefixLen;
      // With a peer, ifa_prefixlen describes the peer's prefix (as iproute2 sends it).
      if (spec.prefixLen === undefined) vip.prefixLen = p.prefixLen;
    }
  }
  if (spec.preferredLft !== undefined) vip.preferredLft = spec.preferredLft === 'forever' ? INFINITY_LIFE_TIME : spec.preferredLft;
  return vip;
}

/** `ADDR/LEN on DEV` for logs. */
export function describeVip(v: ResolvedVip): string {
  return `${v.address}/${v.prefixLen} dev ${v.dev}${v.label ? ` label ${v.label}` : ''}`;
}

/** Whether `list` holds the VIP (same address and prefix length). */
export function hasVip(list: readonly InterfaceAddress[], vip: ResolvedVip): boolean {
  return list.some((a) => a.family === vip.family && a.address === vip.address && a.prefixLen === vip.prefixLen);
}

function fromRtnl(a: RtnlAddress): InterfaceAddress {
  return {
    family: a.family,
    address: a.address,
    prefixLen: a.prefixLen,
    scope: a.scope,
    ...(a.label !== undefined ? { label: a.label } : {}),
    ...(a.broadcast !== undefined ? { broadcast: a.broadcast } : {}),
    ...(a.peer !== undefined ? { peer: a.peer } : {}),
    secondary: a.secondary,
    nodad: a.nodad,
    tentative: a.tentative,
    dadfailed: a.dadfailed,
    deprecated: a.deprecated,
  };
}

/** The netlink backend. Interface names are resolved to indexes on every call (cheap, never stale). */
export class NetlinkAddresses implements AddressBackend {
  readonly kind = 'netlink' as const;
  private readonly client: RtnlClient;

  constructor(client?: RtnlClient) {
    this.client = client ?? RtnlClient.open();
  }

  async add(vip: ResolvedVip): Promise<VipOpResult> {
    const ifindex = await this.ifindex(vip.dev);
    try {
      await this.client.addAddress({
        family: vip.family,
        ifindex,
        address: vip.address,
        prefixLen: vip.prefixLen,
        scope: vip.scope,
        nodad: vip.nodad,
        noprefixroute: vip.noprefixroute,
        home: vip.home,
        mngtmpaddr: vip.mngtmpaddr,
        autojoin: vip.autojoin,
        ...(vip.peer !== undefined ? { peer: vip.peer } : {}),
        ...(vip.broadcast !== undefined ? { broadcast: vip.broadcast } : {}),
        ...(vip.label !== undefined ? { label: vip.label } : {}),
        ...(vip.preferredLft !== undefined ? { preferredLft: vip.preferredLft } : {}),
      });
      return { op: 'add', result: 'added', vip };
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === 'EEXIST') return { op: 'add', result: 'no-op', reason: 'EEXIST', vip };
      throw toAddressError(e, `add ${describeVip(vip)}`);
    }
  }

  async del(vip: ResolvedVip): Promise<VipOpResult> {
    let ifindex: number;
    try {
      ifindex = await this.ifindex(vip.dev);
    } catch (e) {
      if (e instanceof AddressError && e.code === 'VIP_NO_SUCH_DEVICE') return { op: 'del', result: 'no-op', reason: 'ENODEV', vip };
      throw e;
    }
    try {
      await this.client.deleteAddress({
        family: vip.family,
        ifindex,
        address: vip.address,
        prefixLen: vip.prefixLen,
        ...(vip.peer !== undefined ? { peer: vip.peer } : {}),
      });
      return { op: 'del', result: 'removed', vip };
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === 'EADDRNOTAVAIL') {
        return { op: 'del', result: 'no-op', reason: 'EADDRNOTAVAIL', vip };
      }
      if (e instanceof NetlinkError && e.errno === 'ENODEV') return { op: 'del', result: 'no-op', reason: 'ENODEV', vip };
      throw toAddressError(e, `delete ${describeVip(vip)}`);
    }
  }

  async list(ifname: string, family?: Family): Promise<InterfaceAddress[]> {
    const ifindex = await this.ifindex(ifname);
    try {
      const all = await this.client.dumpAddresses({ ifindex, ...(family ? { family } : {}) });
      return all.map(fromRtnl);
    } catch (e) {
      throw toAddressError(e, `list addresses of ${ifname}`);
    }
  }

  close(): void {
    this.client.close();
  }

  private async ifindex(ifname: string): Promise<number> {
    let link;
    try {
      link = await this.client.getLink(ifname);
    } catch (e) {
      throw toAddressError(e, `look up ${ifname}`);
    }
    if (!link) throw new AddressError('VIP_NO_SUCH_DEVICE', `no interface "${ifname}"`, 'ENODEV');
    return link.ifindex;
  }
}

function toAddressError(e: unknown, what: string): AddressError {
  if (e instanceof AddressError) return e;
  if (e instanceof NetlinkError) {
    if (e.code === 'NETLINK_ERRNO') {
      if (e.errno === 'ENODEV') return new AddressError('VIP_NO_SUCH_DEVICE', `${what}: no such device`, e.errno);
      return new AddressError('VIP_REJECTED', `${what}: kernel answered ${e.errno}`, e.errno);
    }
    return new AddressError('VIP_BACKEND_FAILED', `${what}: ${e.message}`, e.errno);
  }
  return new AddressError('VIP_BACKEND_FAILED', `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

/** Arguments for `ip addr add` (exported for tests). */
export function ipAddArgs(vip: ResolvedVip): string[] {
  const args = [vip.family === 4 ? '-4' : '-6', 'addr', 'add', `${vip.address}/${vip.prefixLen}`];
  if (vip.peer !== undefined) args.push('peer', vip.peerPrefixLen !== undefined ? `${vip.peer}/${vip.peerPrefixLen}` : vip.peer);
  args.push('dev', vip.dev);
  if (vip.broadcast !== undefined) args.push('broadcast', vip.broadcast);
  args.push('scope', String(vip.scope));
  if (vip.label !== undefined) args.push('label', vip.label);
  if (vip.nodad) args.push('nodad');
  if (vip.noprefixroute) args.push('noprefixroute');
  if (vip.home) args.push('home');
  if (vip.mngtmpaddr) args.push('mngtmpaddr');
  if (vip.autojoin) args.push('autojoin');
  if (vip.preferredLft !== undefined) {
    args.push('preferred_lft', vip.preferredLft === INFINITY_LIFE_TIME ? 'forever' : String(vip.preferredLft));
  }
  return args;
}

/** Arguments for `ip addr del` (exported for tests). */
export function ipDelArgs(vip: ResolvedVip): string[] {
  const args = [vip.family === 4 ? '-4' : '-6', 'addr', 'del', `${vip.address}/${vip.prefixLen}`];
  if (vip.peer !== undefined) args.push('peer', vip.peerPrefixLen !== undefined ? `${vip.peer}/${vip.peerPrefixLen}` : vip.peer);
  args.push('dev', vip.dev);
  return args;
}

interface IpJsonAddr {
  family?: string;
  local?: string;
  address?: string;
  prefixlen?: number;
  scope?: string | number;
  label?: string;
  broadcast?: string;
  secondary?: boolean;
  nodad?: boolean;
  tentative?: boolean;
  dadfailed?: boolean;
  deprecated?: boolean;
}

/** Parse `ip -j addr show` output into InterfaceAddress[] (exported for tests). */
export function parseIpJson(json: string, ifname: string): InterfaceAddress[] {
  let links: Array<{ ifname?: string; addr_info?: IpJsonAddr[] }>;
  try {
    links = JSON.parse(json) as typeof links;
  } catch {
    throw new AddressError('VIP_BACKEND_FAILED', `ip -j addr show ${ifname}: output is not JSON`);
  }
  if (!Array.isArray(links)) throw new AddressError('VIP_BACKEND_FAILED', `ip -j addr show ${ifname}: not a list`);
  const out: InterfaceAddress[] = [];
  for (const l of links) {
    if (l.ifname !== undefined && l.ifname !== ifname) continue;
    for (const a of l.addr_info ?? []) {
      const family = a.family === 'inet' ? 4 : a.family === 'inet6' ? 6 : undefined;
      if (!family || !a.local || a.prefixlen === undefined) continue;
      const scope = typeof a.scope === 'number' ? a.scope : a.scope === undefined ? 0 : scopeValue(a.scope);
      out.push({
        family,
        address: canonicalIp(a.local),
        prefixLen: a.prefixlen,
        scope,
        ...(family === 4 && a.label !== undefined ? { label: a.label } : {}),
        ...(a.broadcast !== undefined ? { broadcast: a.broadcast } : {}),
        ...(a.address !== undefined && a.address !== a.local ? { peer: canonicalIp(a.address) } : {}),
        secondary: !!a.secondary,
        nodad: !!a.nodad,
        tentative: !!a.tentative,
        dadfailed: !!a.dadfailed,
        deprecated: !!a.deprecated,
      });
    }
  }
  return out;
}

export interface IprouteOptions {
  /** Path of the ip binary (default "ip", looked up in PATH). */
  ipPath?: string;
  /** Per-command timeout in ms (default 5000). */
  timeoutMs?: number;
}

interface RunResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** errno name when the binary could not be run at all (ENOENT ...). */
  spawnError?: string;
}

/** The iproute2 fallback backend: same results as the netlink one, through `ip`. */
export class IprouteAddresses implements AddressBackend {
  readonly kind = 'iproute2' as const;
  private readonly ipPath: string;
  private readonly timeoutMs: number;

  constructor(opts: IprouteOptions = {}) {
    this.ipPath = opts.ipPath ?? 'ip';
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  async add(vip: ResolvedVip): Promise<VipOpResult> {
    const r = await this.run(ipAddArgs(vip));
    if (r.ok) return { op: 'add', result: 'added', vip };
    const present = await this.presentAfterFailure(vip, r);
    if (present) return { op: 'add', result: 'no-op', reason: 'EEXIST', vip };
    throw new AddressError('VIP_REJECTED', `ip addr add ${describeVip(vip)}: ${r.stderr.trim()}`);
  }

  async del(vip: ResolvedVip): Promise<VipOpResult> {
    const r = await this.run(ipDelArgs(vip));
    if (r.ok) return { op: 'del', result: 'removed', vip };
    let present: boolean;
    try {
      present = await this.presentAfterFailure(vip, r);
    } catch (e) {
      if (e instanceof AddressError && e.code === 'VIP_NO_SUCH_DEVICE') return { op: 'del', result: 'no-op', reason: 'ENODEV', vip };
      throw e;
    }
    if (!present) return { op: 'del', result: 'no-op', reason: 'EADDRNOTAVAIL', vip };
    throw new AddressError('VIP_REJECTED', `ip addr del ${describeVip(vip)}: ${r.stderr.trim()}`);
  }

  async list(ifname: string, family?: Family): Promise<InterfaceAddress[]> {
    const args = ['-j', ...(family ? [family === 4 ? '-4' : '-6'] : []), 'addr', 'show', 'dev', ifname];
    const r = await this.run(args);
    if (!r.ok) {
      if (r.spawnError) throw new AddressError('VIP_BACKEND_FAILED', `cannot run ${this.ipPath}: ${r.spawnError}`, r.spawnError);
      if (/does not exist|Cannot find device/i.test(r.stderr)) {
        throw new AddressError('VIP_NO_SUCH_DEVICE', `no interface "${ifname}"`, 'ENODEV');
      }
      throw new AddressError('VIP_BACKEND_FAILED', `ip addr show ${ifname}: ${r.stderr.trim()}`);
    }
    return parseIpJson(r.stdout, ifname);
  }

  close(): void {
    /* nothing held open */
  }

  /** After a failed add/del: is the VIP on its interface? (Errors from `list` propagate.) */
  private async presentAfterFailure(vip: ResolvedVip, r: RunResult): Promise<boolean> {
    if (r.spawnError) throw new AddressError('VIP_BACKEND_FAILED', `cannot run ${this.ipPath}: ${r.spawnError}`, r.spawnError);
    return hasVip(await this.list(vip.dev, vip.family), vip);
  }

  private run(args: string[]): Promise<RunResult> {
    return new Promise((resolve) => {
      execFile(this.ipPath, args, { timeout: this.timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        const spawnError = typeof e.code === 'string' ? e.code : e.killed ? 'ETIMEDOUT' : undefined;
        resolve({ ok: false, stdout, stderr, ...(spawnError ? { spawnError } : {}) });
      });
    });
  }
}

export type BackendChoice = 'netlink' | 'iproute2' | 'auto';

/**
 * Open an address backend. `auto` uses netlink, and falls back to iproute2 only when the
 * netlink socket cannot be opened at all (native binding missing); `netlink` throws then.
 */
export function openAddressBackend(choice: BackendChoice = 'auto', opts: IprouteOptions = {}): AddressBackend {
  if (choice === 'iproute2') return new IprouteAddresses(opts);
  try {
    return new NetlinkAddresses();
  } catch (e) {
    if (choice === 'auto' && e instanceof NetlinkError && e.code === 'NETLINK_UNAVAILABLE') return new IprouteAddresses(opts);
    throw toAddressError(e, 'open netlink');
  }
}

/**
 * VIP add/delete for one instance: resolves specs against the instance's interface and
 * reports each result. Never throws for EEXIST on add or EADDRNOTAVAIL on delete.
 */
export class VipManager {
  constructor(
    private readonly backend: AddressBackend,
    private readonly defaultDev: string,
  ) {}

  get kind(): AddressBackend['kind'] {
    return this.backend.kind;
  }

  add(spec: VipSpec | ResolvedVip): Promise<VipOpResult> {
    return this.backend.add(this.resolve(spec));
  }

  del(spec: VipSpec | ResolvedVip): Promise<VipOpResult> {
    return this.backend.del(this.resolve(spec));
  }

  list(ifname = this.defaultDev, family?: Family): Promise<InterfaceAddress[]> {
    return this.backend.list(ifname, family);
  }

  close(): void {
    this.backend.close();
  }

  private resolve(spec: VipSpec | ResolvedVip): ResolvedVip {
    return 'family' in spec ? spec : resolveVip(spec, this.defaultDev);
  }
}
