/**
 * A status snapshot shaped like the keepalived lab capture in test/ops/fixtures
 * (VI_1: v2 PASS master with a +10 script and a +3 interface; VI_6: v3 IPv6 backup seeing a master),
 * plus a unicast instance with a cloud claim and a sync group.
 */
import { emptyStats, type StatusSnapshot } from '../../../src/ops/status.js';

export const NOW = Date.UTC(2026, 10, 21, 21, 40, 44, 500);

export function sampleSnapshot(): StatusSnapshot {
  const s1 = emptyStats();
  s1.advertSent = 3;
  s1.becomeMaster = 1;
  s1.drops.auth_mismatch = 4;
  s1.drops.checksum = 2;
  s1.drops.address_count = 1;
  s1.drops.address_mismatch = 2;
  const s6 = emptyStats();
  s6.advertRcvd = 3;
  s6.drops.ttl = 7;
  const su = emptyStats();
  su.advertSent = 12;
  su.becomeMaster = 2;
  su.releaseMaster = 1;
  su.priZeroSent = 1;
  su.garpSent = 10;
  const garp = { delayMs: 5000, repeat: 5, refreshMs: 0, refreshRepeat: 1 };
  return {
    schema: 1,
    generatedAt: NOW,
    daemon: {
      pid: 4242,
      version: '0.1.0',
      startedAt: NOW - 200_000,
      configFile: '/etc/keepalived/keepalived.conf',
      routerId: 'nodeA',
      lastReload: null,
      globals: {
        vrrpVersion: 2,
        mcastGroup4: '224.0.0.18',
        mcastGroup6: 'ff02::12',
        garpDelayMs: 5000,
        garpRepeat: 5,
        garpRefreshMs: 0,
        garpRefreshRepeat: 1,
        downTimerAdverts: 3,
        checkUnicastSrc: false,
        skipCheckAdvAddr: false,
        strictMode: false,
        scriptSecurity: true,
        scriptUser: '0:0',
      },
    },
    instances: [
      {
        name: 'VI_1',
        vrid: 51,
        version: 2,
        family: 4,
        ifname: 'eth0',
        srcIp: '192.0.2.10',
        state: 'MASTER',
        wantState: 'MASTER',
        priority: {
          base: 150,
          effective: 163,
          adjustments: [
            { source: 'chk_ok', kind: 'script', delta: 10 },
            { source: 'lo', kind: 'interface', delta: 3 },
          ],
        },
        master: null,
        vips: ['192.0.2.100/24'],
        vipsSet: true,
        unicastPeers: [],
        intervalCs: 100,
        preempt: true,
        preemptDelayMs: 0,
        downTimerAdverts: 3,
        masterDownMs: 3363.28125,
        authType: 'pass',
        skipCheckAdvAddr: false,
        checkUnicastSrc: false,
        garp,
        faults: [],
        syncGroup: null,
        lastTransition: { at: NOW - 2756, from: 'BACKUP', to: 'MASTER', reason: 'master down timer expired' },
        cloud: null,
        stats: s1,
      },
      {
        name: 'VI_6',
        vrid: 52,
        version: 3,
        family: 6,
        ifname: 'eth0',
        srcIp: 'fe80::b0d8:90ff:fe29:90c6',
        state: 'BACKUP',
        wantState: 'BACKUP',
        priority: { base: 100, effective: 100, adjustments: [] },
        master: { ip: 'fe80::2cb0:ff:fe1b:273', priority: 200, intervalCs: 100, at: NOW - 400 },
        vips: ['2001:db8::100/64'],
        vipsSet: false,
        unicastPeers: [],
        intervalCs: 100,
        preempt: true,
        preemptDelayMs: 0,
        downTimerAdverts: 3,
        masterDownMs: 3609.375,
        authType: 'none',
        skipCheckAdvAddr: false,
        checkUnicastSrc: false,
        garp,
        faults: [],
        syncGroup: null,
        lastTransition: { at: NOW - 6133, from: 'INIT', to: 'BACKUP', reason: 'startup' },
        cloud: null,
        stats: s6,
      },
      {
        name: 'VI_U',
        vrid: 61,
        version: 3,
        family: 4,
        ifname: 'eth0',
        srcIp: '192.0.2.10',
        state: 'MASTER',
        wantState: 'BACKUP',
        priority: { base: 120, effective: 100, adjustments: [{ source: 'eth1', kind: 'interface', delta: -20 }] },
        master: null,
        vips: ['192.0.2.101', '192.0.2.102/24'],
        vipsSet: true,
        unicastPeers: ['192.0.2.11'],
        intervalCs: 50,
        preempt: false,
        preemptDelayMs: 5000,
        downTimerAdverts: 3,
        masterDownMs: 1734.375,
        authType: 'none',
        skipCheckAdvAddr: false,
        checkUnicastSrc: true,
        garp,
        faults: [],
        syncGroup: 'G1',
        lastTransition: { at: NOW - 192_000, from: 'BACKUP', to: 'MASTER', reason: 'master down timer expired' },
        cloud: { provider: 'huaweicloud', state: 'claimed', since: NOW - 190_000, attempts: 2, lastDurationMs: 1800 },
        stats: su,
      },
    ],
    trackers: [
      {
        name: 'chk_ok',
        kind: 'script',
        up: true,
        detail: 'exit 0',
        script: { command: ['/usr/bin/true'], intervalMs: 1000, timeoutMs: 0, weight: 10, rise: 1, fall: 1 },
        instances: [{ name: 'VI_1', weight: 10 }],
      },
      { name: 'lo', kind: 'interface', up: true, detail: 'link up', instances: [{ name: 'VI_1', weight: 3 }] },
      { name: 'eth1', kind: 'interface', up: false, detail: 'link down', instances: [{ name: 'VI_U', weight: -20 }] },
    ],
    syncGroups: [{ name: 'G1', state: 'MASTER', members: ['VI_U'] }],
  };
}
