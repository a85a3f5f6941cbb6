/**
 * A discrete-event simulator of VRRP instances sharing one LAN. It drives the pure state
 * machine (../fsm/instance.ts) with an injected clock: adverts travel as codec values
 * (../codec/types.ts) with a fixed latency plus optional jitter, links lose packets at a
 * per-direction rate, and partitions split the LAN into groups that hear only each other.
 * All randomness comes from one seeded (or injected) source, so a run is reproducible.
 * No sockets, no timers, no clock.
 */
import type { Advert, PacketMeta } from '../codec/types.js';
import { AUTH_NONE, AUTH_PASS } from '../codec/types.js';
import type { InstanceState } from '../fsm/instance.js';
import { createInstance, step } from '../fsm/instance.js';
import type { Action, Input, InstanceParams, TimerName, VrrpState } from '../fsm/types.js';
import { EventQueue } from './queue.js';
import { seededRandom, type Random } from './rng.js';

export interface LanOptions {
  /** Seed for loss and jitter (ignored when `random` is given). Default 1. */
  seed?: number;
  /** Injected random source in [0, 1). */
  random?: Random;
  /** One-way delivery delay, ms. Default 1. */
  latencyMs?: number;
  /** Extra uniform delay in [0, jitterMs), ms. Default 0. */
  jitterMs?: number;
}

/** What can be scheduled from outside. */
export type LanEvent =
  | { kind: 'input'; node: number; input: Input }
  /** Group id per node: nodes hear each other only within a group. */
  | { kind: 'partition'; groups: number[] }
  | { kind: 'heal' }
  /** Loss rate in [0, 1] for packets from `from` to `to`. */
  | { kind: 'loss'; from: number; to: number; rate: number }
  /** Deliver an arbitrary advert (e.g. a forged or foreign one) to one node. */
  | { kind: 'packet'; node: number; meta: PacketMeta; advert: Advert };

type Internal = LanEvent | { kind: 'timer'; node: number; timer: TimerName; token: number };

export interface SimNode {
  params: InstanceParams;
  state: InstanceState;
  /** Armed timers by name: the token of the live schedule entry. */
  timerTokens: Partial<Record<TimerName, number>>;
  /** AddVips seen without a RemoveVips since. */
  holdsVips: boolean;
}

export interface Transition {
  at: number;
  node: number;
  from: VrrpState;
  to: VrrpState;
  reason: string;
}

export interface StepRecord {
  at: number;
  node: number;
  input: Input;
  actions: Action[];
}

export interface LanStats {
  sent: number;
  delivered: number;
  lost: number;
  partitioned: number;
  dropped: Record<string, number>;
}

/** The multicast group a VRRP advert is sent to (RFC 9568 §5.1.1.2, §5.1.2.2). */
export function vrrpGroup(family: 4 | 6): string {
  return family === 4 ? '224.0.0.18' : 'ff02::12';
}

const utf8 = new TextEncoder();

/** The advert an instance with `params` sends for a SendAdvert action. */
export function advertFor(params: InstanceParams, priority: number, intervalCs: number): Advert {
  const v2 = params.version === 2;
  const pass = v2 && params.auth.type === 'pass';
  const authData = Buffer.alloc(v2 ? 8 : 0);
  if (pass && params.auth.type === 'pass') authData.set(utf8.encode(params.auth.password).subarray(0, 8));
  return {
    version: params.version,
    type: 1,
    vrid: params.vrid,
    priority,
    family: params.family,
    addresses: params.vips,
    intervalCs,
    authType: pass ? AUTH_PASS : AUTH_NONE,
    authData,
    checksum: 0,
  };
}

export class LanSim {
  now = 0;
  readonly nodes: SimNode[];
  readonly transitions: Transition[] = [];
  readonly stats: LanStats = { sent: 0, delivered: 0, lost: 0, partitioned: 0, dropped: {} };
  /** Every step, when recording is on (for debugging a failed property). */
  readonly log: StepRecord[] = [];
  record = false;

  private readonly queue = new EventQueue<Internal>();
  private readonly random: Random;
  private readonly latencyMs: number;
  private readonly jitterMs: number;
  private groups: number[];
  private readonly loss: number[][];
  private nextToken = 1;

  constructor(params: InstanceParams[], opts: LanOptions = {}) {
    this.random = opts.random ?? seededRandom(opts.seed ?? 1);
    this.latencyMs = opts.latencyMs ?? 1;
    this.jitterMs = opts.jitterMs ?? 0;
    this.nodes = params.map((p) => ({ params: p, state: createInstance(p), timerTokens: {}, holdsVips: false }));
    this.groups = params.map(() => 0);
    this.loss = params.map(() => params.map(() => 0));
  }

