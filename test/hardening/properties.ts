/**
 * The hostile-packet properties, one check function per property. The checks throw a
 * plain Error on a violation (no test framework needed), so the same code runs under
 * vitest (fuzz.test.ts), in long campaigns (scripts/fuzz.ts) and on the saved corpus.
 *
 *   codec_total       decodeAdvert never throws, on anything; a rejection is a DROP_REASON;
 *                     the input is left alone; an accepted advert is consistent with its bytes.
 *   codec_mutation    each single-fault mutation is rejected by the decoder with its reason,
 *                     or (instance-level faults, the valid control) decoded.
 *   fsm_invalid       in any reachable state, an advert the instance must refuse yields exactly
 *                     one AdvertDropped with the expected reason and the very same state
 *                     object, unmodified (alone or in a sync group).
 *   fsm_total         step() never throws on any input sequence; every drop leaves the state alone.
 *   runtime_receive   the runtime's receive path (fake platform, manual clock): no exception;
 *                     exactly one onDrop per invalid packet, with its reason and scope; no
 *                     state change, no timer, no send for an invalid packet; the valid control
 *                     is accepted.
 */
import type fc from 'fast-check';
import { DROP_REASONS, type DropReason } from '../../src/core/codec/errors.js';
import type { Advert, PacketMeta } from '../../src/core/codec/types.js';
import { decodeAdvert, type DecodeOptions } from '../../src/core/codec/vrrp.js';
import { createInstance, step, type InstanceState } from '../../src/core/fsm/instance.js';
import { createSyncGroup, stepGroup, type GroupAction, type SyncGroupState } from '../../src/core/fsm/syncgroup.js';
import type { Action, Input, InstanceParams, TimerName } from '../../src/core/fsm/types.js';
import type { Family } from '../../src/core/ip.js';
import { Runtime, type InstanceConfig, type Platform, type RuntimeHooks } from '../../src/shell/runtime.js';
import { ManualClock, Scheduler } from '../../src/shell/scheduler.js';
import {
  codecMutationArb,
  codecTotalArb,
  fsmInvalidArb,
  fsmTotalArb,
  runtimeArb,
  type CodecMutationCase,
  type CodecTotalCase,
  type FsmInvalidCase,
  type FsmTotalCase,
  type PrefixOp,
  type RuntimeCase,
} from './arbitraries.js';
import {
  applicableKinds,
  buildInstance,
  craft,
  decodeOptsFor,
  senderFor,
  type Crafted,
  type InstanceSeed,
  type ModelInstance,
  type MutationKind,
  type Target,
} from './model.js';

export class PropertyViolation extends Error {
  readonly code = 'FUZZ_PROPERTY_VIOLATION' as const;
}

function ensure(cond: unknown, msg: () => string): asserts cond {
  if (!cond) throw new PropertyViolation(msg());
}

const REASONS: ReadonlySet<string> = new Set(DROP_REASONS);
const STATES = new Set(['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP']);

function targetOf(inst: ModelInstance, all: readonly ModelInstance[] = [inst]): Target {
  const p = inst.params;
  const usedVrids = all.filter((o) => o.params.family === p.family && o.params.ifname === p.ifname).map((o) => o.params.vrid);
  return { inst, src: senderFor(inst), usedVrids };
}

/** The kind asked for, or the valid control when it does not apply to this instance. */
function kindFor(t: Target, kind: MutationKind): MutationKind {
  return applicableKinds(t, [kind]).length ? kind : 'valid';
}

function show(c: Crafted): string {
  return `${c.kind} ${c.bytes.toString('hex')} meta=${JSON.stringify(c.meta)} expect=${JSON.stringify(c.expect)}`;
}

// ---------------------------------------------------------------------------------------
// Decoder

