/**
 * Unsolicited Neighbour Advertisement (RFC 4861 §4.4 "Neighbor Advertisement Message
 * Format", §7.2.6 "Sending Unsolicited Neighbor Advertisements"), built as keepalived 2.2.7
 * sends it for an IPv6 VIP (observed byte for byte in test/fixtures/pcap/keepalived-na.pcap),
 * and parsers for it.
 *
 * ICMPv6 payload, 32 bytes:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Type = 136   |   Code = 0    |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |R|S|O|                     Reserved                            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                                                               |
 *   +                       Target Address = VIP                    +
 *   |                          (16 bytes)                           |
 *   +                                                               +
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   Type = 2    |  Length = 1   |  Link-Layer Address (MAC) ... |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     ... (6 bytes in all)                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flags: Router when the node forwards, Solicited never (unsolicited), Override always.
 * The option is the Target Link-Layer Address option of RFC 4861 §4.6.1.
 * The checksum (RFC 4443 §2.3) covers the IPv6 pseudo-header with source = VIP and
 * destination = ff02::1 (all-nodes), as keepalived sends it.
 *
 * keepalived writes the whole frame itself on an AF_PACKET socket: Ethernet to
 * 33:33:00:00:00:01, IPv6 header (flow 0, hop limit 255, next header 58), then the payload;
 * buildUnsolicitedNaFrame reproduces it.
 */
import { formatIp, writeIp } from './addr.js';
import { ETH_HLEN, ETHERTYPE_IPV6 } from './arp.js';
import { fold16, pseudoHeaderSum, sum16 } from './checksum.js';
import { EncodeError } from './encode-error.js';
import { formatMac, writeMac } from './mac.js';

export const IPPROTO_ICMPV6 = 58;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_OPT_TARGET_LINKADDR = 2;
export const NA_LEN = 32;
export const IPV6_HLEN = 40;
export const NA_FRAME_LEN = ETH_HLEN + IPV6_HLEN + NA_LEN;
export const ALL_NODES = 'ff02::1';
/** RFC 4861 §4.4 flag bits in the first byte after the checksum. */
export const NA_FLAG_ROUTER = 0x80;
export const NA_FLAG_SOLICITED = 0x40;
export const NA_FLAG_OVERRIDE = 0x20;
/** RFC 4861 §6.1.2 / §7.1.2: ND messages are sent and accepted with hop limit 255. */
export const ND_HOP_LIMIT = 255;

export interface UnsolicitedNaOptions {
  /** Set the Router flag (the node forwards IPv6 on this interface). */
  router?: boolean;
  /**
   * 'compute' (default): fill in the checksum for source = VIP, destination = ff02::1.
   * 'kernel': leave it zero for a raw ICMPv6 socket, where the kernel computes it.
   */
  checksum?: 'compute' | 'kernel';
}

/** The 32-byte ICMPv6 unsolicited NA payload announcing `vip` at `mac`. */
export function buildUnsolicitedNa(vip: string, mac: string, opts: UnsolicitedNaOptions = {}): Buffer {
  const p = Buffer.alloc(NA_LEN);
  p[0] = ND_NEIGHBOR_ADVERT;
  p[1] = 0;
  p[4] = NA_FLAG_OVERRIDE | (opts.router ? NA_FLAG_ROUTER : 0);
  if (!writeIp(vip, 6, p, 8)) throw new EncodeError('ERR_CODEC_ADDRESS', `not an IPv6 address: ${vip}`);
  p[24] = ND_OPT_TARGET_LINKADDR;
  p[25] = 1; // option length in units of 8 bytes
  writeMac(mac, p, 26);
  if ((opts.checksum ?? 'compute') === 'compute') {
    const prefix = pseudoHeaderSum(6, vip, ALL_NODES, NA_LEN, IPPROTO_ICMPV6);
    p.writeUInt16BE(~fold16(sum16(p, 0, NA_LEN, prefix)) & 0xffff, 2);
  }
  return p;
}

