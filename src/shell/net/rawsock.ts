/**
 * Raw IP sockets for VRRP adverts (IP protocol 112) and for ICMPv6 Neighbor
 * Advertisements, over the native addon. The shell checks TTL / hop limit and the
 * receiving interface (ARCHITECTURE.md, validation tiers), so every packet is delivered
 * with them; the codec decodes the payload.
 */
import type { Family } from '../../core/ip.js';
import type { PacketMeta } from '../../core/codec/types.js';
import { native, type NativeHandle, type SyscallError } from './addon.js';

/** RFC 9568 §5.1.1.4 ("Protocol") / §5.1.2.4 ("Next Header"): VRRP's IP protocol number. */
export const VRRP_PROTOCOL = 112;
/** RFC 9568 §5.1.1.2 / §5.1.2.2: the VRRP multicast groups. */
export const VRRP_GROUP_V4 = '224.0.0.18';
export const VRRP_GROUP_V6 = 'ff02::12';
/** RFC 4861 §7.2.6: all-nodes address for unsolicited Neighbor Advertisements. */
export const ALL_NODES_V6 = 'ff02::1';
const ICMPV6_PROTOCOL = 58;
/** RFC 9568 §5.2.8: offset of the checksum field in the VRRP header. */
const VRRP_CHECKSUM_OFFSET = 6;

export function vrrpGroup(family: Family): string {
  return family === 4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6;
}

/** What arrives with each packet: PacketMeta plus the receiving interface index. */
export interface ReceivedMeta extends PacketMeta {
  ifindex: number;
  /** The kernel's receive time (SO_TIMESTAMPNS) on CLOCK_MONOTONIC, in ms; absent when unknown. */
  rxTime?: number;
}

export interface VrrpSocketOptions {
  family: Family;
  /** Interface the socket serves: SO_BINDTODEVICE (unless bindToDevice is false), multicast interface. */
  ifname?: string;
  bindToDevice?: boolean;
  /** Join the VRRP group on ifname at open (default: true when ifname is given). */
  multicast?: boolean;
  /** Unicast TTL / hop limit (default 255). */
  ttl?: number;
  /** Multicast TTL / hop limit (default 255, RFC 9568 §5.1.1.3 / §5.1.2.3). */
  multicastTtl?: number;
  /** IPv6: the kernel fills in and verifies the checksum (IPV6_CHECKSUM 6, pseudo-header included). */
  kernelChecksum?: boolean;
  /** Drop packets whose version nibble is not 2 or 3 in the kernel (default true). */
  versionFilter?: boolean;
  recvBufSize?: number;
  /** Omit for a send-only socket. */
  onPacket?: (payload: Buffer, meta: ReceivedMeta) => void;
  /** Receive errors; without it they are raised as uncaught exceptions. */
  onError?: (err: SyscallError) => void;
}

function nameOf(ifindex: number): string {
  try {
    return native().ifIndexToName(ifindex);
  } catch {
    return '';
  }
}

/** A raw VRRP socket for one address family (and usually one interface). */
export class VrrpSocket {
  readonly family: Family;
  readonly ifname: string | undefined;
  readonly ifindex: number;
  private handle: NativeHandle | undefined;

  private constructor(family: Family, ifname: string | undefined, ifindex: number, handle: NativeHandle) {
    this.family = family;
    this.ifname = ifname;
    this.ifindex = ifindex;
    this.handle = handle;
  }

