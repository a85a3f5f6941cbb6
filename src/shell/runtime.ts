/**
 * The runtime loop: owns the instances (alone or in sync groups), turns the outside world
 * into core inputs (packets, timer expiries, link and tracker changes) and executes the
 * core's actions through a Platform. It makes no protocol decisions of its own.
 *
 * Hot path (advert timer -> advert on the wire): scheduler wake -> step() -> SendAdvert
 * (encoded adverts cached per priority/interval/destination) -> platform.sendVrrp.
 * Becoming MASTER sends the advert and the first gratuitous ARP / NA synchronously in the
 * same turn; VIP addition (netlink), notify scripts and the cloud claim are started in
 * parallel and never delay timers.
 */
import { decodeAdvert, encodeAdvert, passAuthData, type DecodeOptions } from '../core/codec/vrrp.js';
import type { ReceivedPacket, RuntimeHooks, VipSpec, Platform, InstanceConfig } from './runtime-types.js';
import { createInstance, step, type InstanceState } from '../core/fsm/instance.js';
import { createSyncGroup, stepGroup, type GroupAction, type SyncGroupState } from '../core/fsm/syncgroup.js';
import type { Action, Input, InstanceParams, TimerName } from '../core/fsm/types.js';
import { Scheduler } from './scheduler.js';
import type { Family } from '../core/ip.js';

export type { InstanceConfig, Platform, RuntimeHooks, VipSpec, ReceivedPacket } from './runtime-types.js';

const VRRP_GROUP: Record<Family, string> = { 4: '224.0.0.18', 6: 'ff02::12' };

/** A schedulable unit: one instance alone, or a sync group of several. */
interface Unit {
  readonly name: string;
  readonly kind: 'INSTANCE' | 'GROUP';
  member(name: string): InstanceState;
  step(member: string, input: Input, now: number): GroupAction[];
}

class SoloUnit implements Unit {
  readonly kind = 'INSTANCE' as const;
  constructor(
    readonly name: string,
    private s: InstanceState,
  ) {}
  member(): InstanceState {
    return this.s;
  }
  step(_member: string, input: Input, now: number): GroupAction[] {
    const r = step(this.s, input, now);
    this.s = r.state;
    return r.actions.map((action) => ({ member: this.name, action }));
  }
}

class GroupUnit implements Unit {
  readonly kind = 'GROUP' as const;
  constructor(private g: SyncGroupState) {}
  get name(): string {
    return this.g.name;
  }
  get group(): SyncGroupState {
    return this.g;
  }
  member(name: string): InstanceState {
    return this.g.members[name]!;
  }
  step(member: string, input: Input, now: number): GroupAction[] {
    const r = stepGroup(this.g, member, input, now);
    this.g = r.state;
    return r.actions;
  }
}

/** Everything the runtime keeps per instance besides the core state. */
export class RuntimeInstance {
  readonly name: string;
  cfg: InstanceConfig;
  unit!: Unit;
  /** Destinations of adverts: the multicast group, or every unicast peer. */
  dsts: string[] = [];
  decodeOpts: DecodeOptions = {};
  private advertCache = new Map<string, Map<number, Buffer>>();
  /** Scheduler key and callback per timer (Runtime.timerOf). */
  readonly timers = new Map<TimerName, { key: string; fire: () => void }>();
  /** Serialises address changes so that add/remove never overtake each other. */
  addrChain: Promise<void> = Promise.resolve();
  garpTimers: NodeJS.Timeout[] = [];
  /** VIPs the runtime believes it has added. */
  vipsPresent = false;
  lastTransitionAt: number | undefined;
  counters = { advertsSent: 0, advertsReceived: 0, garpSent: 0, transitions: 0 };

  constructor(cfg: InstanceConfig) {
    this.name = cfg.params.name;
    this.cfg = cfg;
    this.setConfig(cfg);
  }

  /** (Re)derive everything that follows from the configuration. */
  setConfig(cfg: InstanceConfig): void {
    this.cfg = cfg;
    const p = cfg.params;
    this.dsts = p.unicastPeers.length ? [...p.unicastPeers] : [cfg.mcastGroup ?? VRRP_GROUP[p.family]];
    this.decodeOpts = {
      v3Forms: cfg.v3ChecksumAsV2 ? ['v2', 'pseudo', 'old-unicast'] : ['pseudo', 'old-unicast'],
      allowZeroCount: p.vips.length === 0,
    };
    this.advertCache.clear();
    // Encode the base-priority advert now, so that becoming MASTER sends a ready buffer.
    for (const dst of this.dsts) {
      try {
        this.advert(p.priority, p.intervalCs, dst);
      } catch {
        /* reported when the advert is actually sent */
      }
    }
  }

