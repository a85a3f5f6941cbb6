/**
 * Our encoder against an implementation nobody here wrote: Wireshark's VRRP dissector.
 * Encoded adverts are wrapped in IP headers built by test/helpers/pcap.ts, written to a pcap
 * file, and decoded by tshark; tshark must read the same fields and call the checksum Good
 * (Bad for the forms it does not compute, which proves the forms really differ).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChecksumForm } from '../../src/core/codec/types.js';
import { encodeAdvert, passAuthData, type AdvertFields } from '../../src/core/codec/vrrp.js';
import type { Family } from '../../src/core/ip.js';
import { skipReason } from '../helpers/netns.js';
import { ipPacket, LINKTYPE_RAW, writePcap } from '../helpers/pcap.js';

const reason = skipReason('tshark');

interface Variant {
  name: string;
  fields: AdvertFields;
  family: Family;
  src: string;
  dst: string;
  form?: ChecksumForm;
  /** tshark's vrrp.checksum.status with default preferences: 1 Good, 0 Bad. */
  status: '1' | '0';
  /** ... and with vrrp.v3_checksum_as_in_v2 set. */
  statusAsV2: '1' | '0';
}

const VARIANTS: Variant[] = [
  {
    name: 'v2',
    fields: { version: 2, vrid: 51, priority: 100, addresses: ['192.0.2.100'], intervalCs: 100 },
    family: 4,
    src: '192.0.2.10',
    dst: '224.0.0.18',
    status: '1',
    statusAsV2: '1',
  },
  {
    name: 'v2 PASS',
    fields: { version: 2, vrid: 52, priority: 254, addresses: ['192.0.2.101'], intervalCs: 300, authType: 1, authData: passAuthData('s3cret') },
    family: 4,
    src: '192.0.2.10',
    dst: '224.0.0.18',
    status: '1',
    statusAsV2: '1',
  },
  {
    name: 'v3 IPv4',
    fields: { version: 3, vrid: 53, priority: 150, addresses: ['198.51.100.1'], intervalCs: 50 },
    family: 4,
    src: '192.0.2.10',
    dst: '224.0.0.18',
    status: '1',
    statusAsV2: '0',
  },
  {
    name: 'v3 IPv4 v2-form checksum',
    fields: { version: 3, vrid: 54, priority: 150, addresses: ['198.51.100.2'], intervalCs: 100 },
    family: 4,
    src: '192.0.2.10',
    dst: '224.0.0.18',
    form: 'v2',
    status: '0',
    statusAsV2: '1',
  },
  {
    name: 'v3 IPv4 unicast',
    fields: { version: 3, vrid: 55, priority: 1, addresses: ['198.51.100.3'], intervalCs: 4095 },
    family: 4,
    src: '192.0.2.10',
    dst: '192.0.2.11',
    status: '1',
    statusAsV2: '0',
  },
  {
    name: 'v3 IPv4 unicast, old keepalived checksum',
    fields: { version: 3, vrid: 56, priority: 200, addresses: ['198.51.100.4'], intervalCs: 100 },
    family: 4,
    src: '192.0.2.10',
    dst: '192.0.2.11',
    form: 'old-unicast',
    status: '0',
    statusAsV2: '0',
  },
  {
    name: 'v3 IPv6',
    fields: { version: 3, vrid: 57, priority: 255, addresses: ['2001:db8::100'], intervalCs: 100 },
    family: 6,
    src: 'fe80::1',
    dst: 'ff02::12',
    status: '1',
    statusAsV2: '1',
  },
  {
    name: 'v2 multiple addresses',
    fields: { version: 2, vrid: 58, priority: 0, addresses: ['192.0.2.1', '192.0.2.2', '198.51.100.9', '192.0.2.255'], intervalCs: 25500 },
    family: 4,
    src: '192.0.2.10',
    dst: '224.0.0.18',
    status: '1',
    statusAsV2: '1',
  },
  {
    name: 'v3 IPv6 multiple addresses',
    fields: { version: 3, vrid: 59, priority: 120, addresses: ['fe80::1:2', '2001:db8::1', '2001:db8:1::ffff', '2001:db8::c000:201'], intervalCs: 1 },
    family: 6,
    src: 'fe80::2',
    dst: 'ff02::12',
    status: '1',
    statusAsV2: '1',
  },
];

