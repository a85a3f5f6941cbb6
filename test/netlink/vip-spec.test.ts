/**
 * virtual_ipaddress parsing, defaults, `ip` argument building, `ip -j` parsing and
 * source-address choice: pure functions, no namespace needed.
 */
import { describe, expect, it } from 'vitest';
import {
  AddressError,
  hasVip,
  ipAddArgs,
  ipDelArgs,
  parseIpJson,
  parseVipLine,
  resolveVip,
  scopeName,
  vipSpecFromConfig,
} from '../../src/shell/net/addresses.js';
import { pickSourceAddresses } from '../../src/shell/net/links.js';
import type { RtnlAddress } from '../../src/shell/net/netlink.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof AddressError) return e.code;
    throw e;
  }
  return undefined;
}

describe('parseVipLine', () => {
  it('parses the keepalived.conf(5) examples', () => {
    expect(parseVipLine('192.168.200.17/24 dev eth1')).toEqual({ address: '192.168.200.17', prefixLen: 24, dev: 'eth1' });
    expect(parseVipLine('192.168.200.18/24 dev eth2 label eth2:1')).toEqual({
      address: '192.168.200.18',
      prefixLen: 24,
      dev: 'eth2',
      label: 'eth2:1',
    });
  });

  it('parses every supported keyword', () => {
    const s = parseVipLine(
      '  198.51.100.1/24 brd 198.51.100.255 dev eth0 scope link label eth0:v peer 198.51.100.2/24 home noprefixroute ' +
        'mngtmpaddr autojoin no_track preferred_lft 0 use_vmac vrrp1 ',
    );
    expect(s).toEqual({
      address: '198.51.100.1',
      prefixLen: 24,
      brd: '198.51.100.255',
      dev: 'eth0',
      scope: 253,
      label: 'eth0:v',
      peer: '198.51.100.2/24',
      home: true,
      noprefixroute: true,
      mngtmpaddr: true,
      autojoin: true,
      noTrack: true,
      preferredLft: 0,
      ignored: ['use_vmac'],
    });
    expect(parseVipLine('2001:db8::1 -nodad').nodad).toBe(false);
    expect(parseVipLine('2001:db8::1 preferred_lft forever').preferredLft).toBe('forever');
    expect(parseVipLine('198.51.100.1 use_vmac dev eth0')).toMatchObject({ dev: 'eth0', ignored: ['use_vmac'] });
  });

  it('maps scope names and numbers', () => {
    expect(['global', 'site', 'link', 'host', 'nowhere', '0', '42'].map((s) => parseVipLine(`198.51.100.1 scope ${s}`).scope)).toEqual([
      0, 200, 253, 254, 255, 0, 42,
    ]);
    expect(scopeName(253)).toBe('link');
    expect(scopeName(42)).toBe('42');
  });

  it('rejects bad lines with typed codes', () => {
    expect(code(() => parseVipLine(''))).toBe('VIP_SYNTAX');
    expect(code(() => parseVipLine('198.51.100.1 colour blue'))).toBe('VIP_SYNTAX');
    expect(code(() => parseVipLine('198.51.100.1 dev'))).toBe('VIP_SYNTAX');
    expect(code(() => parseVipLine('198.51.100.1/x'))).toBe('VIP_SYNTAX');
    expect(code(() => parseVipLine('198.51.100.1 preferred_lft soon'))).toBe('VIP_SYNTAX');
    expect(code(() => parseVipLine('198.51.100.1 scope galaxy'))).toBe('VIP_INVALID');
    expect(code(() => parseVipLine('198.51.100.1 scope 256'))).toBe('VIP_INVALID');
  });
});