  /** Identity for reload matching: (VRID, family, interface). */
  get identity(): string {
    const p = this.cfg.params;
    return identityOf(p);
  }

  get params(): InstanceParams {
    return this.cfg.params;
  }

  get state(): InstanceState {
    return this.unit.member(this.name);
  }

  /** The encoded advert for one destination, cached (the checksum depends on src/dst). */
  advert(priority: number, intervalCs: number, dst: string): Buffer {
    // A number key per destination (priority, and the interval in centiseconds: below
    // 65536 in v2 and v3), so an advert makes no string.
    const key = priority * 65536 + intervalCs;
    let byDst = this.advertCache.get(dst);
    if (!byDst) this.advertCache.set(dst, (byDst = new Map()));
    let buf = byDst.get(key);
    if (!buf) {
      const p = this.params;
      buf = encodeAdvert(
        {
          version: p.version,
          vrid: p.vrid,
          priority,
          addresses: p.vips,
          intervalCs,
          family: p.family,
          authType: p.auth.type === 'pass' ? 1 : 0,
          authData: p.auth.type === 'pass' ? passAuthData(p.auth.password) : undefined,
        },
        {
          src: p.primaryIp,
          dst,
          checksumForm: this.cfg.v3ChecksumAsV2 && p.family === 4 ? 'v2' : 'pseudo',
          allowZeroCount: p.vips.length === 0,
        },
      );
      if (byDst.size > 64) byDst.clear();
      byDst.set(key, buf);
    }
    return buf;
  }
}

export function identityOf(p: InstanceParams): string {
  return `${p.vrid}/${p.family}/${p.ifname}`;
}

export interface GroupSpec {
  name: string;
  members: string[];
}

export interface ReloadReport {
  kept: string[];
  added: string[];
  removed: string[];
}

function vipKey(v: VipSpec): string {
  return `${v.address}/${v.prefixLen}%${v.dev}`;
}

let coreWarmedUp = false;

/**
 * Run the core's BACKUP -> MASTER transition and one Adver_Timer once, on a throw-away
 * instance (step() is pure: nothing is sent or armed). V8 compiles a function on its first
 * call; without this, the first failover would pay for it between the Master_Down_Timer
 * expiry and the advert (about 0.3 ms).
 */
function warmUpCore(params: InstanceParams): void {
  coreWarmedUp = true;
  try {
    let s = step(createInstance({ ...params, priority: params.priority === 255 ? 254 : params.priority }), { type: 'Startup' }, 0).state;
    const down = s.timers.Master_Down_Timer;
    if (down !== undefined) s = step(s, { type: 'TimerFired', timer: 'Master_Down_Timer' }, down).state;
    const adver = s.timers.Adver_Timer;
    if (adver !== undefined) step(s, { type: 'TimerFired', timer: 'Adver_Timer' }, adver);
  } catch {
    /* only an optimisation */
  }
}

/** Actions that put a packet on the wire (run before the rest of their step). */
function isWireAction(ga: GroupAction): boolean {
  return ga.member !== null && (ga.action.type === 'SendAdvert' || ga.action.type === 'SendGarp');
}

/** The cloud claim of an instance entering MASTER (runActions runs it after the packets). */
function isClaimAction(ga: GroupAction): boolean {
  return ga.member !== null && ga.action.type === 'ClaimVip';
}

function socketKey(family: Family, ifname: string): string {
  return `${family}/${ifname}`;
}

export class Runtime {
  readonly instances = new Map<string, RuntimeInstance>();
  readonly units = new Map<string, Unit>();
  /** (family/ifname) -> VRID -> instance, for receive demultiplexing. */
  private demux = new Map<string, Map<number, RuntimeInstance>>();
  /** Drops before an instance is known (no instance for the VRID, undecodable header). */
  readonly globalDrops = new Map<string, number>();
  private stopping = false;
  /** Remainders of steps that started a cloud claim (runActions), not yet run. */
  private readonly deferred: Array<() => void> = [];

  constructor(
    readonly platform: Platform,
    readonly scheduler: Scheduler,
    readonly hooks: RuntimeHooks,
  ) {}

