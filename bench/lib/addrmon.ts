/**
 * Address events in a namespace with their times: `ip -ts monitor address`, run with
 * TZ=UTC so that its timestamps (gettimeofday when ip read the netlink message,
 * microseconds) compare with the capture's kernel timestamps (CLOCK_REALTIME).
 */
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../../test/helpers/netns.js';

export interface AddrEvent {
  /** ms since the epoch. */
  t: number;
  added: boolean;
  ifname: string;
  address: string;
}

// [2026-11-21T22:10:15.059116] 1: lo    inet 198.51.100.5/32 scope global lo
// [2026-11-21T22:10:15.059116] Deleted 2: eth0    inet 192.0.2.100/24 ...
const LINE = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)\]\s+(Deleted\s+)?\d+:\s+(\S+)\s+inet6?\s+([0-9a-fA-F.:]+)/;

export class AddrMonitor {
  readonly events: AddrEvent[] = [];
  private partial = '';

  private constructor(
    private readonly lab: Lab,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      const parts = (this.partial + d.toString()).split('\n');
      this.partial = parts.pop() ?? '';
      for (const l of parts) this.onLine(l);
    });
  }

  static async start(lab: Lab, ns: string): Promise<AddrMonitor> {
    const child = lab.spawn(ns, ['ip', '-ts', 'monitor', 'address'], { env: { ...process.env, TZ: 'UTC' } });
    const m = new AddrMonitor(lab, child);
    // ip monitor prints nothing when ready; give it a moment to open its socket.
    await new Promise((r) => setTimeout(r, 200));
    return m;
  }

  private onLine(line: string): void {
    const m = LINE.exec(line);
    if (!m) return;
    const frac = Number(`0.${m[2]}`) * 1000;
    this.events.push({ t: Date.parse(`${m[1]}Z`) + frac, added: !m[3], ifname: m[4]!, address: m[5]! });
  }

  /** The first addition of `address` after `after` (ms epoch). */
  firstAdd(address: string, after: number): AddrEvent | undefined {
    return this.events.find((e) => e.added && e.address === address && e.t > after);
  }

  async stop(): Promise<void> {
    await this.lab.stop(this.child, 'SIGTERM', 1000);
  }
}