/** The whole 86-byte Ethernet frame, as keepalived writes it to its packet socket. */
export function buildUnsolicitedNaFrame(vip: string, mac: string, opts: Omit<UnsolicitedNaOptions, 'checksum'> = {}): Buffer {
  const f = Buffer.alloc(NA_FRAME_LEN);
  f[0] = 0x33; // RFC 2464 §7: 33:33 + low 32 bits of ff02::1
  f[1] = 0x33;
  f[5] = 0x01;
  writeMac(mac, f, 6);
  f.writeUInt16BE(ETHERTYPE_IPV6, 12);
  const ip = ETH_HLEN;
  f[ip] = 0x60; // version 6, traffic class 0, flow label 0
  f.writeUInt16BE(NA_LEN, ip + 4);
  f[ip + 6] = IPPROTO_ICMPV6;
  f[ip + 7] = ND_HOP_LIMIT;
  if (!writeIp(vip, 6, f, ip + 8)) throw new EncodeError('ERR_CODEC_ADDRESS', `not an IPv6 address: ${vip}`);
  writeIp(ALL_NODES, 6, f, ip + 24);
  buildUnsolicitedNa(vip, mac, { ...opts, checksum: 'compute' }).copy(f, ip + IPV6_HLEN);
  return f;
}

export interface NeighborAdvert {
  type: number;
  code: number;
  checksum: number;
  router: boolean;
  solicited: boolean;
  override: boolean;
  target: string;
  /** The Target Link-Layer Address option, when present. */
  targetLinkLayer?: string;
  /** Whether the checksum verifies (only when the pseudo-header addresses were given). */
  checksumOk?: boolean;
}

/**
 * Parse an ICMPv6 Neighbour Advertisement payload. With `src`/`dst` the checksum is
 * verified too. Returns undefined when it is not a well-formed NA. Never throws.
 */
export function parseNeighborAdvert(p: Uint8Array, src?: string, dst?: string): NeighborAdvert | undefined {
  if (!p || p.length < 24 || p[0] !== ND_NEIGHBOR_ADVERT) return undefined;
  const na: NeighborAdvert = {
    type: p[0]!,
    code: p[1]!,
    checksum: (p[2]! << 8) | p[3]!,
    router: (p[4]! & NA_FLAG_ROUTER) !== 0,
    solicited: (p[4]! & NA_FLAG_SOLICITED) !== 0,
    override: (p[4]! & NA_FLAG_OVERRIDE) !== 0,
    target: formatIp(p, 8, 6),
  };
  // RFC 4861 §4.6: options are type, length (in 8-byte units, never 0), data.
  for (let o = 24; o + 2 <= p.length; ) {
    const olen = p[o + 1]! * 8;
    if (olen === 0 || o + olen > p.length) return undefined;
    if (p[o] === ND_OPT_TARGET_LINKADDR && olen >= 8) na.targetLinkLayer = formatMac(p, o + 2);
    o += olen;
  }
  if (src !== undefined && dst !== undefined) {
    const prefix = pseudoHeaderSum(6, src, dst, p.length, IPPROTO_ICMPV6);
    na.checksumOk = prefix >= 0 && fold16(sum16(p, 0, p.length, prefix)) === 0xffff;
  }
  return na;
}

export interface NeighborAdvertFrame extends NeighborAdvert {
  ethDst: string;
  ethSrc: string;
  src: string;
  dst: string;
  hopLimit: number;
}

/**
 * Parse an Ethernet frame carrying IPv6 + ICMPv6 NA (no extension headers), verifying the
 * checksum against the frame's own addresses. Undefined for anything else. Never throws.
 */
export function parseNeighborAdvertFrame(frame: Uint8Array): NeighborAdvertFrame | undefined {
  if (!frame || frame.length < ETH_HLEN + IPV6_HLEN + 24) return undefined;
  if (((frame[12]! << 8) | frame[13]!) !== ETHERTYPE_IPV6) return undefined;
  const ip = ETH_HLEN;
  if (frame[ip]! >> 4 !== 6 || frame[ip + 6] !== IPPROTO_ICMPV6) return undefined;
  const plen = (frame[ip + 4]! << 8) | frame[ip + 5]!;
  if (ip + IPV6_HLEN + plen > frame.length) return undefined;
  const src = formatIp(frame, ip + 8, 6);
  const dst = formatIp(frame, ip + 24, 6);
  const na = parseNeighborAdvert(frame.subarray(ip + IPV6_HLEN, ip + IPV6_HLEN + plen), src, dst);
  if (!na) return undefined;
  return { ...na, ethDst: formatMac(frame, 0), ethSrc: formatMac(frame, 6), src, dst, hopLimit: frame[ip + 7]! };
}