  /** Register instances and sync groups; nothing runs until start(). */
  configure(instances: InstanceConfig[], groups: GroupSpec[]): void {
    this.addInstances(instances, groups);
  }

  private addInstances(instances: InstanceConfig[], groups: GroupSpec[]): RuntimeInstance[] {
    const added: RuntimeInstance[] = [];
    for (const cfg of instances) {
      const ri = new RuntimeInstance(cfg);
      this.instances.set(ri.name, ri);
      const key = socketKey(cfg.params.family, cfg.params.ifname);
      let byVrid = this.demux.get(key);
      if (!byVrid) this.demux.set(key, (byVrid = new Map()));
      byVrid.set(cfg.params.vrid, ri);
      added.push(ri);
    }
    const names = new Set(added.map((ri) => ri.name));
    const grouped = new Set<string>();
    for (const g of groups) {
      const members = g.members.filter((m) => names.has(m));
      if (!members.length) continue;
      const unit = new GroupUnit(createSyncGroup(g.name, members.map((m) => this.instances.get(m)!.params)));
      this.units.set(`group:${g.name}`, unit);
      for (const m of members) {
        this.instances.get(m)!.unit = unit;
        grouped.add(m);
      }
    }
    for (const ri of added) {
      if (grouped.has(ri.name)) continue;
      const unit = new SoloUnit(ri.name, createInstance(ri.params));
      ri.unit = unit;
      this.units.set(`instance:${ri.name}`, unit);
    }
    return added;
  }

  private startInstance(ri: RuntimeInstance): void {
    if (!coreWarmedUp) warmUpCore(ri.params);
    // What the first MASTER transition sends, prepared now: the advert at the configured
    // priority (encoded and cached) and the GARP / NA frames.
    try {
      for (const dst of ri.dsts) ri.advert(ri.params.priority, ri.params.intervalCs, dst);
    } catch {
      /* encoded on first use, where an error is reported */
    }
    this.platform.prepareAnnouncements?.(ri, this.allVips(ri).filter((v) => !v.noGarp));
    for (const source of ri.cfg.initialFaults ?? []) this.input(ri.name, { type: 'FaultChanged', source, fault: true });
    if (ri.cfg.initialAdjustment) this.input(ri.name, { type: 'PriorityChanged', adjustment: ri.cfg.initialAdjustment });
    this.input(ri.name, { type: 'Startup' });
  }

  /** Which group (by name and member identities) an instance belongs to, '' when alone. */
  private static groupKeys(configs: InstanceConfig[], groups: GroupSpec[]): Map<string, string> {
    const byName = new Map(configs.map((c) => [c.params.name, c]));
    const out = new Map<string, string>();
    for (const c of configs) out.set(c.params.name, '');
    for (const g of groups) {
      const members = g.members.filter((m) => byName.has(m));
      const key = `${g.name}:${members.map((m) => identityOf(byName.get(m)!.params)).sort().join(',')}`;
      for (const m of members) out.set(m, key);
    }
    return out;
  }

  private currentGroups(): GroupSpec[] {
    const out: GroupSpec[] = [];
    for (const u of this.units.values()) if (u instanceof GroupUnit) out.push({ name: u.name, members: [...u.group.order] });
    return out;
  }

