/**
 * Gratuitous ARP frame, built exactly as keepalived 2.2.7 sends it on an AF_PACKET socket
 * (observed byte for byte in test/fixtures/pcap/keepalived-garp.pcap), and a parser.
 *
 * Ethernet II + ARP (RFC 826), 14 + 28 = 42 bytes, no padding:
 *
 *   offset  len  field                      value
 *        0    6  Ethernet destination       ff:ff:ff:ff:ff:ff
 *        6    6  Ethernet source            interface MAC
 *       12    2  EtherType                  0x0806 (ARP)
 *       14    2  ar_hrd (hardware type)     1 (Ethernet)
 *       16    2  ar_pro (protocol type)     0x0800 (IPv4)
 *       18    1  ar_hln                     6
 *       19    1  ar_pln                     4
 *       20    2  ar_op                      1 (request)
 *       22    6  sender hardware address    interface MAC
 *       28    4  sender protocol address    VIP
 *       32    6  target hardware address    ff:ff:ff:ff:ff:ff
 *       38    4  target protocol address    VIP
 *
 * A request whose sender and target IP are both the VIP is an ARP announcement
 * (RFC 5227 §2.3 "Announcing an Address", which uses a request for the reasons of §3);
 * keepalived sets the target hardware address to broadcast where RFC 5227 has zero.
 */
import { writeIp } from './addr.js';
import { EncodeError } from './encode-error.js';
import { formatMac, writeMac } from './mac.js';

export const ETH_HLEN = 14;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ARP_LEN = 28;
export const GARP_FRAME_LEN = ETH_HLEN + ARP_LEN;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

/** The 42-byte gratuitous ARP frame for `vip` from an interface with MAC `mac`. */
export function buildGarpFrame(mac: string, vip: string): Buffer {
  const f = Buffer.alloc(GARP_FRAME_LEN);
  f.fill(0xff, 0, 6); // Ethernet broadcast
  writeMac(mac, f, 6);
  f.writeUInt16BE(ETHERTYPE_ARP, 12);
  f.writeUInt16BE(1, 14); // ar_hrd: Ethernet
  f.writeUInt16BE(ETHERTYPE_IPV4, 16); // ar_pro
  f[18] = 6; // ar_hln
  f[19] = 4; // ar_pln
  f.writeUInt16BE(ARPOP_REQUEST, 20);
  writeMac(mac, f, 22); // sender hardware address
  if (!writeIp(vip, 4, f, 28)) throw new EncodeError('ERR_CODEC_ADDRESS', `not an IPv4 address: ${vip}`);
  f.fill(0xff, 32, 38); // target hardware address
  f.copy(f, 38, 28, 32); // target IP = sender IP
  return f;
}

export interface ArpFrame {
  ethDst: string;
  ethSrc: string;
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
  /** Request or reply announcing its own sender address (sender IP = target IP). */
  gratuitous: boolean;
}

/**
 * Parse an Ethernet frame carrying ARP for IPv4 over Ethernet. Returns undefined for
 * anything else (other EtherType, other hardware/protocol, short frame). Never throws.
 * Trailing padding (frames padded to 60 bytes) is ignored.
 */
export function parseArpFrame(frame: Uint8Array): ArpFrame | undefined {
  if (!frame || frame.length < GARP_FRAME_LEN) return undefined;
  if (((frame[12]! << 8) | frame[13]!) !== ETHERTYPE_ARP) return undefined;
  if (((frame[14]! << 8) | frame[15]!) !== 1 || ((frame[16]! << 8) | frame[17]!) !== ETHERTYPE_IPV4) return undefined;
  if (frame[18] !== 6 || frame[19] !== 4) return undefined;
  const ip = (o: number) => `${frame[o]}.${frame[o + 1]}.${frame[o + 2]}.${frame[o + 3]}`;
  const senderIp = ip(28);
  const targetIp = ip(38);
  return {
    ethDst: formatMac(frame, 0),
    ethSrc: formatMac(frame, 6),
    op: (frame[20]! << 8) | frame[21]!,
    senderMac: formatMac(frame, 22),
    senderIp,
    targetMac: formatMac(frame, 32),
    targetIp,
    gratuitous: senderIp === targetIp,
  };
}
