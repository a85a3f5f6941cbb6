import { describe, expect, it } from 'vitest';
import { Runtime, type InstanceConfig, type Platform, type RuntimeHooks, type VipSpec } from '../../src/shell/runtime.js';
import { ManualClock, Scheduler } from '../../src/shell/scheduler.js';
import type { InstanceParams, VrrpState } from '../../src/core/fsm/types.js';

/** Two runtimes on one fake LAN sharing a manual clock. */
function params(name: string, primaryIp: string, priority: number, extra: Partial<InstanceParams> = {}): InstanceParams {
  return {
    name,
    vrid: 51,
    version: 2,
    family: 4,
    ifname: 'eth0',
    primaryIp,
    priority,
    intervalCs: 100,
    vips: ['192.0.2.100'],
    initialState: 'BACKUP',
    preempt: true,
    preemptDelayMs: 0,
    downTimerAdverts: 3,
    unicastPeers: [],
    auth: { type: 'none' },
    skipCheckAdvAddr: false,
    checkUnicastSrc: false,
    garpMasterDelayMs: 0,
    garpMasterRefreshMs: 0,
    cloudClaim: false,
    cloudRelease: false,
    manageForwarding: true,
    ...extra,
  };
}

const vip: VipSpec = { address: '192.0.2.100', family: 4, prefixLen: 24, dev: 'eth0' };

interface Node {
  rt: Runtime;
  log: string[];
  states: VrrpState[];
  vipsPresent: boolean;
  forwarding: boolean[];
  garps: number;
  up: boolean;
}

function lab(prios: number[], extra: Partial<InstanceParams> = {}) {
  const source = new ManualClock();
  const nodes: Node[] = [];
  prios.forEach((prio, i) => {
    const ip = `192.0.2.${10 + i}`;
    const node: Node = { rt: undefined as unknown as Runtime, log: [], states: [], vipsPresent: false, forwarding: [], garps: 0, up: true };
    const platform: Platform = {
      sendVrrp(_inst, payload, dst) {
        if (!node.up) return;
        node.log.push(`advert p=${payload[2]} -> ${dst}`);
        for (const other of nodes) {
          if (other === node || !other.up) continue;
          other.rt.receive({ payload: Buffer.from(payload), meta: { family: 4, src: ip, dst, ttl: 255, ifname: 'eth0' } });
        }
      },
      sendGarp() {
        node.garps++;
      },
      async addAddresses() {
        node.vipsPresent = true;
      },
      async removeAddresses() {
        node.vipsPresent = false;
      },
      async setForwarding(_i, enabled) {
        node.forwarding.push(enabled);
      },
    };
    const hooks: RuntimeHooks = {
      onTransition: (_n, _f, to) => node.states.push(to),
      onDrop: (_n, reason) => node.log.push(`drop ${reason}`),
      onNotify: () => {},
      onError: (_n, what, err) => node.log.push(`error ${what} ${String(err)}`),
    };
    node.rt = new Runtime(platform, new Scheduler(source.source), hooks);
    const cfg: InstanceConfig = {
      params: params('VI_1', ip, prio, extra),
      vips: [vip],
      excludedVips: [],
      garpRepeat: 5,
      garpIntervalMs: 0,
      gnaIntervalMs: 0,
    };
    node.rt.configure([cfg], []);
    nodes.push(node);
  });
  return { nodes, source };
}

const stateOf = (n: Node) => n.rt.instances.get('VI_1')!.state.state;

