/**
 * A small pcap (libpcap classic format) writer and reader for codec tests, plus builders of
 * the IPv4/IPv6/Ethernet headers around a payload and a parser that finds the IP packet in
 * a captured frame. Format: https://www.tcpdump.org/manpages/pcap-savefile.5.txt
 * (24-byte global header, 16-byte record headers). pcapng is not handled: tcpdump -w
 * writes classic pcap.
 */
import { internetChecksum } from '../../src/core/codec/checksum.js';
import { ipToBytes, bytesToIp, type Family } from '../../src/core/ip.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;

const MAGIC_USEC = 0xa1b2c3d4;
const MAGIC_NSEC = 0xa1b23c4d;

export interface PcapRecord {
  tsSec: number;
  /** Fraction of the second in microseconds (nanosecond files are converted). */
  tsUsec: number;
  data: Buffer;
  /** Length on the wire (data may be cut to the snapshot length). */
  origLen: number;
}

export interface PcapFile {
  linktype: number;
  snaplen: number;
  records: PcapRecord[];
}

/** Write a little-endian, microsecond pcap file image. */
export function writePcap(
  records: ReadonlyArray<{ data: Uint8Array; tsSec?: number; tsUsec?: number }>,
  linktype: number,
  snaplen = 262144,
): Buffer {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(MAGIC_USEC, 0);
  gh.writeUInt16LE(2, 4); // version 2.4
  gh.writeUInt16LE(4, 6);
  gh.writeInt32LE(0, 8); // thiszone
  gh.writeUInt32LE(0, 12); // sigfigs
  gh.writeUInt32LE(snaplen, 16);
  gh.writeUInt32LE(linktype, 20);
  parts.push(gh);
  records.forEach((r, i) => {
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(r.tsSec ?? 1_700_000_000 + i, 0);
    rh.writeUInt32LE(r.tsUsec ?? 0, 4);
    rh.writeUInt32LE(r.data.length, 8);
    rh.writeUInt32LE(r.data.length, 12);
    parts.push(rh, Buffer.from(r.data));
  });
  return Buffer.concat(parts);
}

/**
 * Read a classic pcap file image (either byte order, micro- or nanosecond). Throws on a bad
 * header, or on a cut last record unless `allowTruncated` (a capture still being written).
 */
export function readPcap(buf: Buffer, opts: { allowTruncated?: boolean } = {}): PcapFile {
  if (buf.length < 24) throw new Error('pcap: file shorter than its global header');
  let le: boolean;
  let nsec: boolean;
  const mLE = buf.readUInt32LE(0);
  const mBE = buf.readUInt32BE(0);
  if (mLE === MAGIC_USEC || mLE === MAGIC_NSEC) {
    le = true;
    nsec = mLE === MAGIC_NSEC;
  } else if (mBE === MAGIC_USEC || mBE === MAGIC_NSEC) {
    le = false;
    nsec = mBE === MAGIC_NSEC;
  } else {
    throw new Error(`pcap: unknown magic 0x${mBE.toString(16)} (pcapng is not supported)`);
  }
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const snaplen = u32(16);
  const linktype = u32(20) & 0x0fffffff;
  const records: PcapRecord[] = [];
  let o = 24;
  while (o + 16 <= buf.length) {
    const tsSec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    const origLen = u32(o + 12);
    if (o + 16 + incl > buf.length) {
      if (opts.allowTruncated) break;
      throw new Error(`pcap: record at ${o} runs past the end of the file`);
    }
    records.push({
      tsSec,
      tsUsec: nsec ? Math.floor(frac / 1000) : frac,
      data: Buffer.from(buf.subarray(o + 16, o + 16 + incl)),
      origLen,
    });
    o += 16 + incl;
  }
  return { linktype, snaplen, records };
}

export interface IpPacketSpec {
  src: string;
  dst: string;
  /** IPv4 protocol / IPv6 next header. */
  proto: number;
  payload: Uint8Array;
  /** TTL / hop limit; 255 as VRRP requires (RFC 9568 §5.1.1.3, §5.1.2.3). */
  ttl?: number;
  id?: number;
}