export function checkCodecTotal(c: CodecTotalCase): void {
  let buf: Buffer;
  let meta: PacketMeta;
  if ('hex' in c.bytes) {
    buf = Buffer.from(c.bytes.hex, 'hex');
    meta = { family: 4, src: '192.0.2.2', dst: '224.0.0.18', ttl: 255, ifname: 'eth0' };
  } else {
    const inst = buildInstance(c.bytes.seed);
    const t = targetOf(inst);
    const crafted = craft(t, kindFor(t, c.bytes.kind), c.bytes.knobs);
    buf = crafted.bytes;
    meta = crafted.meta;
  }
  if (c.meta) meta = { ...c.meta, family: c.meta.family as Family };
  const opts: DecodeOptions = { allowZeroCount: c.allowZeroCount };
  if (c.forms) opts.v3Forms = c.forms;
  const before = Buffer.from(buf);
  const r = decodeAdvert(buf, meta, opts);
  ensure(buf.equals(before), () => 'decodeAdvert modified its input');
  const again = decodeAdvert(buf, meta, opts);
  ensure(JSON.stringify(again) === JSON.stringify(r), () => 'decodeAdvert is not deterministic');
  if (!r.ok) {
    ensure(REASONS.has(r.reason), () => `reason ${String(r.reason)} is not in DROP_REASONS`);
    ensure(typeof r.detail === 'string' && r.detail.length > 0, () => `reason ${r.reason} without a detail`);
    return;
  }
  const a = r.advert;
  const alen = meta.family === 4 ? 4 : 16;
  ensure(a.version === buf[0]! >> 4 && (a.version === 2 || a.version === 3), () => `version ${a.version} vs byte ${buf[0]}`);
  ensure(a.type === 1 && (buf[0]! & 0x0f) === 1, () => `accepted type ${a.type}`);
  ensure(a.vrid === buf[1] && a.priority === buf[2], () => 'vrid / priority differ from the bytes');
  ensure(a.family === meta.family, () => `family ${a.family} for a family ${meta.family} packet`);
  ensure(a.addresses.length === buf[3], () => `${a.addresses.length} addresses, count byte ${buf[3]}`);
  ensure(a.addresses.length > 0 || c.allowZeroCount, () => 'accepted a count of 0');
  ensure(buf.length === 8 + alen * a.addresses.length + (a.version === 2 ? 8 : 0), () => `accepted length ${buf.length}`);
  ensure(a.checksum === buf.readUInt16BE(6), () => 'checksum field differs');
  if (a.version === 2) {
    ensure(meta.family === 4, () => 'accepted VRRPv2 over IPv6');
    ensure(a.authType !== 2, () => 'accepted auth type AH');
    ensure(a.intervalCs === buf[5]! * 100, () => 'v2 interval differs');
    ensure(a.authData.length === 8 && a.authData.equals(buf.subarray(buf.length - 8)), () => 'auth data differs');
    const keep = Buffer.from(a.authData);
    buf[buf.length - 1] ^= 0xff;
    const aliased = !a.authData.equals(keep);
    buf[buf.length - 1] ^= 0xff;
    ensure(!aliased, () => 'auth data is a view of the receive buffer, not a copy');
  } else {
    ensure(a.authType === 0 && a.authData.length === 0, () => 'v3 advert with auth');
    ensure(a.intervalCs === (((buf[4]! & 0x0f) << 8) | buf[5]!), () => 'v3 interval differs');
  }
}

export function checkCodecMutation(c: CodecMutationCase): void {
  const inst = buildInstance(c.seed);
  const t = targetOf(inst);
  const p = craft(t, kindFor(t, c.kind), c.knobs);
  const r = decodeAdvert(p.bytes, p.meta, decodeOptsFor(inst));
  const e = p.expect;
  if (e.verdict === 'accept' || (e.verdict === 'drop' && e.tier === 'instance')) {
    ensure(r.ok, () => `decoder refused (${r.ok ? '' : `${r.reason}: ${r.detail}`}) ${show(p)}`);
    return;
  }
  if (e.verdict === 'drop' && (e.tier === 'codec' || (e.tier === 'kernel' && e.scope === 'instance'))) {
    ensure(!r.ok && r.reason === e.reason, () => `decoder said ${r.ok ? 'ok' : `${r.reason}: ${r.detail}`} ${show(p)}`);
    return;
  }
  if (!r.ok) ensure(REASONS.has(r.reason), () => `reason ${r.reason} is not in DROP_REASONS`);
}

