import { describe, expect, it } from 'vitest';
import { internetChecksum } from '../../src/core/codec/checksum.js';
import {
  ethernetFrame,
  ipv4Packet,
  ipv6Packet,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_RAW,
  parseIpFrame,
  readPcap,
  writePcap,
} from '../helpers/pcap.js';

/** The test helper is itself tested: the capture tests are only as good as their reader. */
describe('pcap helper', () => {
  const payload = Buffer.from('31010a0100640000c0000201', 'hex');

  it('IPv4 header: fields, TTL 255 by default, verifying header checksum', () => {
    const p = ipv4Packet({ src: '192.0.2.1', dst: '224.0.0.18', proto: 112, payload });
    expect(p.subarray(0, 20).toString('hex')).toMatch(/^45c0002000000000ff70[0-9a-f]{4}c0000201e0000012$/);
    expect(internetChecksum(p, 0, 20)).toBe(0);
    expect(parseIpFrame(LINKTYPE_RAW, p)).toMatchObject({ family: 4, src: '192.0.2.1', dst: '224.0.0.18', ttl: 255, proto: 112, headerChecksumOk: true });
  });

  it('IPv6 header: fields and hop limit', () => {
    const p = ipv6Packet({ src: 'fe80::1', dst: 'ff02::12', proto: 112, payload, ttl: 7 });
    expect(p.subarray(0, 8).toString('hex')).toBe('60000000000c7007');
    const ip = parseIpFrame(LINKTYPE_RAW, p)!;
    expect(ip).toMatchObject({ family: 6, src: 'fe80::1', dst: 'ff02::12', ttl: 7, proto: 112 });
    expect(ip.payload.equals(payload)).toBe(true);
  });

  it('finds IP behind Ethernet, 802.1Q and Linux cooked headers, and strips Ethernet padding', () => {
    const ip = ipv4Packet({ src: '192.0.2.1', dst: '192.0.2.2', proto: 112, payload });
    const eth = Buffer.concat([ethernetFrame('01:00:5e:00:00:12', '02:00:00:00:00:01', 0x0800, ip), Buffer.alloc(14)]);
    expect(parseIpFrame(LINKTYPE_ETHERNET, eth)!.payload.equals(payload)).toBe(true);
    const vlan = ethernetFrame('01:00:5e:00:00:12', '02:00:00:00:00:01', 0x8100, Buffer.concat([Buffer.from('00640800', 'hex'), ip]));
    expect(parseIpFrame(LINKTYPE_ETHERNET, vlan)!.dst).toBe('192.0.2.2');
    const sll = Buffer.concat([Buffer.from('0000000100060200000000010000', 'hex'), Buffer.from('0800', 'hex'), ip]);
    expect(parseIpFrame(LINKTYPE_LINUX_SLL, sll)!.src).toBe('192.0.2.1');
    expect(parseIpFrame(LINKTYPE_ETHERNET, ethernetFrame('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:01', 0x0806, Buffer.alloc(28)))).toBeUndefined();
  });

  it('writes and reads back records', () => {
    const file = writePcap([{ data: payload, tsSec: 5, tsUsec: 6 }, { data: Buffer.alloc(3) }], LINKTYPE_RAW);
    expect(file.subarray(0, 4).toString('hex')).toBe('d4c3b2a1');
    const r = readPcap(file);
    expect(r.linktype).toBe(LINKTYPE_RAW);
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toMatchObject({ tsSec: 5, tsUsec: 6, origLen: 12 });
    expect(r.records[0]!.data.equals(payload)).toBe(true);
  });

  it('reads big-endian and nanosecond files, and refuses a cut record unless asked', () => {
    const gh = Buffer.from('a1b23c4d 0002 0004 00000000 00000000 00040000 00000001'.replace(/ /g, ''), 'hex');
    const rh = Buffer.from('00000001 000f4240 00000002 00000002'.replace(/ /g, ''), 'hex'); // 1 s + 1,000,000 ns
    const r = readPcap(Buffer.concat([gh, rh, Buffer.from('abcd', 'hex')]));
    expect(r.linktype).toBe(LINKTYPE_ETHERNET);
    expect(r.records[0]).toMatchObject({ tsSec: 1, tsUsec: 1000 });
    expect(() => readPcap(Buffer.concat([gh, rh, Buffer.from('ab', 'hex')]))).toThrow(/past the end/);
    expect(readPcap(Buffer.concat([gh, rh, Buffer.from('ab', 'hex')]), { allowTruncated: true }).records).toHaveLength(0);
    expect(() => readPcap(Buffer.from('0a0d0d0a000000000000000000000000000000000000000000', 'hex'))).toThrow(/magic/);
  });
});
