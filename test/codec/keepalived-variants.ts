/**
 * The keepalived 2.2.7 set-up whose packets are captured (keepalived-capture.test.ts) and
 * committed as fixtures (test/fixtures/pcap/, read by keepalived-fixtures.test.ts): one
 * keepalived process with one vrrp_instance per advert variant. test/fixtures/pcap/README.md
 * shows the same configuration.
 */
import { expect } from 'vitest';
import { parseArpFrame, type ArpFrame } from '../../src/core/codec/arp.js';
import { parseNeighborAdvertFrame, type NeighborAdvertFrame } from '../../src/core/codec/ndisc.js';
import type { ChecksumForm } from '../../src/core/codec/types.js';
import { decodeAdvert, type DecodeResult } from '../../src/core/codec/vrrp.js';
import type { Family } from '../../src/core/ip.js';
import { LINKTYPE_ETHERNET, parseIpFrame, type IpPacket } from '../helpers/pcap.js';

export interface CapturedVariant {
  /** Fixture file name in test/fixtures/pcap/. */
  file: string;
  instance: string;
  vrid: number;
  version: 2 | 3;
  family: Family;
  priority: number;
  intervalCs: number;
  addresses: string[];
  unicast: boolean;
  /** The checksum form keepalived sends this advert with (the one our decoder must report). */
  form: ChecksumForm;
  /** v2: auth type and the 8 auth bytes as hex. */
  authType: number;
  authHex?: string;
  /** Extra lines inside the vrrp_instance block. */
  extra: (peer: { src: string; peer: string }) => string[];
}

export const PASSWORD = 'secret12345'; // keepalived truncates it to 8 characters
export const PASSWORD_HEX = Buffer.from('secret12').toString('hex');

export const VARIANTS: CapturedVariant[] = [
  {
    file: 'keepalived-v2.pcap',
    instance: 'V2',
    vrid: 51,
    version: 2,
    family: 4,
    priority: 200,
    intervalCs: 100,
    addresses: ['192.0.2.100', '192.0.2.101'],
    unicast: false,
    form: 'v2',
    authType: 0,
    authHex: '0000000000000000',
    extra: () => ['advert_int 1'],
  },
  {
    file: 'keepalived-v2-pass.pcap',
    instance: 'V2P',
    vrid: 56,
    version: 2,
    family: 4,
    priority: 190,
    intervalCs: 100,
    addresses: ['192.0.2.106'],
    unicast: false,
    form: 'v2',
    authType: 1,
    authHex: PASSWORD_HEX,
    extra: () => ['advert_int 1', `authentication {`, `  auth_type PASS`, `  auth_pass ${PASSWORD}`, `}`],
  },
  {
    file: 'keepalived-v3-ipv4.pcap',
    instance: 'V3',
    vrid: 52,
    version: 3,
    family: 4,
    priority: 150,
    intervalCs: 50,
    addresses: ['192.0.2.102'],
    unicast: false,
    form: 'pseudo',
    authType: 0,
    extra: () => ['version 3', 'advert_int 0.5'],
  },
  {
    file: 'keepalived-v3-ipv6.pcap',
    instance: 'V6',
    vrid: 53,
    version: 3,
    family: 6,
    priority: 120,
    intervalCs: 50,
    addresses: ['2001:db8::100', '2001:db8::101'],
    unicast: false,
    form: 'pseudo',
    authType: 0,
    extra: () => ['advert_int 0.5'],
  },
  {
    file: 'keepalived-v3-unicast.pcap',
    instance: 'U3',
    vrid: 54,
    version: 3,
    family: 4,
    priority: 130,
    intervalCs: 50,
    addresses: ['192.0.2.104'],
    unicast: true,
    form: 'pseudo',
    authType: 0,
    extra: ({ src, peer }) => ['version 3', 'advert_int 0.5', `unicast_src_ip ${src}`, 'unicast_peer {', `  ${peer}`, '}'],
  },
  {
    file: 'keepalived-v3-unicast-old-checksum.pcap',
    instance: 'U3O',
    vrid: 55,
    version: 3,
    family: 4,
    priority: 140,
    intervalCs: 50,
    addresses: ['192.0.2.105'],
    unicast: true,
    form: 'old-unicast',
    authType: 0,
    extra: ({ src, peer }) => [
      'version 3',
      'advert_int 0.5',
      'old_unicast_checksum',
      `unicast_src_ip ${src}`,
      'unicast_peer {',
      `  ${peer}`,
      '}',
    ],
  },
];

