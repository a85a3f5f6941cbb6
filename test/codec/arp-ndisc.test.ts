import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildGarpFrame, parseArpFrame } from '../../src/core/codec/arp.js';
import { EncodeError } from '../../src/core/codec/encode-error.js';
import { formatMac, writeMac } from '../../src/core/codec/mac.js';
import {
  buildUnsolicitedNa,
  buildUnsolicitedNaFrame,
  parseNeighborAdvert,
  parseNeighborAdvertFrame,
} from '../../src/core/codec/ndisc.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MAC = '02:00:00:00:00:01';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EncodeError);
    return (e as EncodeError).code;
  }
  return undefined;
}

describe('gratuitous ARP (keepalived form)', () => {
  // Written field by field from RFC 826 and the frame keepalived 2.2.7 sends.
  const GARP = hex(
    'ffffffffffff 020000000001 0806' + // Ethernet: broadcast, iface MAC, ARP
      '0001 0800 06 04 0001' + // Ethernet/IPv4, request
      '020000000001 c0000264' + // sender: iface MAC, VIP 192.0.2.100
      'ffffffffffff c0000264', // target: broadcast, VIP
  );

  it('builds the 42-byte request byte for byte', () => {
    expect(buildGarpFrame(MAC, '192.0.2.100').toString('hex')).toBe(GARP.toString('hex'));
  });

  it('parses it back, and ignores Ethernet padding', () => {
    const want = {
      ethDst: 'ff:ff:ff:ff:ff:ff',
      ethSrc: MAC,
      op: 1,
      senderMac: MAC,
      senderIp: '192.0.2.100',
      targetMac: 'ff:ff:ff:ff:ff:ff',
      targetIp: '192.0.2.100',
      gratuitous: true,
    };
    expect(parseArpFrame(GARP)).toEqual(want);
    expect(parseArpFrame(Buffer.concat([GARP, Buffer.alloc(18)]))).toEqual(want);
  });

  it('a normal who-has is not gratuitous; other frames are not ARP', () => {
    const req = Buffer.from(GARP);
    hex('c000020a').copy(req, 28); // sender 192.0.2.10 asks for 192.0.2.100
    expect(parseArpFrame(req)?.gratuitous).toBe(false);
    const ip = Buffer.from(GARP);
    ip.writeUInt16BE(0x0800, 12);
    expect(parseArpFrame(ip)).toBeUndefined();
    expect(parseArpFrame(GARP.subarray(0, 41))).toBeUndefined();
    expect(parseArpFrame(undefined as never)).toBeUndefined();
  });

  it('round-trips any MAC and IPv4 address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.ipV4(), (m, vip) => {
        const mac = formatMac(m, 0);
        const p = parseArpFrame(buildGarpFrame(mac, vip))!;
        expect(p.senderMac).toBe(mac);
        expect(p.senderIp).toBe(vip);
        expect(p.targetIp).toBe(vip);
      }),
    );
  });

  it('refuses a bad MAC or VIP', () => {
    expect(codeOf(() => buildGarpFrame('02:00:00:00:00', '192.0.2.1'))).toBe('ERR_CODEC_MAC');
    expect(codeOf(() => buildGarpFrame('02:00:00:00:00:zz', '192.0.2.1'))).toBe('ERR_CODEC_MAC');
    expect(codeOf(() => buildGarpFrame(MAC, '2001:db8::1'))).toBe('ERR_CODEC_ADDRESS');
  });
});

describe('MAC text', () => {
  it('accepts : and - separators, any case; prints lowercase with :', () => {
    const b = Buffer.alloc(6);
    writeMac('AA-bb-CC-dd-EE-0f', b, 0);
    expect(b.toString('hex')).toBe('aabbccddee0f');
    expect(formatMac(b, 0)).toBe('aa:bb:cc:dd:ee:0f');
  });
});