  /**
   * SIGHUP: instances matched old-to-new by (VRID, family, interface) and name keep their
   * state (the core gets Reload); a MASTER's VIP list is diffed, never flapped. Instances
   * gone from the file stop cleanly; new ones start. An instance whose sync group changed
   * is restarted with its group.
   */
  reload(configs: InstanceConfig[], groups: GroupSpec[]): ReloadReport {
    this.runDeferred();
    const now = () => this.scheduler.now();
    const oldKeys = Runtime.groupKeys(
      [...this.instances.values()].map((ri) => ri.cfg),
      this.currentGroups(),
    );
    const newKeys = Runtime.groupKeys(configs, groups);
    const keep = new Map<string, InstanceConfig>();
    for (const cfg of configs) {
      const old = this.instances.get(cfg.params.name);
      if (old && old.identity === identityOf(cfg.params) && oldKeys.get(old.name) === newKeys.get(cfg.params.name)) {
        keep.set(old.name, cfg);
      }
    }
    const report: ReloadReport = { kept: [...keep.keys()], added: [], removed: [] };
    // Stop what goes away (whole units: a group that loses a kept member is restarted).
    for (const [key, unit] of [...this.units]) {
      const members = unit instanceof GroupUnit ? unit.group.order : [unit.name];
      if (members.every((m) => keep.has(m))) continue;
      for (const m of members) if (keep.has(m)) keep.delete(m);
      const actions = unit.step(members[0]!, { type: 'Shutdown' }, now());
      this.runActions(unit, actions);
      for (const m of members) {
        const ri = this.instances.get(m)!;
        this.cancelGarps(ri);
        this.demux.get(socketKey(ri.params.family, ri.params.ifname))?.delete(ri.params.vrid);
        this.instances.delete(m);
        report.removed.push(m);
      }
      this.units.delete(key);
    }
    report.kept = [...keep.keys()];
    // Kept instances: new parameters in place, VIPs diffed while MASTER.
    for (const [name, cfg] of keep) {
      const ri = this.instances.get(name)!;
      const before = [...ri.cfg.vips, ...ri.cfg.excludedVips];
      const after = [...cfg.vips, ...cfg.excludedVips];
      ri.setConfig(cfg);
      this.input(name, { type: 'Reload', params: cfg.params });
      if (ri.state.state === 'MASTER' && ri.vipsPresent) {
        const was = new Set(before.map(vipKey));
        const will = new Set(after.map(vipKey));
        const gone = before.filter((v) => !will.has(vipKey(v)));
        const fresh = after.filter((v) => !was.has(vipKey(v)));
        ri.addrChain = ri.addrChain
          .then(async () => {
            if (gone.length) await this.platform.removeAddresses(gone);
            if (fresh.length) await this.platform.addAddresses(fresh);
          })
          .catch((err: unknown) => this.hooks.onError(ri.name, 'reload-vips', err));
        for (const v of fresh.filter((x) => !x.noGarp)) {
          try {
            this.platform.sendGarp(ri, v);
            ri.counters.garpSent++;
            this.hooks.onGarpSent?.(ri.name, 1);
          } catch (err) {
            this.hooks.onError(ri.name, 'garp', err);
          }
        }
      }
    }
    // New instances (and restarted ones).
    const fresh = configs.filter((c) => !keep.has(c.params.name));
    const added = this.addInstances(fresh, groups);
    for (const ri of added) {
      this.startInstance(ri);
      report.added.push(ri.name);
    }
    return report;
  }

  /** Send Startup to every instance (INIT -> BACKUP / MASTER / FAULT). */
  start(): void {
    for (const ri of this.instances.values()) this.startInstance(ri);
  }

  /**
   * Feed one input to an instance (through its sync group if it has one) and run the
   * actions. `now` defaults to the clock; receive() passes the packet's arrival time.
   */
  input(name: string, input: Input, now: number = this.scheduler.now()): void {
    const ri = this.instances.get(name);
    if (!ri) return;
    const actions = ri.unit.step(name, input, now);
    this.runActions(ri.unit, actions);
  }

  /**
   * Run one step's actions. Packets (adverts, then the first GARP / NA round) go out
   * first, in their order, so that logging, metrics and other hooks of the same step
   * never delay them; an instance entering MASTER with a cloud claim fires its armed
   * claim request right after its advert (onClaimNow). Then the claim is started, and
   * everything else keeps the core's order (on the next tick when a claim started).
   */
  private runActions(unit: Unit, actions: GroupAction[]): void {
    this.runDeferred();
    if (!actions.some(isClaimAction)) {
      for (const ga of actions) if (isWireAction(ga)) this.execute(unit, ga);
      for (const ga of actions) if (!isWireAction(ga)) this.execute(unit, ga);
      return;
    }
    // A claiming member's armed cloud request goes out right after its advert, ahead of
    // its GARP / NA burst: in a cloud the API call is what moves the VIP (the cloud's
    // network ignores ARP), so it leaves first.
    const fire = new Set(actions.filter(isClaimAction).map((ga) => ga.member!));
    for (const ga of actions) {
      if (!isWireAction(ga)) continue;
      this.execute(unit, ga);
      if (ga.action.type === 'SendAdvert' && fire.delete(ga.member!)) this.hooks.onClaimNow?.(ga.member!);
    }
    for (const m of fire) this.hooks.onClaimNow?.(m);
    for (const ga of actions) if (isClaimAction(ga)) this.execute(unit, ga);
    // The claim's HTTP request is written on the next tick: the rest of this step (VIP
    // addresses, forwarding, logs, notifies, timers) runs right after it, still before any
    // other input, and before anything else the runtime does (runDeferred).
    const rest = actions.filter((ga) => !isWireAction(ga) && !isClaimAction(ga));
    if (!rest.length) return;
    this.deferred.push(() => {
      for (const ga of rest) this.execute(unit, ga);
    });
    process.nextTick(() => this.runDeferred());
  }