  schedule(at: number, ev: LanEvent): void {
    this.queue.push(Math.max(at, this.now), ev);
  }

  /** Run every event due at or before `t`, then set the clock to `t`. */
  runUntil(t: number): void {
    for (;;) {
      const next = this.queue.peek();
      if (!next || next.at > t) break;
      this.queue.pop();
      this.now = next.at;
      this.handle(next.ev);
    }
    this.now = Math.max(this.now, t);
  }

  states(): VrrpState[] {
    return this.nodes.map((n) => n.state.state);
  }

  masters(): number[] {
    const out: number[] = [];
    this.nodes.forEach((n, i) => {
      if (n.state.state === 'MASTER') out.push(i);
    });
    return out;
  }

  vipHolders(): number[] {
    const out: number[] = [];
    this.nodes.forEach((n, i) => {
      if (n.holdsVips) out.push(i);
    });
    return out;
  }

  connected(from: number, to: number): boolean {
    return this.groups[from] === this.groups[to];
  }

  private handle(ev: Internal): void {
    switch (ev.kind) {
      case 'input':
        this.feed(ev.node, ev.input);
        break;
      case 'timer': {
        const node = this.nodes[ev.node]!;
        if (node.timerTokens[ev.timer] !== ev.token) return; // cancelled or re-armed
        delete node.timerTokens[ev.timer];
        this.feed(ev.node, { type: 'TimerFired', timer: ev.timer });
        break;
      }
      case 'packet':
        this.stats.delivered++;
        this.feed(ev.node, { type: 'AdvertReceived', meta: ev.meta, advert: ev.advert });
        break;
      case 'partition':
        this.groups = this.nodes.map((_, i) => ev.groups[i] ?? -1 - i);
        break;
      case 'heal':
        this.groups = this.nodes.map(() => 0);
        break;
      case 'loss':
        this.loss[ev.from]![ev.to] = ev.rate;
        break;
    }
  }

  private feed(i: number, input: Input): void {
    const node = this.nodes[i]!;
    const { state, actions } = step(node.state, input, this.now);
    node.state = state;
    if (this.record) this.log.push({ at: this.now, node: i, input, actions });
    for (const a of actions) this.perform(i, a);
  }

  private perform(i: number, a: Action): void {
    const node = this.nodes[i]!;
    switch (a.type) {
      case 'ArmTimer': {
        const token = this.nextToken++;
        node.timerTokens[a.timer] = token;
        this.queue.push(Math.max(a.at, this.now), { kind: 'timer', node: i, timer: a.timer, token });
        break;
      }
      case 'CancelTimer':
        delete node.timerTokens[a.timer];
        break;
      case 'SendAdvert':
        this.transmit(i, advertFor(node.params, a.priority, a.intervalCs));
        break;
      case 'AddVips':
        node.holdsVips = true;
        break;
      case 'RemoveVips':
        node.holdsVips = false;
        break;
      case 'StateChanged':
        this.transitions.push({ at: this.now, node: i, from: a.from, to: a.to, reason: a.reason });
        break;
      case 'AdvertDropped':
        this.stats.dropped[a.reason] = (this.stats.dropped[a.reason] ?? 0) + 1;
        break;
      default:
        break;
    }
  }

  /** Multicast to every other node, or one copy per unicast peer. */
  private transmit(from: number, advert: Advert): void {
    const p = this.nodes[from]!.params;
    this.stats.sent++;
    if (p.unicastPeers.length === 0) {
      const dst = vrrpGroup(p.family);
      for (let j = 0; j < this.nodes.length; j++) if (j !== from) this.deliver(from, j, dst, advert);
      return;
    }
    for (const peer of p.unicastPeers) {
      const j = this.nodes.findIndex((n) => n.params.primaryIp === peer);
      if (j >= 0 && j !== from) this.deliver(from, j, peer, advert);
    }
  }

  private deliver(from: number, to: number, dst: string, advert: Advert): void {
    if (!this.connected(from, to)) {
      this.stats.partitioned++;
      return;
    }
    const rate = this.loss[from]![to]!;
    if (rate > 0 && this.random() < rate) {
      this.stats.lost++;
      return;
    }
    const p = this.nodes[from]!.params;
    const delay = this.latencyMs + (this.jitterMs > 0 ? this.random() * this.jitterMs : 0);
    const meta: PacketMeta = { family: p.family, src: p.primaryIp, dst, ttl: 255, ifname: this.nodes[to]!.params.ifname };
    this.queue.push(this.now + delay, { kind: 'packet', node: to, meta, advert });
  }
}
