/**
 * Raw VRRP sockets across a namespace lab: multicast and unicast, IPv4 and IPv6, with
 * the source, destination, interface and TTL / hop limit each packet arrives with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, skipReason, type Lab } from '../helpers/netns.js';
import { Peer, PeerCallError, linkLocal, sleep, type PeerPacket } from './helpers/peer-client.js';
import { advert, pseudoHeaderChecksum } from './helpers/frames.js';
import { monotonicNowMs } from '../../src/shell/net/timer.js';

const reason = skipReason();

describe.skipIf(!!reason)('VRRP raw sockets in a lab', () => {
  let lab: Lab;
  let a: Peer;
  let b: Peer;
  let bIndex: number;
  let aLinkLocal: string;

  beforeAll(async () => {
    lab = createLab({ nodes: ['a', 'b'] });
    lab.exec(lab.node('a').ns, ['ip', 'addr', 'add', '192.0.2.100/24', 'dev', 'eth0']);
    [a, b] = await Promise.all([Peer.start(lab, lab.node('a').ns), Peer.start(lab, lab.node('b').ns)]);
    bIndex = (await b.call<{ ifindex: number }>('ifinfo', { ifname: 'eth0' })).ifindex;
    aLinkLocal = await linkLocal(lab, lab.node('a').ns);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await lab?.cleanup();
  });

  /** Open rx on b and tx on a, run `fn`, then close both. */
  async function withPair(
    rxOpts: Record<string, unknown>,
    txOpts: Record<string, unknown>,
    fn: () => Promise<void>,
  ): Promise<void> {
    await b.call('vrrp', { name: 'rx', opts: { ifname: 'eth0', receive: true, ...rxOpts } });
    await a.call('vrrp', { name: 'tx', opts: { ifname: 'eth0', ...txOpts } });
    try {
      await fn();
    } finally {
      await a.call('close', { name: 'tx' });
      await b.call('close', { name: 'rx' });
      b.packets.length = 0;
      a.packets.length = 0;
    }
  }

  const byVrid = (vrid: number) => (p: PeerPacket) => p.name === 'rx' && parseInt(p.hex.slice(2, 4), 16) === vrid;

  it('IPv4 multicast arrives with src, dst 224.0.0.18, ifindex, ifname and TTL 255', async () => {
    // Three rounds in the same processes: open, exchange, close, with no descriptor growth.
    const fds: number[] = [];
    for (let round = 0; round < 3; round++) {
      await withPair({ family: 4 }, { family: 4 }, async () => {
        const payload = advert({ version: 3, vrid: 10 + round, family: 4, addresses: ['192.0.2.100'] });
        const sentAfter = monotonicNowMs();
        await a.call('send', { name: 'tx', hex: payload.toString('hex') });
        const p = await b.waitPacket(byVrid(10 + round));
        // The kernel's receive time, on the same CLOCK_MONOTONIC as the timers: after the
        // send was asked for, no later than the callback that delivered it.
        expect(p.rxTime).toBeTypeOf('number');
        expect(p.rxTime!).toBeGreaterThanOrEqual(sentAfter);
        expect(p.rxTime!).toBeLessThanOrEqual(p.seenAt);
        expect(p.seenAt - p.rxTime!).toBeLessThan(100);
        expect(p).toMatchObject({
          hex: payload.toString('hex'),
          src: '192.0.2.10',
          dst: '224.0.0.18',
          ifindex: bIndex,
          ifname: 'eth0',
          ttl: 255,
          family: 4,
        });
      });
      fds.push(await b.call<number>('fds'), await a.call<number>('fds'));
    }
    expect(fds.slice(2)).toEqual(fds.slice(0, 2).concat(fds.slice(0, 2)));
  });

  it('IPv4 multicast sent with TTL 254 is observed as 254 (so the daemon can drop it)', async () => {
    await withPair({ family: 4 }, { family: 4, multicastTtl: 254 }, async () => {
      await a.call('send', { name: 'tx', hex: advert({ version: 2, vrid: 20, family: 4 }).toString('hex') });
      expect((await b.waitPacket(byVrid(20))).ttl).toBe(254);
    });
  });

  it('IPv4 unicast with TTL 254 and a chosen source (IP_PKTINFO)', async () => {
    await withPair({ family: 4, multicast: false }, { family: 4, multicast: false, ttl: 254 }, async () => {
      const hex = advert({ version: 3, vrid: 21, family: 4 }).toString('hex');
      await a.call('send', { name: 'tx', hex, dst: '192.0.2.11' });
      expect(await b.waitPacket(byVrid(21))).toMatchObject({ src: '192.0.2.10', dst: '192.0.2.11', ttl: 254 });
      await a.call('send', { name: 'tx', hex: advert({ version: 3, vrid: 22, family: 4 }).toString('hex'), dst: '192.0.2.11', src: '192.0.2.100' });
      expect(await b.waitPacket(byVrid(22))).toMatchObject({ src: '192.0.2.100', dst: '192.0.2.11', ttl: 254, ifindex: bIndex });
    });
  });

  it('IPv6 multicast to ff02::12 with hop limit 255 from the link-local source', async () => {
    await withPair({ family: 6 }, { family: 6 }, async () => {
      const payload = advert({ version: 3, vrid: 30, family: 6, addresses: ['2001:db8::100'] });
      await a.call('send', { name: 'tx', hex: payload.toString('hex'), src: aLinkLocal });
      expect(await b.waitPacket(byVrid(30))).toMatchObject({
        hex: payload.toString('hex'),
        src: aLinkLocal,
        dst: 'ff02::12',
        ifindex: bIndex,
        ifname: 'eth0',
        ttl: 255,
        family: 6,
      });
    });
  });

  it('IPv6 multicast from a global source, and unicast with hop limit 254', async () => {
    await withPair({ family: 6 }, { family: 6, ttl: 254 }, async () => {
      await a.call('send', { name: 'tx', hex: advert({ version: 3, vrid: 31, family: 6 }).toString('hex'), src: '2001:db8::a' });
      expect(await b.waitPacket(byVrid(31))).toMatchObject({ src: '2001:db8::a', dst: 'ff02::12', ttl: 255 });
      await a.call('send', { name: 'tx', hex: advert({ version: 3, vrid: 32, family: 6 }).toString('hex'), dst: '2001:db8::b' });
      expect(await b.waitPacket(byVrid(32))).toMatchObject({ src: '2001:db8::a', dst: '2001:db8::b', ttl: 254 });
    });
  });

  it('IPv6 kernel checksum (IPV6_CHECKSUM 6) fills in the pseudo-header checksum and drops bad ones', async () => {
    await b.call('vrrp', { name: 'rx', opts: { family: 6, ifname: 'eth0', receive: true, kernelChecksum: true } });
    await b.call('vrrp', { name: 'raw', opts: { family: 6, ifname: 'eth0', receive: true } });
    await a.call('vrrp', { name: 'good', opts: { family: 6, ifname: 'eth0', multicast: false, kernelChecksum: true } });
    await a.call('vrrp', { name: 'bad', opts: { family: 6, ifname: 'eth0', multicast: false } });
    try {
      // A zero checksum is wrong for this payload: only the socket without IPV6_CHECKSUM sees it.
      await a.call('send', { name: 'bad', hex: advert({ version: 3, vrid: 40, family: 6 }).toString('hex'), src: aLinkLocal });
      await a.call('send', { name: 'good', hex: advert({ version: 3, vrid: 41, family: 6 }).toString('hex'), src: aLinkLocal });
      const good = await b.waitPacket(byVrid(41));
      const payload = Buffer.from(good.hex, 'hex');
      const carried = payload.readUInt16BE(6);
      payload.writeUInt16BE(0, 6);
      expect(carried).toBe(pseudoHeaderChecksum(aLinkLocal, 'ff02::12', 112, payload));
      await b.waitPacket((p) => p.name === 'raw' && p.hex.slice(2, 4) === '29'); // vrid 41 on the plain socket
      expect(b.packets.some((p) => p.name === 'raw' && p.hex.slice(2, 4) === '28')).toBe(true);
      expect(b.packets.some(byVrid(40))).toBe(false);
    } finally {
      for (const [peer, name] of [[a, 'good'], [a, 'bad'], [b, 'rx'], [b, 'raw']] as const) await peer.call('close', { name });
      b.packets.length = 0;
    }
  });

  it.each([4, 6] as const)('IPv%i BPF version filter passes 2/3 only; off it passes everything', async (family) => {
    await b.call('vrrp', { name: 'rx', opts: { family, ifname: 'eth0', receive: true } });
    await b.call('vrrp', { name: 'all', opts: { family, ifname: 'eth0', receive: true, versionFilter: false } });
    await a.call('vrrp', { name: 'tx', opts: { family, ifname: 'eth0' } });
    try {
      for (const [version, vrid] of [[1, 50], [4, 51], [2, 52], [3, 53]] as const) {
        await a.call('send', { name: 'tx', hex: advert({ version, vrid, family }).toString('hex') });
      }
      await b.waitPacket(byVrid(53));
      await b.waitPacket((p) => p.name === 'all' && p.hex.slice(2, 4) === (53).toString(16));
      const seen = (name: string) => b.packets.filter((p) => p.name === name).map((p) => parseInt(p.hex.slice(2, 4), 16));
      expect(seen('rx')).toEqual([52, 53]);
      expect(seen('all')).toEqual([50, 51, 52, 53]);
    } finally {
      for (const [peer, name] of [[a, 'tx'], [b, 'rx'], [b, 'all']] as const) await peer.call('close', { name });
      b.packets.length = 0;
    }
  });

  it('SO_BINDTODEVICE: a socket bound to another device does not see packets arriving on eth0', async () => {
    await b.call('vrrp', { name: 'lo', opts: { family: 4, ifname: 'lo', multicast: false, receive: true } });
    await b.call('join', { name: 'lo', ifname: 'eth0' });
    await withPair({ family: 4 }, { family: 4 }, async () => {
      await a.call('send', { name: 'tx', hex: advert({ version: 3, vrid: 61, family: 4 }).toString('hex') });
      await b.waitPacket(byVrid(61));
      await sleep(200);
      expect(b.packets.filter((p) => p.name === 'lo')).toEqual([]);
    });
    await b.call('close', { name: 'lo' });
  });

  it('multicast loopback is off: the sender host does not hear itself', async () => {
    await a.call('vrrp', { name: 'rx', opts: { family: 4, ifname: 'eth0', receive: true } });
    await withPair({ family: 4 }, { family: 4 }, async () => {
      await a.call('send', { name: 'tx', hex: advert({ version: 3, vrid: 60, family: 4 }).toString('hex') });
      await b.waitPacket(byVrid(60));
      await sleep(200);
      expect(a.packets).toEqual([]);
    });
    await a.call('close', { name: 'rx' });
  });

  it('syscall failures come back as ERR_SYSCALL with syscall, errno and errnoName', async () => {
    await b.call('vrrp', { name: 'rx', opts: { family: 4, receive: true } });
    await b.call('vrrp', { name: 'rx6', opts: { family: 6, receive: true } });
    try {
      const join4 = await b.call('join', { name: 'rx', ifindex: 9999 }).catch((e: PeerCallError) => e.detail);
      expect(join4).toMatchObject({ code: 'ERR_SYSCALL', syscall: 'setsockopt(IP_ADD_MEMBERSHIP)', errno: 19, errnoName: 'ENODEV' });
      expect((join4 as { message: string }).message).toMatch(/setsockopt\(IP_ADD_MEMBERSHIP\).*ENODEV/);
      const join6 = await b.call('join', { name: 'rx6', ifindex: 9999 }).catch((e: PeerCallError) => e.detail);
      expect(join6).toMatchObject({ code: 'ERR_SYSCALL', syscall: 'setsockopt(IPV6_JOIN_GROUP)', errnoName: 'ENODEV' });
      const unicastSend = await b.call('send', { name: 'rx', hex: '31', dst: '198.51.100.1' }).catch((e: PeerCallError) => e.detail);
      expect(unicastSend).toMatchObject({ code: 'ERR_SYSCALL', syscall: 'sendmsg', errnoName: 'ENETUNREACH' });
      const noDev = await b.call('ifinfo', { ifname: 'nosuch0' }).catch((e: PeerCallError) => e.detail);
      expect(noDev).toMatchObject({ code: 'ERR_SYSCALL', syscall: 'if_nametoindex', errnoName: 'ENODEV' });
    } finally {
      await b.call('close', { name: 'rx' });
      await b.call('close', { name: 'rx6' });
    }
  });

  it.each([
    [4, '192.0.2.11'],
    [6, '2001:db8::b'],
  ] as const)('IPv%i: closing a socket inside its own packet callback stops delivery at once', async (family, self) => {
    const before = await b.call<number>('fds');
    expect(await b.call('closeInCallback', { opts: { family }, dst: self })).toBe(5);
    expect(await b.call<number>('fds')).toBe(before);
  });

  it('opening and closing sockets and timers leaks no descriptors (close and GC paths)', async () => {
    for (let round = 0; round < 3; round++) {
      const r = await b.call<{ before: number; after: number; afterGc: number }>('leak', { cycles: 50 });
      // Closed handles release their fd at once (after one loop turn); abandoned ones after GC.
      expect(r.after).toBe(r.before + 150);
      expect(r.afterGc).toBe(r.before);
    }
  });
});