  /** Run the steps' remainders held back behind a cloud claim's request, in order. */
  private runDeferred(): void {
    while (this.deferred.length) this.deferred.shift()!();
  }

  /** A packet from a VRRP socket. */
  receive(pkt: ReceivedPacket): void {
    // The Master_Down_Timer runs from the advert's arrival (RFC 9568 §6.4.2: reset on
    // receipt): the kernel's receive time when the socket gave it, else now, before
    // decoding and hooks. Never a time ahead of the clock.
    const clock = this.scheduler.now();
    const now = pkt.rxTime !== undefined && pkt.rxTime <= clock ? pkt.rxTime : clock;
    const buf = pkt.payload;
    const byVrid = this.demux.get(socketKey(pkt.meta.family, pkt.meta.ifname));
    const ri = buf.length >= 2 ? byVrid?.get(buf[1]!) : undefined;
    if (!ri) {
      this.countGlobalDrop(buf.length < 2 ? 'length' : 'vrid');
      return;
    }
    const d = decodeAdvert(buf, pkt.meta, ri.decodeOpts);
    if (!d.ok) {
      this.hooks.onDrop(ri.name, d.reason, d.detail);
      return;
    }
    const actions = ri.unit.step(ri.name, { type: 'AdvertReceived', meta: pkt.meta, advert: d.advert }, now);
    // An advert the instance refuses (validate.ts: TTL, auth, addresses ...) is a drop and
    // nothing else: only an accepted one counts as received and reaches onAdvertReceived.
    if (!actions.some((ga) => ga.member === ri.name && ga.action.type === 'AdvertDropped')) {
      ri.counters.advertsReceived++;
      this.hooks.onAdvertReceived?.(ri.name, d.advert.priority);
    }
    this.runActions(ri.unit, actions);
  }

  private countGlobalDrop(reason: string): void {
    this.globalDrops.set(reason, (this.globalDrops.get(reason) ?? 0) + 1);
    this.hooks.onDrop(null, reason === 'length' ? 'length' : 'vrid', 'no instance for this VRID on this interface');
  }

  /** Graceful stop: every instance gets Shutdown; resolves when VIP removal and notify_stop are done. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const unit of this.units.values()) {
      const first = unit instanceof GroupUnit ? unit.group.order[0]! : unit.name;
      const actions = unit.step(first, { type: 'Shutdown' }, this.scheduler.now());
      this.runActions(unit, actions);
    }
    for (const ri of this.instances.values()) {
      for (const t of ri.garpTimers) clearTimeout(t);
      ri.garpTimers = [];
    }
    await Promise.allSettled([...this.instances.values()].map((ri) => ri.addrChain));
    await this.hooks.onIdle?.();
  }

  /**
   * An instance's scheduler key and callback for one timer, made once: arming a timer
   * (every advert) allocates neither.
   */
  private timerOf(ri: RuntimeInstance, timer: TimerName): { key: string; fire: () => void } {
    let t = ri.timers.get(timer);
    if (!t) {
      const name = ri.name;
      const input: Input = { type: 'TimerFired', timer };
      t = { key: `${name}\u0000${timer}`, fire: () => this.input(name, input) };
      ri.timers.set(timer, t);
    }
    return t;
  }

  private execute(unit: Unit, ga: GroupAction): void {
    if (ga.member === null) {
      // Group-level actions (a sync group's own transition and notify).
      const a = ga.action;
      if (a.type === 'StateChanged') this.hooks.onGroupTransition?.(unit.name, a.from, a.to, a.reason);
      else if (a.type === 'Notify') this.hooks.onNotify({ kind: 'GROUP', name: unit.name }, a.state, a.priority);
      return;
    }
    const ri = this.instances.get(ga.member);
    if (ri) this.executeFor(ri, ga.action);
  }

