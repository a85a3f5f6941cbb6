import { describe, expect, it } from 'vitest';
import { MAX_STATUS_LENGTH, statusSummary, SystemdNotifier } from '../../src/ops/systemd.js';

/** A fake clock driving the notifier's interval. */
function fakeTimers() {
  let now = 0;
  const timers: { fn: () => void; ms: number; next: number; id: number }[] = [];
  let ids = 0;
  return {
    setInterval: (fn: () => void, ms: number) => {
      const t = { fn, ms, next: now + ms, id: ++ids };
      timers.push(t);
      return t.id;
    },
    clearInterval: (id: unknown) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const t = timers.filter((x) => x.next <= end).sort((a, b) => a.next - b.next)[0];
        if (!t) break;
        now = t.next;
        t.next += t.ms;
        t.fn();
      }
      now = end;
    },
    get active() {
      return timers.length;
    },
  };
}

const ENV = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '10000000' };

describe('SystemdNotifier', () => {
  it('sends READY, STATUS on transitions, WATCHDOG every WatchdogSec/2, then STOPPING', () => {
    const sent: string[] = [];
    const t = fakeTimers();
    const n = new SystemdNotifier({ send: (s) => void sent.push(s), env: { ...ENV }, pid: 100, ...t });
    expect(n.watchdogIntervalMs).toBe(5000);
    n.startWatchdog();
    n.notifyReady('VI_1 BACKUP 150');
    n.notifyReady('again');
    n.status('VI_1 MASTER 150');
    t.advance(12_000);
    n.status('VI_1 BACKUP 150');
    n.notifyStopping();
    t.advance(20_000);
    n.status('VI_1 STOP 150');
    expect(sent).toEqual([
      'READY=1\nSTATUS=VI_1 BACKUP 150',
      'STATUS=again',
      'STATUS=VI_1 MASTER 150',
      'WATCHDOG=1',
      'WATCHDOG=1',
      'STATUS=VI_1 BACKUP 150',
      'STOPPING=1\nSTATUS=stopping',
    ]);
    expect(t.active).toBe(0);
  });

  it('wraps a reload in RELOADING=1 (with MONOTONIC_USEC) and READY=1', () => {
    const sent: string[] = [];
    const n = new SystemdNotifier({ send: (s) => void sent.push(s), env: { ...ENV }, monotonicUsec: () => 123456789n });
    n.notifyReady();
    n.reloading();
    n.reloaded('VI_1 MASTER 150');
    expect(sent).toEqual(['READY=1', 'RELOADING=1\nMONOTONIC_USEC=123456789', 'READY=1\nSTATUS=VI_1 MASTER 150']);
  });

  it('pings the watchdog only when WATCHDOG_USEC is set and WATCHDOG_PID is unset or ours', () => {
    const mk = (env: NodeJS.ProcessEnv) => new SystemdNotifier({ send: () => undefined, env, pid: 100 });
    expect(mk({ NOTIFY_SOCKET: 'x' }).watchdogIntervalMs).toBe(0);
    expect(mk({ ...ENV, WATCHDOG_PID: '100' }).watchdogIntervalMs).toBe(5000);
    expect(mk({ ...ENV, WATCHDOG_PID: '999' }).watchdogIntervalMs).toBe(0);
    expect(mk({ ...ENV, WATCHDOG_USEC: '0' }).watchdogIntervalMs).toBe(0);
    const t = fakeTimers();
    const off = new SystemdNotifier({ send: () => undefined, env: { NOTIFY_SOCKET: 'x' }, ...t });
    off.startWatchdog();
    expect(t.active).toBe(0);
  });

  it('sends nothing outside systemd (no NOTIFY_SOCKET)', () => {
    const sent: string[] = [];
    const t = fakeTimers();
    const n = new SystemdNotifier({ send: (s) => void sent.push(s), env: { WATCHDOG_USEC: '1000000' }, ...t });
    n.startWatchdog();
    n.notifyReady('x');
    n.status('y');
    n.notifyStopping();
    t.advance(10_000);
    expect(sent).toEqual([]);
    expect(n.enabled).toBe(false);
  });

  it('keeps STATUS to one bounded line, and survives a failing send', async () => {
    const sent: string[] = [];
    const errors: unknown[] = [];
    let fail = true;
    const n = new SystemdNotifier({
      send: (s) => {
        if (fail) throw new Error('ECONNREFUSED');
        sent.push(s);
      },
      env: { ...ENV },
      onError: (e) => errors.push(e),
    });
    n.notifyReady('a');
    fail = false;
    n.status(`line one\nline two ${'x'.repeat(500)}`);
    expect(errors).toHaveLength(1);
    expect(sent[0]!.startsWith('STATUS=line one line two x')).toBe(true);
    expect(sent[0]!.length).toBe('STATUS='.length + MAX_STATUS_LENGTH);
    expect(sent[0]!.includes('\n')).toBe(false);
    const rejecting = new SystemdNotifier({ send: () => Promise.reject(new Error('async')), env: { ...ENV }, onError: (e) => errors.push(e) });
    rejecting.notifyReady();
    await new Promise((r) => setImmediate(r));
    expect(errors).toHaveLength(2);
  });
});

describe('statusSummary', () => {
  it('lists instances, or counts them by state when they do not fit', () => {
    expect(statusSummary([])).toBe('no VRRP instances');
    expect(
      statusSummary([
        { name: 'VI_1', state: 'MASTER', priority: 160 },
        { name: 'VI_6', state: 'BACKUP', priority: 100 },
      ]),
    ).toBe('VI_1 MASTER 160, VI_6 BACKUP 100');
    const many = Array.from({ length: 40 }, (_, i) => ({
      name: `VI_${i}`,
      state: (i % 4 === 0 ? 'MASTER' : i % 4 === 1 ? 'FAULT' : 'BACKUP') as 'MASTER' | 'FAULT' | 'BACKUP',
      priority: 100,
    }));
    expect(statusSummary(many)).toBe('40 instances: 10 MASTER, 20 BACKUP, 10 FAULT');
  });
});
