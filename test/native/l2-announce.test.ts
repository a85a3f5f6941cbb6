/**
 * Announcements on the wire: a gratuitous ARP through the AF_PACKET socket and an
 * unsolicited Neighbor Advertisement through the ICMPv6 socket, each captured by
 * tcpdump on the other node.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, skipReason, type Lab } from '../helpers/netns.js';
import { Peer, linkLocal } from './helpers/peer-client.js';
import { garpFrame, naMessage } from './helpers/frames.js';

const reason = skipReason('tcpdump');

/** Start tcpdump for one packet; resolves once it is listening, with a promise of its output. */
async function capture(lab: Lab, ns: string, args: string[]): Promise<{ child: ChildProcess; output: Promise<string> }> {
  const child = lab.spawn(ns, ['tcpdump', '-i', 'eth0', '-nn', '-l', '-c', '1', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const output = new Promise<string>((resolve) => child.once('exit', () => resolve(stdout)));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 5000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return { child, output };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!!reason)('GARP and unsolicited NA on the wire', () => {
  let lab: Lab;
  let a: Peer;

  beforeAll(async () => {
    lab = createLab({ nodes: ['a', 'b'] });
    a = await Peer.start(lab, lab.node('a').ns);
  });

  afterAll(async () => {
    await a?.stop();
    await lab?.cleanup();
  });

  it('an AF_PACKET frame (gratuitous ARP) arrives intact in the other namespace', async () => {
    const { mac } = await a.call<{ mac: string }>('ifinfo', { ifname: 'eth0' });
    expect(mac).toBe(lab.node('a').mac);
    const cap = await capture(lab, lab.node('b').ns, ['-e', '-xx', 'arp']);
    await a.call('packet', { name: 'l2', ifname: 'eth0' });
    const frame = garpFrame(mac, '192.0.2.100');
    expect(await a.call('frame', { name: 'l2', hex: frame.toString('hex') })).toBe(frame.length);
    await a.call('close', { name: 'l2' });
    const out = await within(cap.output, 5000, 'GARP capture');
    expect(out).toContain(`${mac} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42`);
    expect(out).toMatch(/Request who-has 192\.0\.2\.100 (\(ff:ff:ff:ff:ff:ff\) )?tell 192\.0\.2\.100, length 28/);
    // The hex dump (-xx) is the frame byte for byte.
    const dumped = [...out.matchAll(/0x[0-9a-f]{4}:\s+((?:[0-9a-f]{4}\s?)+)/g)].map((m) => m[1]!.replace(/\s/g, '')).join('');
    expect(dumped).toBe(frame.toString('hex'));
  });

  it('an unsolicited NA leaves with hop limit 255, the chosen source and a kernel checksum', async () => {
    const { mac } = await a.call<{ mac: string }>('ifinfo', { ifname: 'eth0' });
    const src = await linkLocal(lab, lab.node('a').ns);
    for (const [from, to] of [
      [src, 'ff02::1'],
      ['2001:db8::a', '2001:db8::b'],
    ] as const) {
      // Only a's own NA: b's kernel also answers a's neighbour solicitation for the unicast case.
      const cap = await capture(lab, lab.node('b').ns, ['-vv', `icmp6 and ip6[40] == 136 and src host ${from}`]);
      await a.call('na', { name: 'na', ifname: 'eth0' });
      await a.call('nasend', { name: 'na', hex: naMessage('2001:db8::100', mac).toString('hex'), src: from, dst: to });
      await a.call('close', { name: 'na' });
      const out = await within(cap.output, 5000, 'NA capture');
      expect(out).toContain('hlim 255');
      expect(out).toContain(`${from} > ${to}: [icmp6 sum ok] ICMP6, neighbor advertisement`);
      expect(out).toContain('tgt is 2001:db8::100, Flags [override]');
      expect(out).toContain(mac);
    }
  });
});