/** The GARP and NA fixtures: the first VIP of V3 and of V6. */
export const GARP_FILE = 'keepalived-garp.pcap';
export const GARP_VIP = '192.0.2.102';
export const NA_FILE = 'keepalived-na.pcap';
export const NA_VIP = '2001:db8::100';
/** The priority-0 advert keepalived sends for V3 when it stops (RFC 9568 §6.4.3). */
export const PRIO0_FILE = 'keepalived-v3-priority0.pcap';
export const PRIO0_VRID = 52;

/** keepalived.conf for node `src`, unicast peer `peer`. */
export function keepalivedConf(src: string, peer: string): string {
  const lines = ['global_defs {', '  router_id keepvip_capture', '  vrrp_garp_master_repeat 1', '}'];
  for (const v of VARIANTS) {
    lines.push(
      `vrrp_instance ${v.instance} {`,
      '  state BACKUP',
      '  interface eth0',
      `  virtual_router_id ${v.vrid}`,
      `  priority ${v.priority}`,
      ...v.extra({ src, peer }).map((l) => `  ${l}`),
      '  virtual_ipaddress {',
      ...v.addresses.map((a) => `    ${a}/${v.family === 4 ? 24 : 64}`),
      '  }',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

export type Captured =
  | { kind: 'vrrp'; frame: Buffer; ip: IpPacket; result: DecodeResult }
  | { kind: 'garp'; frame: Buffer; arp: ArpFrame }
  | { kind: 'na'; frame: Buffer; na: NeighborAdvertFrame }
  | { kind: 'other'; frame: Buffer };

/** Sort a captured frame into VRRP (decoded with the default options), GARP, NA or other. */
export function classify(linktype: number, frame: Buffer): Captured {
  const ip = parseIpFrame(linktype, frame);
  if (ip && ip.proto === 112) {
    const result = decodeAdvert(ip.payload, { family: ip.family, src: ip.src, dst: ip.dst, ttl: ip.ttl, ifname: 'eth0' });
    return { kind: 'vrrp', frame, ip, result };
  }
  if (linktype === LINKTYPE_ETHERNET) {
    const arp = parseArpFrame(frame);
    if (arp?.gratuitous) return { kind: 'garp', frame, arp };
    const na = parseNeighborAdvertFrame(frame);
    if (na && !na.solicited) return { kind: 'na', frame, na };
  }
  return { kind: 'other', frame };
}

/**
 * Assert that a captured keepalived advert decodes to what the configuration says, in the
 * checksum form keepalived uses for it. `unicastPeer` is the expected unicast destination.
 */
export function expectVariantAdvert(c: Captured, v: CapturedVariant, unicastPeer: string): void {
  if (c.kind !== 'vrrp') throw new Error(`expected a VRRP packet, got ${c.kind}`);
  const r = c.result;
  if (!r.ok) throw new Error(`${v.instance}: keepalived advert dropped: ${r.reason} (${r.detail})`);
  expect(r.checksumForm).toBe(v.form);
  expect(r.advert).toMatchObject({
    version: v.version,
    type: 1,
    vrid: v.vrid,
    priority: v.priority,
    family: v.family,
    addresses: v.addresses,
    intervalCs: v.intervalCs,
    authType: v.authType,
  });
  if (v.version === 2) expect(r.advert.authData.toString('hex')).toBe(v.authHex);
  else expect(r.advert.authData.length).toBe(0);
  expect(c.ip.family).toBe(v.family);
  expect(c.ip.ttl).toBe(255);
  if (v.family === 4) expect(c.ip.headerChecksumOk).toBe(true);
  if (v.unicast) expect(c.ip.dst).toBe(unicastPeer);
  else expect(c.ip.dst).toBe(v.family === 4 ? '224.0.0.18' : 'ff02::12');
  // RFC 9568 §5.1.2.1: an IPv6 advert comes from the interface's link-local address.
  if (v.family === 6) expect(c.ip.src.startsWith('fe80:')).toBe(true);
  // The form really is the one reported: with only the RFC form accepted, the old form drops.
  const strict = decodeAdvert(c.ip.payload, { family: c.ip.family, src: c.ip.src, dst: c.ip.dst, ttl: c.ip.ttl, ifname: 'eth0' }, { v3Forms: ['pseudo'] });
  if (v.form === 'old-unicast') expect(strict.ok ? 'accepted' : strict.reason).toBe('checksum');
  else expect(strict.ok).toBe(true);
}
