/**
 * Our decoder against adverts from the real keepalived 2.2.7: one keepalived runs in lab
 * node "a" with the instances of keepalived-variants.ts, tcpdump captures node a's switch
 * port, and every captured advert, GARP and NA is checked. Set KEEPVIP_UPDATE_FIXTURES=1 to
 * also (re)write the committed fixtures in test/fixtures/pcap/ from this capture.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGarpFrame } from '../../src/core/codec/arp.js';
import { buildUnsolicitedNaFrame } from '../../src/core/codec/ndisc.js';
import { createLab, skipReason, type Lab } from '../helpers/netns.js';
import { LINKTYPE_ETHERNET, readPcap, writePcap } from '../helpers/pcap.js';
import {
  classify,
  expectVariantAdvert,
  GARP_FILE,
  GARP_VIP,
  keepalivedConf,
  NA_FILE,
  NA_VIP,
  PRIO0_FILE,
  PRIO0_VRID,
  VARIANTS,
  type Captured,
} from './keepalived-variants.js';

const reason = skipReason('keepalived', 'tcpdump');
const FIXTURES = fileURLToPath(new URL('../fixtures/pcap/', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitForOutput(child: ChildProcess, pattern: RegExp, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no ${pattern} within ${ms} ms; output: ${seen}`)), ms);
    const on = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before ${pattern}; output: ${seen}`));
    });
  });
}

describe.skipIf(!!reason)(`adverts captured from keepalived 2.2.7${reason ? ` (${reason})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir: string;
  let captured: Captured[] = [];
  let kaLog = '';
  let peer = '';
  let mac = '';

  const isComplete = (cs: Captured[]) =>
    VARIANTS.every((v) => cs.some((c) => c.kind === 'vrrp' && c.result.ok && c.result.advert.vrid === v.vrid && c.result.advert.priority > 0)) &&
    cs.some((c) => c.kind === 'garp' && c.arp.senderIp === GARP_VIP) &&
    cs.some((c) => c.kind === 'na' && c.na.target === NA_VIP);

  const readCapture = (file: string) => {
    if (!existsSync(file)) return [];
    const buf = readFileSync(file);
    if (buf.length < 24) return [];
    const p = readPcap(buf, { allowTruncated: true });
    return p.records.map((r) => classify(p.linktype, r.data));
  };

  beforeAll(async () => {
    lab = createLab({ nodes: ['a', 'b'] });
    const a = lab.node('a');
    peer = lab.node('b').ipv4;
    mac = a.mac;
    dir = mkdtempSync(join(tmpdir(), 'keepvip-ka-'));
    chmodSync(dir, 0o755);
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, keepalivedConf(a.ipv4, peer));
    const pcap = join(dir, 'capture.pcap');

    // -Z root: keep root so tcpdump can write into the private temp dir; -U: flush per packet.
    const tcpdump = lab.spawn(lab.switchNs, [
      'tcpdump', '-i', lab.portOf('a'), '-n', '-U', '-Z', 'root', '-w', pcap,
      'ip proto 112 or ip6 proto 112 or arp or icmp6',
    ]);
    await waitForOutput(tcpdump, /listening on/, 10_000, 'tcpdump');

    // Distinct pid files let this run beside any other keepalived on the machine.
    const ka = lab.spawn(a.ns, [
      'keepalived', '-n', '-l', '-G', '-P', '-f', conf,
      '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid'), '-b', join(dir, 'bfd.pid'),
    ]);
    ka.stdout?.on('data', (d: Buffer) => (kaLog += d.toString()));
    ka.stderr?.on('data', (d: Buffer) => (kaLog += d.toString()));

    // v2 instances need 3 x 1 s + skew to become MASTER; allow generously more.
    const deadline = Date.now() + 25_000;
    while (Date.now() < deadline && !isComplete(readCapture(pcap))) await sleep(250);

    // SIGTERM: each MASTER sends a priority-0 advert as it stops (RFC 9568 §6.4.3).
    await lab.stop(ka, 'SIGTERM', 8000);
    await sleep(500);
    await lab.stop(tcpdump, 'SIGINT');
    captured = readCapture(pcap);

    if (process.env.KEEPVIP_UPDATE_FIXTURES && isComplete(captured)) {
      const save = (file: string, c: Captured | undefined) => {
        if (c) writeFileSync(join(FIXTURES, file), writePcap([{ data: c.frame }], LINKTYPE_ETHERNET));
      };
      for (const v of VARIANTS) {
        save(v.file, captured.find((c) => c.kind === 'vrrp' && c.result.ok && c.result.advert.vrid === v.vrid && c.result.advert.priority > 0));
      }
      save(GARP_FILE, captured.find((c) => c.kind === 'garp' && c.arp.senderIp === GARP_VIP));
      save(NA_FILE, captured.find((c) => c.kind === 'na' && c.na.target === NA_VIP));
      save(PRIO0_FILE, captured.find((c) => c.kind === 'vrrp' && c.result.ok && c.result.advert.vrid === PRIO0_VRID && c.result.advert.priority === 0));
    }
  }, 60_000);

  afterAll(async () => {
    await lab?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('captured every variant, a GARP and an NA', () => {
    if (!isComplete(captured)) throw new Error(`capture incomplete (${captured.length} frames); keepalived log:\n${kaLog}`);
  });

  it('decodes every VRRP packet keepalived sent (none dropped)', () => {
    const vrrp = captured.filter((c) => c.kind === 'vrrp');
    expect(vrrp.length).toBeGreaterThan(VARIANTS.length);
    for (const c of vrrp) {
      if (c.kind === 'vrrp' && !c.result.ok) throw new Error(`dropped: ${c.result.reason} ${c.result.detail}`);
    }
  });

  it.each(VARIANTS.map((v) => [v.file, v] as const))('%s: fields and checksum form', (_f, v) => {
    const mine = captured.filter((c) => c.kind === 'vrrp' && c.result.ok && c.result.advert.vrid === v.vrid && c.result.advert.priority > 0);
    expect(mine.length).toBeGreaterThan(0);
    for (const c of mine) expectVariantAdvert(c, v, peer);
  });

  it('priority 0 on shutdown: keepalived says "master leaving" and we decode it', () => {
    const leaving = captured.filter((c) => c.kind === 'vrrp' && c.result.ok && c.result.advert.priority === 0);
    expect(leaving.map((c) => (c.kind === 'vrrp' && c.result.ok ? c.result.advert.vrid : -1))).toContain(PRIO0_VRID);
  });

  it('our GARP frame is byte for byte the one keepalived sends', () => {
    const garps = captured.filter((c) => c.kind === 'garp');
    expect(garps.length).toBeGreaterThan(0);
    for (const c of garps) {
      if (c.kind !== 'garp') continue;
      expect(c.arp.ethSrc).toBe(mac);
      expect(c.frame.toString('hex')).toBe(buildGarpFrame(mac, c.arp.senderIp).toString('hex'));
    }
  });

  it('our unsolicited NA frame is byte for byte the one keepalived sends', () => {
    const nas = captured.filter((c) => c.kind === 'na');
    expect(nas.length).toBeGreaterThan(0);
    for (const c of nas) {
      if (c.kind !== 'na') continue;
      expect(c.na.checksumOk).toBe(true);
      expect(c.frame.toString('hex')).toBe(buildUnsolicitedNaFrame(c.na.target, mac, { router: c.na.router }).toString('hex'));
    }
  });
});