describe('vipSpecFromConfig', () => {
  it('maps a configuration entry (src/config VipEntry shape) to a VipSpec', () => {
    const spec = vipSpecFromConfig({
      address: '198.51.100.1',
      prefixLen: 24,
      brd: '+',
      dev: 'eth1',
      scope: 'link',
      label: 'eth1:a',
      noTrack: true,
      options: ['peer', '198.51.100.2', 'home', 'track_group', 'g1'],
    });
    expect(spec).toEqual({
      address: '198.51.100.1',
      prefixLen: 24,
      brd: '+',
      dev: 'eth1',
      scope: 253,
      label: 'eth1:a',
      peer: '198.51.100.2',
      home: true,
      noTrack: true,
      ignored: ['track_group'],
    });
    expect(vipSpecFromConfig({ address: '2001:db8::1', prefixLen: 128, noTrack: false, options: ['-nodad'] }).nodad).toBe(false);
  });
});

describe('resolveVip', () => {
  it('applies keepalived defaults: /32 or /128, the instance interface, nodad for IPv6', () => {
    expect(resolveVip({ address: '198.51.100.1' }, 'eth0')).toMatchObject({ family: 4, prefixLen: 32, dev: 'eth0', scope: 0, nodad: false });
    expect(resolveVip({ address: '2001:DB8:0:0::1' }, 'eth0')).toMatchObject({ family: 6, address: '2001:db8::1', prefixLen: 128, nodad: true });
    expect(resolveVip({ address: '2001:db8::1', nodad: false }, 'eth0').nodad).toBe(false);
    expect(resolveVip({ address: '198.51.100.1', dev: 'eth1' }, 'eth0').dev).toBe('eth1');
  });

  it('computes brd + and ignores brd -', () => {
    expect(resolveVip({ address: '198.51.100.33', prefixLen: 27, brd: '+' }, 'eth0').broadcast).toBe('198.51.100.63');
    expect(resolveVip({ address: '198.51.100.1', prefixLen: 24, brd: '+' }, 'eth0').broadcast).toBe('198.51.100.255');
    expect(resolveVip({ address: '198.51.100.1', prefixLen: 24, brd: '-' }, 'eth0').broadcast).toBeUndefined();
  });

  it('drops labels on IPv6 (the kernel keeps none) and checks their length on IPv4', () => {
    expect(resolveVip({ address: '2001:db8::1', label: 'eth0:x' }, 'eth0').label).toBeUndefined();
    expect(code(() => resolveVip({ address: '198.51.100.1', label: 'a-label-that-is-too-long' }, 'eth0'))).toBe('VIP_INVALID');
  });

  it('rejects what the kernel would refuse or misread', () => {
    expect(code(() => resolveVip({ address: 'not-an-ip' }, 'eth0'))).toBe('VIP_INVALID');
    expect(code(() => resolveVip({ address: '198.51.100.1', prefixLen: 33 }, 'eth0'))).toBe('VIP_INVALID');
    expect(code(() => resolveVip({ address: '2001:db8::1', prefixLen: 129 }, 'eth0'))).toBe('VIP_INVALID');
    expect(code(() => resolveVip({ address: '198.51.100.1' }))).toBe('VIP_INVALID');
    expect(code(() => resolveVip({ address: '198.51.100.1', dev: 'a/b' }, 'eth0'))).toBe('VIP_INVALID');
    expect(code(() => resolveVip({ address: '2001:db8::1', brd: '+' }, 'eth0'))).toBe('VIP_INVALID');
    expect(code(() => resolveVip({ address: '198.51.100.1', brd: '2001:db8::1' }, 'eth0'))).toBe('VIP_INVALID');
    expect(code(() => resolveVip({ address: '198.51.100.1', peer: '2001:db8::1' }, 'eth0'))).toBe('VIP_INVALID');
  });

  it('takes the prefix from the peer when the address has none (as iproute2 does)', () => {
    expect(resolveVip({ address: '198.51.100.1', peer: '198.51.100.2/30' }, 'eth0')).toMatchObject({ prefixLen: 30, peer: '198.51.100.2' });
  });
});