/** IPv4 header (20 bytes, no options, DF clear) + payload, with a correct header checksum. */
export function ipv4Packet(spec: IpPacketSpec): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = 0xc0; // DSCP CS6 (network control), as keepalived sends
  h.writeUInt16BE(20 + spec.payload.length, 2);
  h.writeUInt16BE(spec.id ?? 0, 4);
  h[8] = spec.ttl ?? 255;
  h[9] = spec.proto;
  ipToBytes(spec.src).copy(h, 12);
  ipToBytes(spec.dst).copy(h, 16);
  h.writeUInt16BE(internetChecksum(h, 0, 20), 10);
  return Buffer.concat([h, Buffer.from(spec.payload)]);
}

/** IPv6 header (40 bytes, no extension headers) + payload. */
export function ipv6Packet(spec: IpPacketSpec): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(spec.payload.length, 4);
  h[6] = spec.proto;
  h[7] = spec.ttl ?? 255;
  ipToBytes(spec.src).copy(h, 8);
  ipToBytes(spec.dst).copy(h, 24);
  return Buffer.concat([h, Buffer.from(spec.payload)]);
}

export function ipPacket(family: Family, spec: IpPacketSpec): Buffer {
  return family === 4 ? ipv4Packet(spec) : ipv6Packet(spec);
}

function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(/[:-]/).map((h) => parseInt(h, 16)));
}

/** Ethernet II frame. */
export function ethernetFrame(dstMac: string, srcMac: string, ethertype: number, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(14);
  macBytes(dstMac).copy(h, 0);
  macBytes(srcMac).copy(h, 6);
  h.writeUInt16BE(ethertype, 12);
  return Buffer.concat([h, Buffer.from(payload)]);
}

export interface IpPacket {
  family: Family;
  src: string;
  dst: string;
  /** TTL / hop limit. */
  ttl: number;
  proto: number;
  /** The upper-layer payload (IPv4 options / IPv6 hop-by-hop skipped, padding removed). */
  payload: Buffer;
  /** IPv4 only: whether the header checksum verifies. */
  headerChecksumOk?: boolean;
}

/** Find the IP packet in a captured frame. Undefined for non-IP frames. */
export function parseIpFrame(linktype: number, frame: Buffer): IpPacket | undefined {
  let o: number;
  let ethertype: number | undefined;
  if (linktype === LINKTYPE_RAW) {
    o = 0;
  } else if (linktype === LINKTYPE_ETHERNET) {
    if (frame.length < 14) return undefined;
    ethertype = frame.readUInt16BE(12);
    o = 14;
    while (ethertype === 0x8100 || ethertype === 0x88a8) {
      if (frame.length < o + 4) return undefined;
      ethertype = frame.readUInt16BE(o + 2);
      o += 4;
    }
    if (ethertype !== 0x0800 && ethertype !== 0x86dd) return undefined;
  } else if (linktype === LINKTYPE_LINUX_SLL) {
    if (frame.length < 16) return undefined;
    ethertype = frame.readUInt16BE(14);
    o = 16;
    if (ethertype !== 0x0800 && ethertype !== 0x86dd) return undefined;
  } else {
    throw new Error(`pcap: link type ${linktype} not handled`);
  }
  if (frame.length <= o) return undefined;
  const v = frame[o]! >> 4;
  if (v === 4) {
    const ihl = (frame[o]! & 0x0f) * 4;
    if (ihl < 20 || frame.length < o + ihl) return undefined;
    const total = frame.readUInt16BE(o + 2);
    if (frame.length < o + total) return undefined;
    return {
      family: 4,
      src: bytesToIp(frame, o + 12, 4),
      dst: bytesToIp(frame, o + 16, 4),
      ttl: frame[o + 8]!,
      proto: frame[o + 9]!,
      payload: Buffer.from(frame.subarray(o + ihl, o + total)),
      headerChecksumOk: internetChecksum(frame, o, o + ihl) === 0,
    };
  }
  if (v === 6) {
    if (frame.length < o + 40) return undefined;
    const plen = frame.readUInt16BE(o + 4);
    let next = frame[o + 6]!;
    let p = o + 40;
    const end = p + plen;
    if (frame.length < end) return undefined;
    // Skip hop-by-hop (0), routing (43) and destination options (60) headers.
    while ((next === 0 || next === 43 || next === 60) && p + 8 <= end) {
      const hlen = (frame[p + 1]! + 1) * 8;
      next = frame[p]!;
      p += hlen;
    }
    return {
      family: 6,
      src: bytesToIp(frame, o + 8, 16),
      dst: bytesToIp(frame, o + 24, 16),
      ttl: frame[o + 7]!,
      proto: next,
      payload: Buffer.from(frame.subarray(p, end)),
    };
  }
  return undefined;
}