describe('runtime over a fake LAN', () => {
  it('elects the higher priority, fails over after Master_Down_Interval, preempts back', async () => {
    const { nodes, source } = lab([150, 100]);
    const [a, b] = nodes as [Node, Node];
    a.rt.start();
    b.rt.start();
    // v2, priority 150: Master_Down_Interval = 3 + (256-150)/256 s = 3.4140625 s.
    source.advanceTo(3414);
    expect(stateOf(a)).toBe('BACKUP');
    source.advanceTo(3415);
    await Promise.resolve();
    expect(stateOf(a)).toBe('MASTER');
    expect(stateOf(b)).toBe('BACKUP');
    expect(a.garps).toBe(5);
    await a.rt.instances.get('VI_1')!.addrChain;
    expect(a.vipsPresent).toBe(true);
    expect(b.forwarding.at(-1)).toBe(false);
    expect(a.forwarding.at(-1)).toBe(true);

    // The master goes silent: b takes over one Master_Down_Interval (3 + 156/256 s) after a's last advert.
    source.advanceTo(10_000);
    // a became MASTER at 3414.0625 ms and advertises every second: last one at 9414.0625.
    const lastAdvert = 3414.0625 + 6 * 1000;
    a.up = false;
    source.advanceTo(lastAdvert + 3609.3);
    expect(stateOf(b)).toBe('BACKUP');
    source.advanceTo(lastAdvert + 3609.4);
    expect(stateOf(b)).toBe('MASTER');

    // a comes back (still MASTER, it never saw b): the higher priority wins, b backs off.
    a.up = true;
    source.advanceTo(lastAdvert + 6000);
    expect(stateOf(a)).toBe('MASTER');
    expect(stateOf(b)).toBe('BACKUP');
    await b.rt.instances.get('VI_1')!.addrChain;
    expect(b.vipsPresent).toBe(false);
  });

  it('graceful shutdown sends priority 0 and the backup takes over after Skew_Time', async () => {
    const { nodes, source } = lab([150, 100]);
    const [a, b] = nodes as [Node, Node];
    a.rt.start();
    b.rt.start();
    source.advanceTo(5000);
    expect(stateOf(a)).toBe('MASTER');
    await a.rt.shutdown();
    expect(a.log.at(-1)).toBe('advert p=0 -> 224.0.0.18');
    expect(a.vipsPresent).toBe(false);
    const t0 = source.now();
    // Skew_Time for priority 100, v2: (256-100)/256 s = 609.375 ms.
    source.advanceTo(t0 + 609);
    expect(stateOf(b)).toBe('BACKUP');
    source.advanceTo(t0 + 610);
    expect(stateOf(b)).toBe('MASTER');
  });

  it("runs the Master_Down_Timer from the kernel's receive time when the socket gives it, never from the future", () => {
    const { nodes, source } = lab([150, 100]);
    const [a, b] = nodes as [Node, Node];
    b.rt.start();
    source.advanceTo(1000);
    const adv = b.rt.instances.get('VI_1')!.advert(200, 100, '224.0.0.18');
    const meta = { family: 4 as const, src: '192.0.2.11', dst: '224.0.0.18', ttl: 255, ifname: 'eth0' };
    a.rt.start();
    // v2, priority 150: Master_Down_Interval = 3 + 106/256 s = 3414.0625 ms.
    a.rt.receive({ payload: Buffer.from(adv), meta, rxTime: 999.75 });
    expect(a.rt.instances.get('VI_1')!.state.timers.Master_Down_Timer).toBeCloseTo(999.75 + 3414.0625, 6);
    // A receive time ahead of the clock (it cannot be) falls back to the clock.
    a.rt.receive({ payload: Buffer.from(adv), meta, rxTime: 1500 });
    expect(a.rt.instances.get('VI_1')!.state.timers.Master_Down_Timer).toBeCloseTo(1000 + 3414.0625, 6);
    a.rt.receive({ payload: Buffer.from(adv), meta });
    expect(a.rt.instances.get('VI_1')!.state.timers.Master_Down_Timer).toBeCloseTo(1000 + 3414.0625, 6);
  });

  it('counts an advert with a bad checksum as a drop and changes nothing', () => {
    const { nodes, source } = lab([150, 100]);
    const [a, b] = nodes as [Node, Node];
    b.rt.start();
    source.advanceTo(100);
    const good = b.rt.instances.get('VI_1')!.advert(200, 100, '224.0.0.18');
    const bad = Buffer.from(good);
    bad[7] ^= 0xff;
    a.rt.receive({ payload: bad, meta: { family: 4, src: '192.0.2.11', dst: '224.0.0.18', ttl: 255, ifname: 'eth0' } });
    expect(a.log).toContain('drop checksum');
    expect(stateOf(a)).toBe('INIT');
  });

  it('reload keeps a MASTER in place and diffs its VIPs instead of flapping them', async () => {
    const { nodes, source } = lab([150, 100]);
    const [a, b] = nodes as [Node, Node];
    const calls: string[] = [];
    const plat = a.rt.platform;
    const add = plat.addAddresses.bind(plat);
    const rem = plat.removeAddresses.bind(plat);
    plat.addAddresses = async (v) => {
      calls.push(`add ${v.map((x) => x.address).join(',')}`);
      return add(v);
    };
    plat.removeAddresses = async (v) => {
      calls.push(`del ${v.map((x) => x.address).join(',')}`);
      return rem(v);
    };
    a.rt.start();
    b.rt.start();
    source.advanceTo(5000);
    expect(stateOf(a)).toBe('MASTER');
    await a.rt.instances.get('VI_1')!.addrChain;
    calls.length = 0;
    const statesBefore = a.states.length;
    const old = a.rt.instances.get('VI_1')!.cfg;
    const vip2: VipSpec = { address: '192.0.2.101', family: 4, prefixLen: 24, dev: 'eth0' };
    const report = a.rt.reload([{ ...old, params: { ...old.params, vips: ['192.0.2.101'] }, vips: [vip2] }], []);
    expect(report).toEqual({ kept: ['VI_1'], added: [], removed: [] });
    await a.rt.instances.get('VI_1')!.addrChain;
    expect(calls).toEqual(['del 192.0.2.100', 'add 192.0.2.101']);
    expect(a.states.length).toBe(statesBefore);
    expect(stateOf(a)).toBe('MASTER');
    // The next advert carries the new address list, and the peer (old list) drops it.
    source.advanceTo(6500);
    expect(b.log.filter((l) => l.startsWith('drop')).length).toBeGreaterThan(0);

    // An instance with another identity (VRID) replaces the old one: stopped, then started.
    const r2 = a.rt.reload([{ ...old, params: { ...old.params, vrid: 52 } }], []);
    expect(r2).toEqual({ kept: [], added: ['VI_1'], removed: ['VI_1'] });
    expect(stateOf(a)).toBe('BACKUP');
  });

  it('starts a cloud claim right after the packets, and runs the rest of the step before any other input', async () => {
    const { nodes, source } = lab([150, 100], { cloudClaim: true });
    const [a, b] = nodes as [Node, Node];
    const order: string[] = [];
    const hooks = (a.rt as unknown as { hooks: RuntimeHooks }).hooks;
    hooks.onCloud = (_n, op) => order.push(`cloud ${op}`);
    hooks.onClaimNow = () => order.push('claim now');
    const onTransition = hooks.onTransition;
    hooks.onTransition = (n, f, to, r, p) => {
      order.push(`state ${to}`);
      onTransition(n, f, to, r, p);
    };
    const plat = a.rt.platform;
    const send = plat.sendVrrp.bind(plat);
    plat.sendVrrp = (i, payload, dst) => {
      order.push('advert');
      send(i, payload, dst);
    };
    plat.sendGarp = () => void order.push('garp');
    a.rt.start();
    b.rt.start();
    // The Master_Down_Timer fires at 3414.0625 ms; the advance runs it and returns.
    source.advanceTo(3415);
    expect(stateOf(a)).toBe('MASTER');
    // The advert, the armed claim request, the GARPs, then the claim; the state hook
    // waits for the claim's request (next tick)...
    expect(order).toEqual(['state BACKUP', 'advert', 'claim now', ...Array(5).fill('garp'), 'cloud claim']);
    // ...and runs before any other input reaches the runtime (this one is stale: no effect).
    a.rt.input('VI_1', { type: 'TimerFired', timer: 'Adver_Timer' });
    expect(order.slice(8)).toEqual(['cloud claim', 'state MASTER']);
    // The Adver_Timer it armed runs on schedule.
    source.advanceTo(4415);
    expect(order.slice(10)).toEqual(['advert']);
    // Without another input it runs on the next tick.
    a.rt.input('VI_1', { type: 'Shutdown' });
    b.rt.input('VI_1', { type: 'Shutdown' });
    const solo = lab([150], { cloudClaim: true });
    const c = solo.nodes[0]!;
    const seen: string[] = [];
    (c.rt as unknown as { hooks: RuntimeHooks }).hooks.onCloud = () => seen.push('cloud');
    (c.rt as unknown as { hooks: RuntimeHooks }).hooks.onTransition = (_n, _f, to) => seen.push(to);
    c.rt.start();
    solo.source.advanceTo(3415);
    expect(seen).toEqual(['BACKUP', 'cloud']);
    await new Promise((r) => process.nextTick(r));
    expect(seen).toEqual(['BACKUP', 'cloud', 'MASTER']);
  });
});