describe('unsolicited Neighbour Advertisement', () => {
  // RFC 4861 §4.4: type 136, code 0, checksum, flags O (0x20), target, option 2 len 1 MAC.
  // Checksums computed separately over the IPv6 pseudo-header 2001:db8::100 -> ff02::1, 32, 58.
  const NA = hex('88 00 f72c 20000000 20010db8000000000000000000000100 02 01 020000000001');
  const NA_ROUTER = hex('88 00 772c a0000000 20010db8000000000000000000000100 02 01 020000000001');

  it('builds the payload with Override, without Router by default', () => {
    expect(buildUnsolicitedNa('2001:db8::100', MAC).toString('hex')).toBe(NA.toString('hex'));
  });

  it('sets the Router flag when asked', () => {
    expect(buildUnsolicitedNa('2001:db8::100', MAC, { router: true }).toString('hex')).toBe(NA_ROUTER.toString('hex'));
  });

  it("leaves the checksum zero for the kernel when asked", () => {
    const p = buildUnsolicitedNa('2001:db8::100', MAC, { checksum: 'kernel' });
    expect(p.readUInt16BE(2)).toBe(0);
    expect(Buffer.concat([p.subarray(0, 2), p.subarray(4)]).equals(Buffer.concat([NA.subarray(0, 2), NA.subarray(4)]))).toBe(true);
  });

  it('parses it and verifies the checksum against the pseudo-header', () => {
    expect(parseNeighborAdvert(NA, '2001:db8::100', 'ff02::1')).toEqual({
      type: 136,
      code: 0,
      checksum: 0xf72c,
      router: false,
      solicited: false,
      override: true,
      target: '2001:db8::100',
      targetLinkLayer: MAC,
      checksumOk: true,
    });
    expect(parseNeighborAdvert(NA, '2001:db8::100', 'ff02::2')?.checksumOk).toBe(false);
    expect(parseNeighborAdvert(NA_ROUTER)?.router).toBe(true);
    expect(parseNeighborAdvert(NA)?.checksumOk).toBeUndefined();
  });

  it('rejects what is not a well-formed NA', () => {
    expect(parseNeighborAdvert(NA.subarray(0, 23))).toBeUndefined();
    const rs = Buffer.from(NA);
    rs[0] = 133;
    expect(parseNeighborAdvert(rs)).toBeUndefined();
    const zeroLenOpt = Buffer.from(NA);
    zeroLenOpt[25] = 0;
    expect(parseNeighborAdvert(zeroLenOpt)).toBeUndefined();
    const longOpt = Buffer.from(NA);
    longOpt[25] = 2;
    expect(parseNeighborAdvert(longOpt)).toBeUndefined();
  });

  it('builds the whole 86-byte frame keepalived writes, and parses it', () => {
    const frame = buildUnsolicitedNaFrame('2001:db8::100', MAC);
    const want = hex(
      '333300000001 020000000001 86dd' + // Ethernet to all-nodes multicast
        '60000000 0020 3a ff' + // IPv6: flow 0, payload 32, ICMPv6, hop limit 255
        '20010db8000000000000000000000100 ff020000000000000000000000000001',
    );
    expect(frame.subarray(0, 54).toString('hex')).toBe(want.toString('hex'));
    expect(frame.subarray(54).equals(NA)).toBe(true);
    const p = parseNeighborAdvertFrame(frame)!;
    expect(p).toMatchObject({ src: '2001:db8::100', dst: 'ff02::1', hopLimit: 255, ethDst: '33:33:00:00:00:01', ethSrc: MAC, checksumOk: true });
    expect(parseNeighborAdvertFrame(frame.subarray(0, 70))).toBeUndefined();
    expect(parseNeighborAdvertFrame(buildGarpFrame(MAC, '192.0.2.1'))).toBeUndefined();
  });

  it('round-trips any IPv6 VIP and MAC, with a verifying checksum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.ipV6(), fc.boolean(), (m, vip, router) => {
        const mac = formatMac(m, 0);
        const p = parseNeighborAdvertFrame(buildUnsolicitedNaFrame(vip, mac, { router }))!;
        expect(p.checksumOk).toBe(true);
        expect(p.router).toBe(router);
        expect(p.targetLinkLayer).toBe(mac);
      }),
    );
  });

  it('parsers never throw on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        const buf = Buffer.from(b);
        parseArpFrame(buf);
        parseNeighborAdvert(buf, '2001:db8::1', 'ff02::1');
        parseNeighborAdvertFrame(buf);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses an IPv4 VIP', () => {
    expect(codeOf(() => buildUnsolicitedNa('192.0.2.1', MAC))).toBe('ERR_CODEC_ADDRESS');
  });
});
