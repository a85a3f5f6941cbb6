/**
 * The committed keepalived 2.2.7 captures (test/fixtures/pcap/, see its README.md) decode
 * as the configuration that produced them says. Runs without root or any Debian package.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGarpFrame } from '../../src/core/codec/arp.js';
import { buildUnsolicitedNaFrame } from '../../src/core/codec/ndisc.js';
import { decodeAdvert } from '../../src/core/codec/vrrp.js';
import { LINKTYPE_ETHERNET, readPcap } from '../helpers/pcap.js';
import { classify, expectVariantAdvert, GARP_FILE, GARP_VIP, NA_FILE, NA_VIP, PRIO0_FILE, PRIO0_VRID, VARIANTS, type Captured } from './keepalived-variants.js';

/** The unicast peer of the capture lab (node b of test/helpers/netns.ts). */
const PEER = '192.0.2.11';

function load(file: string): Captured {
  const p = readPcap(readFileSync(new URL(`../fixtures/pcap/${file}`, import.meta.url)));
  expect(p.linktype).toBe(LINKTYPE_ETHERNET);
  expect(p.records).toHaveLength(1);
  return classify(p.linktype, p.records[0]!.data);
}

describe('committed keepalived 2.2.7 captures', () => {
  it.each(VARIANTS.map((v) => [v.file, v] as const))('%s', (file, v) => {
    expectVariantAdvert(load(file), v, PEER);
  });

  it(`${PRIO0_FILE}: the priority-0 advert of a stopping master`, () => {
    const c = load(PRIO0_FILE);
    if (c.kind !== 'vrrp' || !c.result.ok) throw new Error('not a decodable advert');
    expect(c.result.advert).toMatchObject({ vrid: PRIO0_VRID, priority: 0, version: 3 });
    expect(c.result.checksumForm).toBe('pseudo');
  });

  it(`${GARP_FILE}: our builder reproduces it from its MAC and VIP`, () => {
    const c = load(GARP_FILE);
    if (c.kind !== 'garp') throw new Error(`not a GARP: ${c.kind}`);
    expect(c.arp).toMatchObject({ op: 1, senderIp: GARP_VIP, targetIp: GARP_VIP, targetMac: 'ff:ff:ff:ff:ff:ff', ethDst: 'ff:ff:ff:ff:ff:ff' });
    expect(c.frame.equals(buildGarpFrame(c.arp.ethSrc, GARP_VIP))).toBe(true);
  });

  it(`${NA_FILE}: our builder reproduces it from its MAC and VIP`, () => {
    const c = load(NA_FILE);
    if (c.kind !== 'na') throw new Error(`not an NA: ${c.kind}`);
    expect(c.na).toMatchObject({ target: NA_VIP, src: NA_VIP, dst: 'ff02::1', override: true, solicited: false, router: false, hopLimit: 255, checksumOk: true });
    expect(c.frame.equals(buildUnsolicitedNaFrame(NA_VIP, c.na.ethSrc))).toBe(true);
  });

  it('every fixture survives any single corrupted byte without a throw, and never verifies', () => {
    for (const v of VARIANTS) {
      const c = load(v.file);
      if (c.kind !== 'vrrp') throw new Error('not VRRP');
      const meta = { family: c.ip.family, src: c.ip.src, dst: c.ip.dst, ttl: 255, ifname: 'eth0' };
      for (let i = 0; i < c.ip.payload.length; i++) {
        const b = Buffer.from(c.ip.payload);
        b[i] = b[i]! ^ 0x5a;
        expect(decodeAdvert(b, meta).ok).toBe(false);
      }
    }
  });
});
