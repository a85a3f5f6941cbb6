/**
 * VRRP advertisement as typed values. The wire layouts (RFC 3768 §5.1 for v2,
 * RFC 9568 §5.1 for v3) are drawn in vrrp.ts above the encoder.
 */
import type { Family } from '../ip.js';

export type VrrpVersion = 2 | 3;

/** RFC 3768 §5.3.6 ("Auth Type"). 2 (IP Authentication Header) is recognised and rejected. */
export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
export const AUTH_AH = 2;
export type AuthType = typeof AUTH_NONE | typeof AUTH_PASS | typeof AUTH_AH;

export interface Advert {
  version: VrrpVersion;
  /** RFC "Type": 1 = ADVERTISEMENT, the only defined type. */
  type: number;
  /** Virtual Router Identifier, 1..255. */
  vrid: number;
  /** 0 (master leaving) .. 255 (address owner). */
  priority: number;
  /** Address family of the address list (v2 is always 4). */
  family: Family;
  /** The IPvX addresses, canonical text. */
  addresses: string[];
  /**
   * Advertisement interval in centiseconds for both versions. v2 carries whole seconds
   * on the wire (so this is a multiple of 100); v3 carries the 12-bit Max Advertise
   * Interval in centiseconds.
   */
  intervalCs: number;
  /** v2 only: authentication type (0 none, 1 PASS, 2 AH). 0 for v3. */
  authType: number;
  /** v2 only: the 8 authentication bytes as received (zeros when none); empty for v3. */
  authData: Buffer;
  /** The checksum field as carried. */
  checksum: number;
}

/**
 * Which checksum form an advert verified with (v3 only; v2 is always 'v2').
 * - 'pseudo': RFC 9568 §5.2.8 ("Checksum"), IP pseudo-header with the real destination.
 * - 'v2': no pseudo-header (keepalived `v3_checksum_as_v2`, the Cisco/Juniper form).
 * - 'old-unicast': pseudo-header with 224.0.0.18 as destination (keepalived < 1.3.6 unicast).
 */
export type ChecksumForm = 'v2' | 'pseudo' | 'old-unicast';

/** The IP-level facts that arrive with a packet (from recvmsg ancillary data). */
export interface PacketMeta {
  family: Family;
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** Receiving interface name. */
  ifname: string;
}