describe('ip command arguments', () => {
  it('builds add and del argument vectors (no shell)', () => {
    const v4 = resolveVip(parseVipLine('198.51.100.7/24 brd + dev eth0 scope site label eth0:vip preferred_lft 0'), 'eth0');
    expect(ipAddArgs(v4)).toEqual([
      '-4', 'addr', 'add', '198.51.100.7/24', 'dev', 'eth0', 'broadcast', '198.51.100.255', 'scope', '200', 'label', 'eth0:vip',
      'preferred_lft', '0',
    ]);
    expect(ipDelArgs(v4)).toEqual(['-4', 'addr', 'del', '198.51.100.7/24', 'dev', 'eth0']);
    const v6 = resolveVip(parseVipLine('2001:db8::7 noprefixroute'), 'eth1');
    expect(ipAddArgs(v6)).toEqual(['-6', 'addr', 'add', '2001:db8::7/128', 'dev', 'eth1', 'scope', '0', 'nodad', 'noprefixroute']);
  });
});

describe('parseIpJson', () => {
  const json = JSON.stringify([
    {
      ifindex: 2,
      ifname: 'eth0',
      addr_info: [
        { family: 'inet', local: '192.0.2.10', prefixlen: 24, broadcast: '192.0.2.255', scope: 'global', label: 'eth0' },
        { family: 'inet', local: '198.51.100.7', prefixlen: 24, scope: 'link', secondary: true, label: 'eth0:vip' },
        { family: 'inet6', local: '2001:db8:0::7', prefixlen: 128, scope: 'global', nodad: true },
        { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link', tentative: true },
      ],
    },
  ]);

  it('maps ip -j output to InterfaceAddress', () => {
    const list = parseIpJson(json, 'eth0');
    expect(list).toHaveLength(4);
    expect(list[1]).toMatchObject({ family: 4, address: '198.51.100.7', scope: 253, secondary: true, label: 'eth0:vip' });
    expect(list[2]).toMatchObject({ family: 6, address: '2001:db8::7', nodad: true, tentative: false });
    expect(list[3]).toMatchObject({ tentative: true });
    expect(hasVip(list, resolveVip({ address: '2001:db8::7' }, 'eth0'))).toBe(true);
    expect(hasVip(list, resolveVip({ address: '198.51.100.7', prefixLen: 32 }, 'eth0'))).toBe(false);
  });

  it('fails with VIP_BACKEND_FAILED on output it cannot read', () => {
    expect(code(() => parseIpJson('garbage', 'eth0'))).toBe('VIP_BACKEND_FAILED');
    expect(code(() => parseIpJson('{}', 'eth0'))).toBe('VIP_BACKEND_FAILED');
  });
});

describe('pickSourceAddresses', () => {
  const a = (p: Partial<RtnlAddress> & Pick<RtnlAddress, 'family' | 'address'>): RtnlAddress => ({
    ifindex: 2,
    prefixLen: 24,
    scope: 0,
    secondary: false,
    nodad: false,
    tentative: false,
    dadfailed: false,
    deprecated: false,
    permanent: true,
    noprefixroute: false,
    ...p,
  });

  it('takes the first primary IPv4 address and the first usable link-local IPv6 address', () => {
    const got = pickSourceAddresses([
      a({ family: 6, address: '2001:db8::1' }),
      a({ family: 6, address: 'fe80::dead', dadfailed: true }),
      a({ family: 6, address: 'fe80::1', tentative: true }),
      a({ family: 6, address: 'febf::2' }),
      a({ family: 4, address: '198.51.100.9', secondary: true }),
      a({ family: 4, address: '192.0.2.10' }),
    ]);
    expect(got).toEqual({ ipv4: '192.0.2.10', ipv6LinkLocal: 'febf::2' });
  });

  it('reports a tentative link-local only when there is nothing better', () => {
    expect(pickSourceAddresses([a({ family: 6, address: 'fe80::1', tentative: true }), a({ family: 6, address: 'fec0::1' })])).toEqual({
      ipv6LinkLocalTentative: 'fe80::1',
    });
    expect(pickSourceAddresses([])).toEqual({});
  });
});