// ---------------------------------------------------------------------------------------
// State machine

/** Drives one instance, alone or in a sync group with a sibling, and keeps its timers. */
class FsmDriver {
  now = 0;
  solo: InstanceState | undefined;
  group: SyncGroupState | undefined;
  readonly timers = new Map<string, { member: string; timer: TimerName; at: number }>();

  constructor(
    readonly params: InstanceParams,
    grouped: boolean,
  ) {
    if (grouped) {
      const sib: InstanceParams = { ...params, name: `${params.name}_sib`, vrid: (params.vrid % 255) + 1 };
      this.group = createSyncGroup('G', [params, sib]);
    } else this.solo = createInstance(params);
  }

  get members(): string[] {
    return this.group ? this.group.order : [this.params.name];
  }

  member(name = this.params.name): InstanceState {
    return this.group ? this.group.members[name]! : this.solo!;
  }

  /** Feed one input; returns the actions and checks the universal invariants. */
  input(input: Input, member = this.params.name): GroupAction[] {
    let actions: GroupAction[];
    if (this.group) {
      const r = stepGroup(this.group, member, input, this.now);
      this.group = r.state;
      actions = r.actions;
    } else {
      const r = step(this.solo!, input, this.now);
      this.solo = r.state;
      actions = r.actions.map((action) => ({ member, action }));
    }
    for (const ga of actions) this.track(ga);
    for (const m of this.members) checkInstance(this.member(m));
    return actions;
  }

  private track(ga: GroupAction): void {
    const a = ga.action;
    if (ga.member === null) return;
    if (a.type === 'ArmTimer') {
      ensure(Number.isFinite(a.at) && a.at >= this.now, () => `ArmTimer ${a.timer} at ${a.at} before now ${this.now}`);
      this.timers.set(`${ga.member}/${a.timer}`, { member: ga.member, timer: a.timer, at: a.at });
    } else if (a.type === 'CancelTimer') this.timers.delete(`${ga.member}/${a.timer}`);
    else if (a.type === 'AdvertDropped') ensure(REASONS.has(a.reason), () => `AdvertDropped reason ${a.reason}`);
  }

  /** Fire the earliest armed timer at its due time. */
  fire(): void {
    let best: { member: string; timer: TimerName; at: number } | undefined;
    for (const t of this.timers.values()) if (!best || t.at < best.at) best = t;
    if (!best) return;
    this.timers.delete(`${best.member}/${best.timer}`);
    this.now = Math.max(this.now, best.at);
    this.input({ type: 'TimerFired', timer: best.timer }, best.member);
  }

  /** Advance time, firing timers due on the way. */
  wait(ms: number): void {
    const to = this.now + ms;
    for (;;) {
      let best = Infinity;
      for (const t of this.timers.values()) best = Math.min(best, t.at);
      if (best > to) break;
      this.fire();
    }
    this.now = to;
  }
}

function checkInstance(s: InstanceState): void {
  ensure(STATES.has(s.state), () => `state ${s.state}`);
  ensure(Number.isInteger(s.priority) && s.priority >= 1 && s.priority <= 255, () => `priority ${s.priority}`);
  ensure(s.masterAdverIntervalCs > 0 && s.masterAdverIntervalCs <= 25500, () => `Master_Adver_Interval ${s.masterAdverIntervalCs}`);
}

/** Decode a crafted packet into an AdvertReceived input, or undefined when the decoder drops it. */
function advertInput(inst: ModelInstance, p: Crafted): { meta: PacketMeta; advert: Advert } | undefined {
  const r = decodeAdvert(p.bytes, p.meta, decodeOptsFor(inst));
  return r.ok ? { meta: p.meta, advert: r.advert } : undefined;
}

