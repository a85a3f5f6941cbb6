/**
 * Runs inside a lab namespace (`ip netns exec NS node --import tsx driver.ts`), so the
 * netlink sockets it opens and the /proc/sys it touches are the namespace's.
 * Protocol: one JSON request per stdin line `{id, op, ...}`; one JSON line per answer
 * `{id, ok, result}` or `{id, ok:false, error:{name, code, message, errno, path}}`;
 * watcher events as `{event}`. The first line out is `{ready:true}`.
 */
import { createInterface } from 'node:readline';
import {
  IprouteAddresses,
  NetlinkAddresses,
  VipManager,
  parseVipLine,
  type AddressBackend,
} from '../../src/shell/net/addresses.js';
import { LinkWatcher, queryLink, sourceAddresses } from '../../src/shell/net/links.js';
import { ForwardingManager, type ForwardingTarget } from '../../src/shell/net/sysctl.js';

type Req = { id: number; op: string; [k: string]: unknown };

const backends = new Map<string, AddressBackend>();
let watcher: LinkWatcher | undefined;
let fwd: ForwardingManager | undefined;

function out(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function backend(kind: unknown): AddressBackend {
  const k = kind === 'iproute2' ? 'iproute2' : 'netlink';
  let b = backends.get(k);
  if (!b) {
    b = k === 'iproute2' ? new IprouteAddresses() : new NetlinkAddresses();
    backends.set(k, b);
  }
  return b;
}

async function handle(req: Req): Promise<unknown> {
  switch (req.op) {
    case 'add':
    case 'del': {
      const mgr = new VipManager(backend(req.backend), String(req.dev ?? 'eth0'));
      const spec = parseVipLine(String(req.line));
      return req.op === 'add' ? mgr.add(spec) : mgr.del(spec);
    }
    case 'list':
      return backend(req.backend).list(String(req.ifname), req.family as 4 | 6 | undefined);
    case 'watch':
      watcher ??= await LinkWatcher.start((event) => out({ event }), {
        ...(Array.isArray(req.ifnames) ? { ifnames: req.ifnames as string[] } : {}),
        ...(typeof req.recvBufferSize === 'number' ? { recvBufferSize: req.recvBufferSize } : {}),
        ...(req.source === 'netlink' || req.source === 'ip-monitor' ? { source: req.source } : {}),
        ...(typeof req.resyncIntervalMs === 'number' ? { resyncIntervalMs: req.resyncIntervalMs } : {}),
        onError: (e) => out({ event: { type: 'error', code: e.code, message: e.message } }),
      });
      return true;
    case 'monitorPid':
      // The `ip monitor` child of the watcher (ip-monitor source), for overrun tests.
      return (watcher as unknown as { child?: { pid?: number } } | undefined)?.child?.pid ?? null;
    case 'unwatch':
      watcher?.close();
      watcher = undefined;
      return true;
    case 'queryLink':
      return (await queryLink(String(req.ifname))) ?? null;
    case 'sources':
      return (await sourceAddresses(String(req.ifname))) ?? null;
    case 'fwdCreate':
      fwd = await ForwardingManager.create(req.targets as ForwardingTarget[], {
        ...(req.preserveInterfaces === false ? { preserveInterfaces: false } : {}),
      });
      return { startup: fwd.startup, preserved: fwd.preserved };
    case 'fwdRead':
      return fwd!.read();
    case 'fwdDisable':
      return fwd!.disable();
    case 'fwdRestore':
      return fwd!.restore();
    case 'fwdRestoreOnExit':
      return fwd!.restoreOnExit();
    case 'fwdRestoreOnExitSync':
      return fwd!.restoreOnExitSync();
    case 'bench': {
      // Median and mean of `n` add+delete pairs of one VIP (add timed separately).
      const mgr = new VipManager(backend(req.backend), String(req.dev ?? 'eth0'));
      const spec = parseVipLine(String(req.line));
      const n = Number(req.n ?? 100);
      const adds: number[] = [];
      const dels: number[] = [];
      for (let i = 0; i < n; i++) {
        let t = process.hrtime.bigint();
        await mgr.add(spec);
        adds.push(Number(process.hrtime.bigint() - t) / 1e3);
        t = process.hrtime.bigint();
        await mgr.del(spec);
        dels.push(Number(process.hrtime.bigint() - t) / 1e3);
      }
      return { addUs: adds, delUs: dels };
    }
    case 'block':
      // Stall the event loop so notifications pile up in the socket buffer.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(req.ms));
      return true;
    case 'exit':
      setImmediate(() => process.exit(0));
      return true;
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let req: Req;
  try {
    req = JSON.parse(line) as Req;
  } catch {
    out({ ok: false, error: { message: `bad request line: ${line}` } });
    return;
  }
  handle(req).then(
    (result) => out({ id: req.id, ok: true, result }),
    (e: unknown) => {
      const err = e as { name?: string; code?: string; message?: string; errno?: string; path?: string };
      out({ id: req.id, ok: false, error: { name: err.name, code: err.code, message: err.message, errno: err.errno, path: err.path } });
    },
  );
});
function shutdown(): void {
  watcher?.close(); // stops its `ip monitor` child
  for (const b of backends.values()) b.close();
  process.exit(0);
}
rl.on('close', shutdown);
process.once('SIGTERM', shutdown);
out({ ready: true });