  private executeFor(ri: RuntimeInstance, a: Action): void {
    switch (a.type) {
      case 'SendAdvert':
      {
        let sent = 0;
        for (const dst of ri.dsts) {
          // A failed send (ENETDOWN when the link just went down) must not abort the
          // actions after it: MASTER -> FAULT still has to remove the VIPs.
          try {
            this.platform.sendVrrp(ri, ri.advert(a.priority, a.intervalCs, dst), dst);
            sent++;
          } catch (err) {
            if (this.hooks.onSendError) this.hooks.onSendError(ri.name, dst, err);
            else this.hooks.onError(ri.name, 'send-advert', err);
          }
        }
        if (sent === 0) return;
        ri.counters.advertsSent++;
        this.hooks.onAdvertSent?.(ri.name, a.priority);
        return;
      }
      case 'ArmTimer': {
        const timer = a.timer;
        const t = this.timerOf(ri, timer);
        this.scheduler.set(t.key, a.at, t.fire);
        return;
      }
      case 'CancelTimer':
        this.scheduler.cancel(this.timerOf(ri, a.timer).key);
        return;
      case 'AddVips':
        this.changeAddresses(ri, true);
        return;
      case 'RemoveVips':
        this.changeAddresses(ri, false);
        return;
      case 'SendGarp':
        this.sendGarps(ri, a.burst);
        return;
      case 'Notify':
        this.hooks.onNotify({ kind: 'INSTANCE', name: ri.name }, a.state, a.priority);
        return;
      case 'ClaimVip':
        this.hooks.onCloud?.(ri.name, 'claim');
        return;
      case 'ReleaseVip':
        this.hooks.onCloud?.(ri.name, 'release');
        return;
      case 'SetForwarding':
        this.platform.setForwarding(ri, a.enabled).catch((err: unknown) => this.hooks.onError(ri.name, 'forwarding', err));
        return;
      case 'StateChanged':
        ri.counters.transitions++;
        ri.lastTransitionAt = this.scheduler.now();
        if (a.to !== 'MASTER') this.cancelGarps(ri);
        this.hooks.onTransition(ri.name, a.from, a.to, a.reason, ri.state.priority);
        return;
      case 'AdvertDropped':
        this.hooks.onDrop(ri.name, a.reason, a.detail);
        return;
    }
  }

  private allVips(ri: RuntimeInstance): VipSpec[] {
    return [...ri.cfg.vips, ...ri.cfg.excludedVips];
  }

  private changeAddresses(ri: RuntimeInstance, add: boolean): void {
    ri.vipsPresent = add;
    const vips = this.allVips(ri);
    ri.addrChain = ri.addrChain
      .then(() => (add ? this.platform.addAddresses(vips) : this.platform.removeAddresses(vips)))
      .catch((err: unknown) => this.hooks.onError(ri.name, add ? 'add-vips' : 'remove-vips', err));
  }

  /**
   * keepalived: garp_master_repeat frames per VIP, vrrp_garp_interval / vrrp_gna_interval
   * apart. The first frame of every VIP goes out now, in the same turn as the advert.
   */
  private sendGarps(ri: RuntimeInstance, burst: string): void {
    const vips = this.allVips(ri).filter((v) => !v.noGarp);
    if (!vips.length) return;
    const repeat = burst === 'reply' ? 1 : Math.max(1, ri.cfg.garpRepeat);
    const gap = vips[0]!.family === 6 ? ri.cfg.gnaIntervalMs : ri.cfg.garpIntervalMs;
    const sendRound = (): void => {
      for (const v of vips) {
        try {
          this.platform.sendGarp(ri, v);
          ri.counters.garpSent++;
        } catch (err) {
          this.hooks.onError(ri.name, 'garp', err);
        }
      }
      this.hooks.onGarpSent?.(ri.name, vips.length);
    };
    sendRound();
    if (gap <= 0) {
      for (let i = 1; i < repeat; i++) sendRound();
      return;
    }
    for (let i = 1; i < repeat; i++) {
      const t = setTimeout(() => {
        ri.garpTimers = ri.garpTimers.filter((x) => x !== t);
        if (!this.stopping && ri.state.state === 'MASTER') sendRound();
      }, i * gap);
      ri.garpTimers.push(t);
    }
  }

  private cancelGarps(ri: RuntimeInstance): void {
    for (const t of ri.garpTimers) clearTimeout(t);
    ri.garpTimers = [];
  }

  /** A one-line summary for systemd STATUS= and logs. */
  summary(): string {
    const counts: Record<string, number> = {};
    for (const ri of this.instances.values()) counts[ri.state.state] = (counts[ri.state.state] ?? 0) + 1;
    return Object.entries(counts)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
  }
}