function runPrefix(d: FsmDriver, inst: ModelInstance, ops: readonly PrefixOp[]): void {
  const t = targetOf(inst);
  for (const op of ops) {
    switch (op.op) {
      case 'startup':
        for (const m of d.members) d.input({ type: 'Startup' }, m);
        break;
      case 'fire':
        d.fire();
        break;
      case 'advert': {
        const a = advertInput(inst, craft(t, 'valid', op.knobs));
        if (a) d.input({ type: 'AdvertReceived', meta: a.meta, advert: { ...a.advert, priority: op.priority } });
        break;
      }
      case 'fault':
        d.input({ type: 'FaultChanged', source: 'track', fault: op.on });
        break;
      case 'priority':
        d.input({ type: 'PriorityChanged', adjustment: op.adjustment });
        break;
      case 'shutdown':
        d.input({ type: 'Shutdown' });
        break;
    }
  }
}

export function checkFsmInvalid(c: FsmInvalidCase): void {
  const inst = buildInstance(c.seed);
  const t = targetOf(inst);
  const d = new FsmDriver(inst.params, c.grouped);
  runPrefix(d, inst, c.prefix);
  const kind = kindFor(t, c.kind);
  if (kind === 'valid') return;
  const p = craft(t, kind, c.knobs);
  // Some kinds are the codec's for some instances (v2 in an IPv6 packet): nothing to step.
  if (p.expect.verdict !== 'drop' || p.expect.tier !== 'instance') return;
  const a = advertInput(inst, p);
  ensure(a, () => `an instance-level mutation did not decode: ${show(p)}`);
  const beforeSolo = d.solo;
  const beforeGroup = d.group;
  const members = d.members.map((m) => d.member(m));
  const snapshot = JSON.stringify(d.group ?? d.solo);
  const actions = d.input({ type: 'AdvertReceived', meta: a.meta, advert: a.advert });
  ensure(actions.length === 1, () => `${actions.length} actions for a refused advert: ${JSON.stringify(actions)} (${show(p)})`);
  const act = actions[0]!.action as Action;
  ensure(act.type === 'AdvertDropped', () => `action ${act.type} for a refused advert (${show(p)})`);
  ensure(act.reason === p.expect.reason, () => `reason ${act.reason} (${act.detail}), expected ${p.expect.verdict === 'drop' ? p.expect.reason : ''} (${show(p)})`);
  ensure(typeof act.detail === 'string', () => 'no detail');
  if (inst.params.auth.type === 'pass' && inst.params.auth.password.length >= 8) {
    ensure(!act.detail.includes(inst.params.auth.password), () => 'the drop detail contains the password');
  }
  // No state change: the very same objects, unmodified.
  d.members.forEach((m, i) => ensure(d.member(m) === members[i], () => `member ${m} state replaced by a refused advert`));
  if (beforeSolo) ensure(d.solo === beforeSolo, () => 'state replaced by a refused advert');
  if (beforeGroup) ensure(d.group === beforeGroup, () => 'sync group state replaced by a refused advert');
  ensure(JSON.stringify(d.group ?? d.solo) === snapshot, () => 'state modified in place by a refused advert');
}

/** Parameters for a Reload: another seed, keeping (VRID, family, interface) when asked. */
function reloadParams(cur: InstanceParams, seed: InstanceSeed, same: boolean): InstanceParams {
  if (!same) return buildInstance({ ...seed, name: cur.name }).params;
  const v6 = cur.family === 6;
  return buildInstance({ ...seed, name: cur.name, vrid: cur.vrid, ifname: cur.ifname, v6, version: v6 ? 3 : seed.version }).params;
}