const FIELDS = [
  'vrrp.version',
  'vrrp.virt_rtr_id',
  'vrrp.prio',
  'vrrp.addr_count',
  'vrrp.adver_int',
  'vrrp.short_adver_int',
  'vrrp.ip_addr',
  'vrrp.ipv6_addr',
  'vrrp.checksum',
  'vrrp.checksum.status',
  'vrrp.auth_type',
  'vrrp.auth_string',
  'ip.ttl',
  'ipv6.hlim',
  'ip.checksum.status',
];

describe.skipIf(!!reason)(`tshark decodes our adverts${reason ? ` (${reason})` : ''}`, () => {
  let dir: string;
  let file: string;
  let rows: Array<Record<string, string>>;
  let rowsAsV2: Array<Record<string, string>>;

  function tshark(...prefs: string[]): Array<Record<string, string>> {
    const args = ['-r', file, '-n', '-o', 'ip.check_checksum:TRUE', ...prefs.flatMap((p) => ['-o', p]), '-T', 'fields', ...FIELDS.flatMap((f) => ['-e', f])];
    const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => Object.fromEntries(l.split('\t').map((v, i) => [FIELDS[i]!, v])));
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keepvip-tshark-'));
    file = join(dir, 'adverts.pcap');
    const records = VARIANTS.map((v) => ({
      data: ipPacket(v.family, {
        src: v.src,
        dst: v.dst,
        proto: 112,
        payload: encodeAdvert(v.fields, { src: v.src, dst: v.dst, checksumForm: v.form }),
      }),
    }));
    writeFileSync(file, writePcap(records, LINKTYPE_RAW));
    rows = tshark();
    rowsAsV2 = tshark('vrrp.v3_checksum_as_in_v2:TRUE');
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads one VRRP packet per advert written', () => {
    expect(rows).toHaveLength(VARIANTS.length);
    expect(rowsAsV2).toHaveLength(VARIANTS.length);
  });

  VARIANTS.forEach((v, i) => {
    it(`${v.name}: same fields, checksum ${v.status === '1' ? 'Good' : 'Bad'}`, () => {
      const r = rows[i]!;
      const f = v.fields;
      expect(r['vrrp.version']).toBe(String(f.version));
      expect(r['vrrp.virt_rtr_id']).toBe(String(f.vrid));
      expect(r['vrrp.prio']).toBe(String(f.priority));
      expect(r['vrrp.addr_count']).toBe(String(f.addresses.length));
      if (f.version === 2) {
        expect(r['vrrp.adver_int']).toBe(String(f.intervalCs / 100));
        expect(r['vrrp.auth_type']).toBe(String(f.authType ?? 0));
        if (f.authType === 1) expect(r['vrrp.auth_string']).toBe(Buffer.from(f.authData!).toString().replace(/\0+$/, ''));
      } else {
        expect(r['vrrp.short_adver_int']).toBe(String(f.intervalCs));
      }
      const addrs = v.family === 4 ? r['vrrp.ip_addr'] : r['vrrp.ipv6_addr'];
      expect(addrs!.split(',')).toEqual([...f.addresses]);
      expect(r['vrrp.checksum.status']).toBe(v.status);
      expect(rowsAsV2[i]!['vrrp.checksum.status']).toBe(v.statusAsV2);
      if (v.family === 4) {
        expect(r['ip.ttl']).toBe('255');
        expect(r['ip.checksum.status']).toBe('1'); // the pcap helper's IPv4 header checksum
      } else {
        expect(r['ipv6.hlim']).toBe('255');
      }
    });
  });
});