  static open(opts: VrrpSocketOptions): VrrpSocket {
    const n = native();
    const { family, ifname, onPacket } = opts;
    const ifindex = ifname === undefined ? 0 : n.ifNameToIndex(ifname);
    const handle = n.rawOpen({
      family,
      protocol: VRRP_PROTOCOL,
      bindDevice: ifname !== undefined && opts.bindToDevice !== false ? ifname : undefined,
      ttl: opts.ttl ?? 255,
      multicastTtl: opts.multicastTtl ?? 255,
      multicastLoop: false,
      multicastIf: ifindex || undefined,
      checksumOffset: family === 6 && opts.kernelChecksum ? VRRP_CHECKSUM_OFFSET : undefined,
      versionFilter: opts.versionFilter ?? true,
      recvBufSize: opts.recvBufSize,
      onPacket: onPacket
        ? (payload, src, dst, idx, ttl, rxMs) => {
            // The bound interface's name is known: no lookup (three syscalls) per packet.
            const meta: ReceivedMeta = { family, src, dst, ttl, ifindex: idx, ifname: idx === ifindex && ifname !== undefined ? ifname : nameOf(idx) };
            if (rxMs >= 0) meta.rxTime = rxMs;
            onPacket(payload, meta);
          }
        : undefined,
      onError: opts.onError,
    });
    const sock = new VrrpSocket(family, ifname, ifindex, handle);
    if (ifname !== undefined && (opts.multicast ?? true)) {
      try {
        sock.joinGroup(ifname);
      } catch (e) {
        sock.close();
        throw e;
      }
    }
    return sock;
  }

  get closed(): boolean {
    return this.handle === undefined;
  }

  private h(): NativeHandle {
    if (!this.handle) {
      const err = new Error('socket is closed') as Error & { code: string };
      err.code = 'ERR_HANDLE_CLOSED';
      throw err;
    }
    return this.handle;
  }

  /** Join the VRRP multicast group (or `group`) on an interface (IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP). */
  joinGroup(ifname: string | number, group = vrrpGroup(this.family)): void {
    const idx = typeof ifname === 'number' ? ifname : native().ifNameToIndex(ifname);
    native().rawMembership(this.h(), true, group, idx);
  }

  leaveGroup(ifname: string | number, group = vrrpGroup(this.family)): void {
    const idx = typeof ifname === 'number' ? ifname : native().ifNameToIndex(ifname);
    native().rawMembership(this.h(), false, group, idx);
  }

  /**
   * Send a VRRP message (no IP header) to `dst` (default: the VRRP group). `src` selects
   * the source address (IP_PKTINFO / IPV6_PKTINFO); RFC 9568 §5.1.2.1 wants the IPv6
   * link-local address there. Returns the bytes sent.
   */
  send(payload: Uint8Array, dst: string = vrrpGroup(this.family), src?: string): number {
    return native().rawSend(this.h(), payload, dst, src ?? null, this.ifindex || null);
  }

  close(): void {
    const h = this.handle;
    this.handle = undefined;
    if (h) native().rawClose(h);
  }
}

export interface NaSocketOptions {
  ifname: string;
}

/**
 * Sender of unsolicited Neighbor Advertisements (RFC 4861 §7.2.6) on one interface:
 * a raw ICMPv6 socket with hop limit 255 for unicast and multicast (RFC 4861 §7.1.2);
 * the kernel computes the ICMPv6 checksum. It receives nothing.
 */
export class NaSocket {
  readonly ifname: string;
  readonly ifindex: number;
  private handle: NativeHandle | undefined;

  private constructor(ifname: string, ifindex: number, handle: NativeHandle) {
    this.ifname = ifname;
    this.ifindex = ifindex;
    this.handle = handle;
  }

  static open(opts: NaSocketOptions): NaSocket {
    const n = native();
    const ifindex = n.ifNameToIndex(opts.ifname);
    const handle = n.rawOpen({
      family: 6,
      protocol: ICMPV6_PROTOCOL,
      bindDevice: opts.ifname,
      ttl: 255,
      multicastTtl: 255,
      multicastLoop: false,
      multicastIf: ifindex,
    });
    return new NaSocket(opts.ifname, ifindex, handle);
  }

  /** Send an ICMPv6 message (checksum field left for the kernel) from `src` to `dst`. */
  send(icmp: Uint8Array, src: string, dst: string = ALL_NODES_V6): number {
    if (!this.handle) throw Object.assign(new Error('socket is closed'), { code: 'ERR_HANDLE_CLOSED' });
    return native().rawSend(this.handle, icmp, dst, src, this.ifindex);
  }

  close(): void {
    const h = this.handle;
    this.handle = undefined;
    if (h) native().rawClose(h);
  }
}
