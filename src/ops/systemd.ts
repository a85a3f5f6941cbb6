/**
 * sd_notify(3) protocol for Type=notify units, over an injected send(state) function
 * (the native addon's sdnotify.notify in the daemon, a recorder in tests):
 * - READY=1 once, when start-up is complete;
 * - STATUS=<one line> on every state transition (shown by `systemctl status`);
 * - WATCHDOG=1 every WatchdogSec/2 from the event loop, when WATCHDOG_USEC is set and
 *   WATCHDOG_PID is unset or ours, so a stalled event loop gets the unit restarted;
 * - RELOADING=1 (with MONOTONIC_USEC, as systemd 253+ Type=notify-reload wants) and
 *   READY=1 around a reload; STOPPING=1 at shutdown.
 * Nothing is sent when NOTIFY_SOCKET is unset (not started by systemd).
 */
import type { VrrpState } from '../core/fsm/types.js';

export interface SystemdNotifierOptions {
  send: (state: string) => void | Promise<void>;
  env?: NodeJS.ProcessEnv;
  pid?: number;
  /** CLOCK_MONOTONIC in microseconds (default process.hrtime.bigint() / 1000). */
  monotonicUsec?: () => bigint;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
  onError?: (e: unknown) => void;
}

/** Longest STATUS= text sent (systemctl shows one line). */
export const MAX_STATUS_LENGTH = 200;

export class SystemdNotifier {
  readonly enabled: boolean;
  /** Watchdog ping period in ms (WatchdogSec/2), or 0 when the watchdog is off. */
  readonly watchdogIntervalMs: number;
  private readonly opts: SystemdNotifierOptions;
  private ready = false;
  private stopping = false;
  private timer: unknown = undefined;

  constructor(opts: SystemdNotifierOptions) {
    this.opts = opts;
    const env = opts.env ?? process.env;
    const pid = opts.pid ?? process.pid;
    this.enabled = Boolean(env.NOTIFY_SOCKET);
    const usec = Number(env.WATCHDOG_USEC);
    const wpid = env.WATCHDOG_PID;
    const forUs = wpid === undefined || wpid === '' || Number(wpid) === pid;
    this.watchdogIntervalMs = this.enabled && usec > 0 && forUs ? Math.max(1, Math.floor(usec / 2000)) : 0;
  }

  private send(state: string): void {
    if (!this.enabled) return;
    try {
      const r = this.opts.send(state);
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((e) => this.opts.onError?.(e));
    } catch (e) {
      this.opts.onError?.(e);
    }
  }

  private monotonic(): bigint {
    return this.opts.monotonicUsec ? this.opts.monotonicUsec() : process.hrtime.bigint() / 1000n;
  }

  /** READY=1 (with a first STATUS=), once; later calls only update STATUS. */
  notifyReady(status?: string): void {
    const line = status === undefined ? '' : `\nSTATUS=${oneLine(status)}`;
    if (this.ready) {
      if (status !== undefined) this.send(`STATUS=${oneLine(status)}`);
      return;
    }
    this.ready = true;
    this.send(`READY=1${line}`);
  }

  /** STATUS=<summary>, on every transition. */
  status(text: string): void {
    if (this.stopping) return;
    this.send(`STATUS=${oneLine(text)}`);
  }

  /** Start WATCHDOG=1 pings (no-op when the watchdog is off). The timer never keeps the process alive. */
  startWatchdog(): void {
    if (!this.watchdogIntervalMs || this.timer !== undefined) return;
    const set = this.opts.setInterval ?? ((fn: () => void, ms: number) => setInterval(fn, ms).unref());
    this.timer = set(() => this.send('WATCHDOG=1'), this.watchdogIntervalMs);
  }

  stopWatchdog(): void {
    if (this.timer === undefined) return;
    const clear = this.opts.clearInterval ?? ((h: unknown) => clearInterval(h as NodeJS.Timeout));
    clear(this.timer);
    this.timer = undefined;
  }

  /** RELOADING=1 with MONOTONIC_USEC, before a reload. */
  reloading(): void {
    this.send(`RELOADING=1\nMONOTONIC_USEC=${this.monotonic()}`);
  }

  /** READY=1 again after a reload. */
  reloaded(status?: string): void {
    this.send(`READY=1${status === undefined ? '' : `\nSTATUS=${oneLine(status)}`}`);
  }

  /** STOPPING=1 at shutdown; stops the watchdog and further STATUS lines. */
  notifyStopping(status = 'stopping'): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopWatchdog();
    this.send(`STOPPING=1\nSTATUS=${oneLine(status)}`);
  }
}

function oneLine(s: string): string {
  const flat = s.replace(/[\r\n]+/g, ' ').trim();
  return flat.length > MAX_STATUS_LENGTH ? `${flat.slice(0, MAX_STATUS_LENGTH - 3)}...` : flat;
}

/**
 * The one-line STATUS= summary: each instance with its state and effective priority,
 * e.g. "VI_1 MASTER 160, VI_6 BACKUP 100"; many instances are counted by state instead.
 */
export function statusSummary(instances: { name: string; state: VrrpState; priority: number }[]): string {
  if (!instances.length) return 'no VRRP instances';
  const each = instances.map((i) => `${i.name} ${i.state} ${i.priority}`).join(', ');
  if (each.length <= MAX_STATUS_LENGTH) return each;
  const counts = new Map<VrrpState, number>();
  for (const i of instances) counts.set(i.state, (counts.get(i.state) ?? 0) + 1);
  const order: VrrpState[] = ['MASTER', 'BACKUP', 'FAULT', 'INIT', 'STOP'];
  return `${instances.length} instances: ${order
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ')}`;
}