export function checkFsmTotal(c: FsmTotalCase): void {
  const inst = buildInstance(c.seed);
  const t = targetOf(inst);
  const d = new FsmDriver(inst.params, c.grouped);
  let params = inst.params;
  for (const op of c.ops) {
    switch (op.op) {
      case 'packet': {
        const p = craft(t, kindFor(t, op.kind), op.knobs);
        const a = advertInput(inst, p);
        if (!a) break;
        const before = d.member();
        const actions = d.input({ type: 'AdvertReceived', meta: a.meta, advert: a.advert });
        if (actions.some((x) => x.action.type === 'AdvertDropped')) {
          ensure(actions.length === 1, () => `a drop came with other actions: ${JSON.stringify(actions)}`);
          ensure(d.member() === before, () => 'a dropped advert changed the state');
        }
        break;
      }
      case 'stale':
        // A timer that is not armed or not yet due (a stale callback), then time moves on
        // (monotonic: the core is never given an earlier `now`).
        d.input({ type: 'TimerFired', timer: op.timer }, d.members[0]);
        d.wait(Math.abs(op.dtMs));
        break;
      case 'reload': {
        // A sync group keeps its members' identities; alone, a new identity gives a fresh INIT instance.
        params = reloadParams(params, op.seed, op.sameIdentity || d.group !== undefined);
        d.input({ type: 'Reload', params });
        break;
      }
      case 'wait':
        d.wait(op.ms);
        break;
      default:
        runPrefix(d, inst, [op as PrefixOp]);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Runtime receive path

interface DropRecord {
  instance: string | null;
  reason: DropReason;
}

function vipSpecs(p: InstanceParams): InstanceConfig['vips'] {
  return p.vips.map((address) => ({ address, family: p.family, prefixLen: p.family === 4 ? 24 : 64, dev: p.ifname }));
}

export function checkRuntime(c: RuntimeCase): void {
  // Instances with distinct names and distinct (family, interface, VRID).
  const insts: ModelInstance[] = [];
  const ids = new Set<string>();
  c.seeds.forEach((seed, i) => {
    const inst = buildInstance({ ...seed, name: `VI_${i}` });
    const id = `${inst.params.family}/${inst.params.ifname}/${inst.params.vrid}`;
    if (ids.has(id)) return;
    ids.add(id);
    insts.push(inst);
  });
  const clock = new ManualClock();
  const drops: DropRecord[] = [];
  const received: string[] = [];
  const platformCalls: string[] = [];
  const errors: string[] = [];
  const platform: Platform = {
    sendVrrp: (inst, _payload, dst) => void platformCalls.push(`advert ${inst.name} -> ${dst}`),
    sendGarp: (inst) => void platformCalls.push(`garp ${inst.name}`),
    addAddresses: async () => void platformCalls.push('add'),
    removeAddresses: async () => void platformCalls.push('del'),
    setForwarding: async () => void platformCalls.push('fwd'),
  };
  const hooks: RuntimeHooks = {
    onTransition: () => undefined,
    onDrop: (instance, reason) => void drops.push({ instance, reason }),
    onAdvertReceived: (instance) => void received.push(instance),
    onNotify: () => undefined,
    onError: (instance, what, err) => void errors.push(`${instance} ${what}: ${String(err)}`),
  };
  const scheduler = new Scheduler(clock.source);
  const rt = new Runtime(platform, scheduler, hooks);
  rt.configure(
    insts.map((inst) => ({
      params: inst.params,
      vips: vipSpecs(inst.params),
      excludedVips: [],
      garpRepeat: 1,
      garpIntervalMs: 0,
      gnaIntervalMs: 0,
      v3ChecksumAsV2: inst.v3ChecksumAsV2,
    })),
    c.grouped && insts.length > 1 ? [{ name: 'G', members: insts.map((i) => i.params.name) }] : [],
  );
  rt.start();
  const states = () => insts.map((i) => rt.instances.get(i.params.name)!.state);
  let invalidFed = 0;

  for (const op of c.ops) {
    if (op.op === 'advance') {
      clock.advanceTo(clock.now() + op.ms);
      continue;
    }
    const inst = insts[op.inst % insts.length]!;
    const t = targetOf(inst, insts);
    const p = op.op === 'foreign' ? craft(t, 'valid', op.knobs) : craft(t, kindFor(t, op.kind), op.knobs);
    const meta: PacketMeta = op.op === 'foreign' ? { ...p.meta, ifname: 'eth9' } : p.meta;
    const payload = Buffer.from(p.bytes);
    const before = states();
    const calls = platformCalls.length;
    const timers = scheduler.size;
    const nDrops = drops.length;
    const nRecv = received.length;
    const nGlobal = [...rt.globalDrops.values()].reduce((x, y) => x + y, 0);
    rt.receive({ payload, meta });
    ensure(payload.equals(p.bytes), () => 'the runtime modified the received payload');
    const got = drops.slice(nDrops);
    const accepted = received.length > nRecv && got.length === 0;
    // A packet is either received (accepted) or dropped, never both.
    ensure(received.length === nRecv || got.length === 0, () => `a dropped packet was also counted as received: ${show(p)}`);
    const where = () => `${show(p)} -> drops ${JSON.stringify(got)}, received ${received.length - nRecv}`;
    const unchanged = () => {
      const after = states();
      before.forEach((s, i) => ensure(after[i] === s, () => `an invalid packet changed ${insts[i]!.params.name}: ${where()}`));
      ensure(platformCalls.length === calls, () => `an invalid packet made the platform act: ${platformCalls.slice(calls).join(', ')}`);
      ensure(scheduler.size === timers, () => `an invalid packet changed the timers: ${where()}`);
    };
    ensure(got.length <= 1, () => `more than one drop for one packet: ${where()}`);
    for (const g of got) ensure(REASONS.has(g.reason), () => `drop reason ${g.reason} is not in DROP_REASONS`);
    if (op.op === 'foreign') {
      ensure(got.length === 1 && got[0]!.instance === null, () => `packet on a foreign interface: ${where()}`);
    } else if (p.expect.verdict === 'accept') {
      ensure(accepted && received.length === nRecv + 1, () => `valid control packet not accepted: ${where()}`);
      continue;
    } else if (p.expect.verdict === 'drop') {
      const want: DropRecord = { instance: p.expect.scope === 'global' ? null : inst.params.name, reason: p.expect.reason };
      ensure(got.length === 1 && got[0]!.instance === want.instance && got[0]!.reason === want.reason, () => `expected drop ${JSON.stringify(want)}: ${where()}`);
    } else {
      // Random bytes: counted where the demultiplexer sends them, or (never seen) accepted.
      if (p.expect.scope === 'global') ensure(got.length === 1 && got[0]!.instance === null, () => `random bytes not counted globally: ${where()}`);
      else {
        const owner = insts.find((o) => o.params.family === meta.family && o.params.ifname === meta.ifname && o.params.vrid === payload[1]);
        ensure(accepted || (got.length === 1 && got[0]!.instance === owner?.params.name), () => `random bytes not counted on the VRID's instance: ${where()}`);
      }
      if (accepted) continue;
    }
    invalidFed++;
    unchanged();
    const nGlobalAfter = [...rt.globalDrops.values()].reduce((x, y) => x + y, 0);
    ensure(nGlobalAfter === nGlobal + (got[0]!.instance === null ? 1 : 0), () => `runtime.globalDrops not in step: ${where()}`);
  }
  ensure(drops.length === invalidFed, () => `${drops.length} drops counted for ${invalidFed} invalid packets`);
  ensure(errors.length === 0, () => `runtime errors: ${errors.join('; ')}`);
}

// ---------------------------------------------------------------------------------------

export interface PropertyDef<C> {
  name: string;
  arbitrary: fc.Arbitrary<C>;
  check(c: C): void;
  /** Cases per CI run (vitest); scripts/fuzz.ts takes --cases. */
  ciRuns: number;
}

function def<C>(name: string, arbitrary: fc.Arbitrary<C>, check: (c: C) => void, ciRuns: number): PropertyDef<unknown> {
  return { name, arbitrary, check, ciRuns } as PropertyDef<unknown>;
}

export const PROPERTIES: readonly PropertyDef<unknown>[] = [
  def('codec_total', codecTotalArb, checkCodecTotal, 30_000),
  def('codec_mutation', codecMutationArb, checkCodecMutation, 20_000),
  def('fsm_invalid', fsmInvalidArb, checkFsmInvalid, 10_000),
  def('fsm_total', fsmTotalArb, checkFsmTotal, 5_000),
  def('runtime_receive', runtimeArb, checkRuntime, 8_000),
];

export function propertyByName(name: string): PropertyDef<unknown> {
  const p = PROPERTIES.find((x) => x.name === name);
  if (!p) throw new Error(`no property ${name} (have ${PROPERTIES.map((x) => x.name).join(', ')})`);
  return p;
}
