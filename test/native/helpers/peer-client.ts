/**
 * Test-side driver for helpers/peer.ts running inside a lab namespace.
 */
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../helpers/netns.js';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..', '..');
const peerScript = join(here, 'peer.ts');

export interface PeerPacket {
  name: string;
  hex: string;
  src: string;
  dst: string;
  ifindex: number;
  ifname: string;
  ttl: number;
  family: 4 | 6;
  /** The kernel's receive time (SO_TIMESTAMPNS) on CLOCK_MONOTONIC, ms. */
  rxTime?: number;
  /** CLOCK_MONOTONIC ms when the peer's JavaScript callback ran. */
  seenAt: number;
}

export interface PeerError {
  message: string;
  code?: string;
  syscall?: string;
  errno?: number;
  errnoName?: string;
}

export class PeerCallError extends Error {
  constructor(readonly detail: PeerError) {
    super(detail.message);
  }
}

export class Peer {
  readonly packets: PeerPacket[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Set<() => void>();
  private stderr = '';

  private constructor(
    private readonly lab: Lab,
    readonly child: ChildProcess,
  ) {}

  /** Start a peer in `ns`; resolves once it is ready. */
  static async start(lab: Lab, ns: string): Promise<Peer> {
    const child = lab.spawn(ns, [process.execPath, '--expose-gc', '--import', 'tsx', peerScript], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const peer = new Peer(lab, child);
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`peer exited (${code}): ${peer.stderr}`)));
      peer.waiters.add(function check() {
        if (peer.readySeen) {
          resolve();
          peer.waiters.delete(check);
        }
      });
    });
    child.stderr!.on('data', (d: Buffer) => (peer.stderr += d.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => peer.onLine(line));
    await ready;
    return peer;
  }

  private readySeen = false;

  private onLine(line: string): void {
    const msg = JSON.parse(line) as { ev?: string; id?: number; ok?: boolean; value?: unknown; error?: PeerError };
    if (msg.ev === 'ready') this.readySeen = true;
    else if (msg.ev === 'packet') this.packets.push(msg as unknown as PeerPacket);
    else if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.value);
      else p?.reject(new PeerCallError(msg.error!));
    }
    for (const w of [...this.waiters]) w();
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Resolves with the first received packet (already seen or future) matching `pred`. */
  waitPacket(pred: (p: PeerPacket) => boolean, timeoutMs = 3000): Promise<PeerPacket> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.packets.find(pred);
        if (hit) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching packet within ${timeoutMs} ms; got ${JSON.stringify(this.packets)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.stdin!.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    await this.lab.stop(this.child);
  }
}

/** Wait `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The interface's IPv6 link-local address, once the kernel has added it and it is usable. */
export async function linkLocal(lab: Lab, ns: string, ifname = 'eth0'): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const links = JSON.parse(lab.exec(ns, ['ip', '-j', '-6', 'addr', 'show', 'dev', ifname])) as Array<{
      addr_info: Array<{ local: string; scope: string; tentative?: boolean }>;
    }>;
    const addr = links[0]?.addr_info.find((a) => a.scope === 'link' && !a.tentative)?.local;
    if (addr) return addr;
    await sleep(50);
  }
  throw new Error(`no link-local address on ${ifname} in ${ns}`);
}
