/**
 * A process that drives the native addon inside a lab namespace for the tests.
 * Started with `ip netns exec NS node --import tsx peer.ts`; reads one JSON command per
 * line on stdin and writes one JSON line per reply or received packet on stdout:
 *   {"id":1,"op":"vrrp","name":"rx","opts":{"family":4,"ifname":"eth0","receive":true}}
 *   -> {"id":1,"ok":true}              or {"id":1,"ok":false,"error":{code,syscall,errno,errnoName,message}}
 *   -> {"ev":"packet","name":"rx","hex":"...","src":"...","dst":"...","ifindex":2,"ifname":"eth0","ttl":255}
 */
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { NaSocket, VrrpSocket, type VrrpSocketOptions } from '../../../src/shell/net/rawsock.js';
import { PacketSocket } from '../../../src/shell/net/packet.js';
import { MonotonicTimer, monotonicNowMs } from '../../../src/shell/net/timer.js';
import { ifNameToIndex, ifMac } from '../../../src/shell/net/iface.js';
import { native } from '../../../src/shell/net/addon.js';

type Closable = { close(): void };
const socks = new Map<string, Closable>();

function out(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The open socket called `name`, checked to be an instance of `cls` (classes with private constructors). */
function get<T>(name: string, cls: { prototype: T; name: string }): T {
  const s = socks.get(name);
  if (!(s instanceof (cls as unknown as new () => T))) throw new Error(`no ${cls.name} named ${name}`);
  return s;
}

interface Cmd {
  id: number;
  op: string;
  name?: string;
  opts?: Omit<VrrpSocketOptions, 'onPacket'> & { receive?: boolean };
  hex?: string;
  dst?: string;
  src?: string;
  ifname?: string;
  ifindex?: number;
  group?: string;
  cycles?: number;
}

async function leakCycles(cycles: number): Promise<{ before: number; after: number; afterGc: number }> {
  const before = fdCount();
  const idx = ifNameToIndex('eth0');
  for (let i = 0; i < cycles; i++) {
    // Receiving sockets (polling), a timer armed then closed, a packet socket.
    const s4 = VrrpSocket.open({ family: 4, ifname: 'eth0', onPacket: () => {} });
    const s6 = VrrpSocket.open({ family: 6, ifname: 'eth0', kernelChecksum: true, onPacket: () => {} });
    const t = MonotonicTimer.open(() => {});
    t.arm(native().monotonicNowMs() + 1000);
    const p = PacketSocket.open('eth0');
    s4.close();
    s6.close();
    t.close();
    p.close();
    // Opened and never closed, not polling: reclaimed by the finalizer after GC.
    native().rawOpen({ family: 4 });
    native().timerOpen(() => {});
    native().packetOpen(idx);
  }
  // uv_close callbacks (which close the fds) run at the end of a loop turn.
  await new Promise((r) => setTimeout(r, 10));
  const after = fdCount();
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 5 && gc; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  return { before, after, afterGc: fdCount() };
}

async function handle(cmd: Cmd): Promise<unknown> {
  const name = cmd.name ?? '';
  switch (cmd.op) {
    case 'vrrp': {
      const { receive, ...opts } = cmd.opts!;
      const sock = VrrpSocket.open({
        ...opts,
        onPacket: receive
          ? (payload, meta) => out({ ev: 'packet', name, hex: payload.toString('hex'), seenAt: monotonicNowMs(), ...meta })
          : undefined,
      });
      socks.set(name, sock);
      return { ifindex: sock.ifindex };
    }
    case 'send':
      return get(name, VrrpSocket).send(Buffer.from(cmd.hex!, 'hex'), cmd.dst, cmd.src);
    case 'join':
      get(name, VrrpSocket).joinGroup(cmd.ifindex ?? cmd.ifname!, cmd.group);
      return null;
    case 'na':
      socks.set(name, NaSocket.open({ ifname: cmd.ifname! }));
      return null;
    case 'nasend':
      return get(name, NaSocket).send(Buffer.from(cmd.hex!, 'hex'), cmd.src!, cmd.dst);
    case 'packet':
      socks.set(name, PacketSocket.open(cmd.ifname!));
      return null;
    case 'frame':
      return get(name, PacketSocket).send(Buffer.from(cmd.hex!, 'hex'));
    case 'close':
      socks.get(name)?.close();
      socks.delete(name);
      return null;
    case 'ifinfo':
      return { ifindex: ifNameToIndex(cmd.ifname!), mac: ifMac(cmd.ifname!) };
    case 'closeInCallback': {
      // Close the receiving socket from inside its own callback, in the middle of a batch.
      let got = 0;
      const family = cmd.opts!.family;
      const rx = VrrpSocket.open({
        family,
        onPacket: () => {
          if (++got === 5) rx.close();
        },
      });
      const tx = VrrpSocket.open({ family });
      for (let i = 0; i < 50; i++) tx.send(Buffer.from([0x31, i, 0, 0, 0, 0, 0, 0]), cmd.dst);
      tx.close();
      await new Promise((r) => setTimeout(r, 50));
      return got;
    }
    case 'fds':
      return fdCount();
    case 'leak':
      return leakCycles(cmd.cycles ?? 10);
    case 'exit':
      for (const s of socks.values()) s.close();
      socks.clear();
      setImmediate(() => process.exit(0));
      return null;
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line) as Cmd;
  handle(cmd).then(
    (value) => out({ id: cmd.id, ok: true, value }),
    (e: unknown) => {
      const err = e as Error & Record<string, unknown>;
      out({
        id: cmd.id,
        ok: false,
        error: { message: err.message, code: err.code, syscall: err.syscall, errno: err.errno, errnoName: err.errnoName },
      });
    },
  );
});
rl.on('close', () => process.exit(0));
out({ ev: 'ready', pid: process.pid });
