/**
 * Minimal packet builders for the native-socket tests, independent of the codec so the
 * socket layer is proven on its own.
 */
import { ipToBytes } from '../../../src/core/ip.js';

/** RFC 9568 §5.1 header (v2 and v3 share the first 8 bytes' shape), addresses, v2 auth. */
export function advert(o: { version: number; vrid: number; family: 4 | 6; addresses?: string[] }): Buffer {
  const addrs = (o.addresses ?? [o.family === 4 ? '192.0.2.100' : '2001:db8::100']).map(ipToBytes);
  const head = Buffer.from([(o.version << 4) | 1, o.vrid, 100, addrs.length, 0, 100, 0, 0]);
  const auth = o.version === 2 ? Buffer.alloc(8) : Buffer.alloc(0);
  return Buffer.concat([head, ...addrs, auth]);
}

function sum16(buf: Buffer, acc = 0): number {
  for (let i = 0; i + 1 < buf.length; i += 2) acc += buf.readUInt16BE(i);
  if (buf.length % 2) acc += buf[buf.length - 1]! << 8;
  return acc;
}

/** RFC 8200 §8.1 upper-layer checksum over the IPv6 pseudo-header and `payload`. */
export function pseudoHeaderChecksum(src: string, dst: string, nextHeader: number, payload: Buffer): number {
  const len = Buffer.alloc(8);
  len.writeUInt32BE(payload.length, 0);
  len[7] = nextHeader;
  let acc = sum16(Buffer.concat([ipToBytes(src), ipToBytes(dst), len, payload]));
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return ~acc & 0xffff;
}

export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

/** Gratuitous ARP request as keepalived sends it (RFC 5227 §2.3, §3): sender = target = vip. */
export function garpFrame(mac: string, vip: string): Buffer {
  const m = macBytes(mac);
  const eth = Buffer.concat([Buffer.alloc(6, 0xff), m, Buffer.from([0x08, 0x06])]);
  const arp = Buffer.concat([
    Buffer.from([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]), // Ethernet, IPv4, request
    m,
    ipToBytes(vip),
    Buffer.alloc(6, 0xff),
    ipToBytes(vip),
  ]);
  return Buffer.concat([eth, arp]);
}

/** Unsolicited Neighbor Advertisement (RFC 4861 §4.4), Override set, checksum left zero. */
export function naMessage(target: string, mac: string): Buffer {
  return Buffer.concat([
    Buffer.from([136, 0, 0, 0, 0x20, 0, 0, 0]),
    ipToBytes(target),
    Buffer.from([2, 1]), // Target Link-Layer Address option, 8 bytes
    macBytes(mac),
  ]);
}
