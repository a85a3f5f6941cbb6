import { describe, expect, it } from 'vitest';
import { formatAge, formatCloud, formatMaster, formatPriority, formatStatusTable } from '../../src/ops/status-format.js';
import { NOW, sampleSnapshot } from './helpers/sample-snapshot.js';

describe('status table', () => {
  it('prints instance, state, priority with why, master seen, VIPs, last transition and cloud claim', () => {
    expect(formatStatusTable(sampleSnapshot())).toBe(
      [
        'keepvip 0.1.0  pid 4242  up 3m20s  config /etc/keepalived/keepalived.conf  router_id nodeA',
        '',
        'INSTANCE  STATE   PRIORITY                        MASTER                                   VIPS                        LAST TRANSITION           CLOUD',
        'VI_1      MASTER  150 -> 163 (chk_ok +10, lo +3)  self                                     192.0.2.100/24              BACKUP->MASTER 2.8s ago   -',
        'VI_6      BACKUP  100                             fe80::2cb0:ff:fe1b:273 (200, 400ms ago)  2001:db8::100/64            INIT->BACKUP 6.1s ago     -',
        'VI_U      MASTER  120 -> 100 (eth1 -20)           self                                     192.0.2.101,192.0.2.102/24  BACKUP->MASTER 3m12s ago  huaweicloud: claimed (2 attempts)',
        '',
        'TRACKER  KIND       STATUS            INSTANCES',
        'chk_ok   script     up (exit 0)       VI_1:+10',
        'lo       interface  up (link up)      VI_1:+3',
        'eth1     interface  DOWN (link down)  VI_U:-20',
        '',
      ].join('\n'),
    );
  });

  it('shows faults next to the state, a failed reload, and an empty configuration', () => {
    const s = sampleSnapshot();
    s.instances[1]!.state = 'FAULT';
    s.instances[1]!.faults = ['eth0 down', 'chk_db'];
    s.daemon.lastReload = { at: NOW - 65_000, ok: false, error: 'line 12: unknown keyword' };
    const t = formatStatusTable(s);
    expect(t).toContain('VI_6      FAULT (eth0 down, chk_db)');
    expect(t.split('\n')[1]).toBe('last reload 1m05s ago: failed: line 12: unknown keyword');
    s.instances = [];
    s.trackers = [];
    expect(formatStatusTable(s).trimEnd().split('\n').pop()).toBe('no VRRP instances configured');
  });

  it('formats ages compactly', () => {
    expect([0, 850, 4_200, 59_999, 192_000, 3_780_000, 183_600_000, -5].map(formatAge)).toEqual([
      '0ms',
      '850ms',
      '4.2s',
      '59s',
      '3m12s',
      '1h03m',
      '2d03h',
      '0ms',
    ]);
  });

  it('explains the priority only when something changed it', () => {
    const i = sampleSnapshot().instances[0]!;
    i.priority = { base: 100, effective: 100, adjustments: [{ source: 'chk', kind: 'script', delta: 0 }] };
    expect(formatPriority(i)).toBe('100');
    i.priority = { base: 100, effective: 1, adjustments: [{ source: 'chk', kind: 'script', delta: -150 }] };
    expect(formatPriority(i)).toBe('100 -> 1 (chk -150)');
  });

  it('shows who is master and the claim in progress or failed', () => {
    const i = sampleSnapshot().instances[1]!;
    expect(formatMaster(i, NOW + 10_000)).toBe('fe80::2cb0:ff:fe1b:273 (200, 10s ago)');
    i.master = null;
    expect(formatMaster(i, NOW)).toBe('-');
    i.cloud = { provider: 'openstack', state: 'claiming', since: NOW, attempts: 2 };
    expect(formatCloud(i)).toBe('openstack: claiming (attempt 2)');
    i.cloud = { provider: 'openstack', state: 'failed', since: NOW, attempts: 3, lastError: { code: 'HTTP_409', message: 'port security disabled' } };
    expect(formatCloud(i)).toBe('openstack: failed HTTP_409 (attempt 3)');
    i.cloud = { provider: 'openstack', state: 'claimed', since: NOW, attempts: 1 };
    expect(formatCloud(i)).toBe('openstack: claimed');
  });
});
