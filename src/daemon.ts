/**
 * The daemon: configuration -> runtime -> Linux platform, with tracking, notifications,
 * cloud claims, logs, metrics, the control socket, systemd notification, dumps and
 * signals. keepvip always runs in the foreground (systemd Type=notify and containers
 * want that); `-n` is accepted for keepalived compatibility.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { DaemonOptions } from './cli.js';
import { loadConfigOffThread } from './config/load-thread.js';
import { formatDiagnostic } from './config/diagnostics.js';
import type { ConfigModel, VipEntry, VrrpInstance } from './config/model.js';
import type { DropReason } from './core/codec/errors.js';
import { toInstanceParams } from './config/to-params.js';
import { masterDownInterval } from './core/fsm/timers.js';
import type { VrrpState } from './core/fsm/types.js';
import type { Family } from './core/ip.js';
import { startControlServer, DEFAULT_CONTROL_SOCKET, type ControlServer, type ReloadResult } from './ops/control.js';
import { DropLogger } from './ops/droplog.js';
import { configSecrets, writeDump, type DumpFormat } from './ops/dumps.js';
import { createLog, type Log } from './ops/log.js';
import { TrackingLog, type TrackerUser } from './ops/tracking-log.js';
import { logCloudEvent } from './ops/cloud-log.js';
import { openCheckOf } from './track/argv.js';
import type { TrackerKind } from './track/hub.js';
import type { Metrics } from './ops/metrics.js';
import { NO_METRICS, type MetricsSink } from './ops/metrics-sink.js';
import { startMetricsServer, type MetricsServer } from './ops/metrics-server.js';
import { emptyStats, instanceConfigFromParams, type InstanceStats, type InstanceStatus, type StatusSnapshot, type Transition } from './ops/status.js';
import { statusSummary, SystemdNotifier } from './ops/systemd.js';
import { checkCloudConstraints, type NicAddress, type VipPlacement } from './cloud/constraints.js';
import { cloudVipAddresses } from './cloud/config.js';
import { NO_CLOUD, type CloudPort } from './shell/cloud-port.js';
import { RtnlClient } from './shell/net/netlink.js';
import { Health } from './shell/health.js';
import { LinuxPlatform } from './shell/linux.js';
import { vipSpecFromConfig } from './shell/net/addresses.js';
import { ifMac } from './shell/net/iface.js';
import { LinkWatcher, sourceAddresses, type NetEvent } from './shell/net/links.js';
import { notify as sdNotify } from './shell/net/sdnotify.js';
import { monotonicNowMs, MonotonicTimer } from './shell/net/timer.js';
import { Runtime, type InstanceConfig, type RuntimeHooks, type VipSpec } from './shell/runtime.js';
import { Scheduler, type WakeSource } from './shell/scheduler.js';

export const VERSION = '0.1.0';
const GROUP_DEFAULT: Record<Family, string> = { 4: '224.0.0.18', 6: 'ff02::12' };
/** How long notify_stop scripts and cloud releases may take at shutdown. */
const STOP_BOUND_MS = 1500;

/** Wake source on a timerfd with absolute CLOCK_MONOTONIC deadlines (sub-millisecond). */
export function timerfdSource(wake: () => void): WakeSource {
  const t = MonotonicTimer.open(wake);
  return {
    now: monotonicNowMs,
    arm: (at) => t.arm(at),
    disarm: () => t.disarm(),
    close: () => t.close(),
  };
}

function toVip(e: VipEntry, ifname: string): VipSpec {
  const spec: VipSpec = {
    address: e.address,
    family: e.family,
    prefixLen: e.prefixLen,
    dev: e.dev ?? ifname,
    net: { ...vipSpecFromConfig(e), dev: e.dev ?? ifname },
  };
  if (e.label !== undefined) spec.label = e.label;
  if (e.scope !== undefined) spec.scope = e.scope;
  if (e.brd !== undefined) spec.brd = e.brd;
  // keepalived sends no gratuitous ARP for host-scoped addresses.
  if (e.scope === 'host' || e.scope === 'nowhere') spec.noGarp = true;
  return spec;
}

/** A VIP as keepalived prints it: 192.0.2.100/24; a host address (/32, /128) bare. */
function vipText(v: VipSpec): string {
  return v.prefixLen === (v.family === 4 ? 32 : 128) ? v.address : `${v.address}/${v.prefixLen}`;
}

function errText(err: unknown): { code: string; error: string } {
  const e = err as { code?: unknown; message?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : 'ERR_UNKNOWN',
    error: typeof e?.message === 'string' ? e.message : String(err),
  };
}

/** auth_pass, cloud passwords and keys: scrubbed from every log line and refused in dumps. */
const secretsOf = configSecrets;

interface InstanceExtra {
  stats: InstanceStats;
  lastTransition: Transition | null;
}

/** At most this many config_error lines for one refused reload. */
const RELOAD_ERRORS_LOGGED = 20;

export class Daemon {
  readonly log: Log;
  private model: ConfigModel;
  private platform!: LinuxPlatform;
  runtime!: Runtime;
  private health!: Health;
  private cloud: CloudPort = NO_CLOUD;
  private watcher: LinkWatcher | undefined;
  /** Metrics as recorded (NO_METRICS without an endpoint), and the registry behind them. */
  private metrics: MetricsSink = NO_METRICS;
  private prom: Metrics | undefined;
  private metricsServer: MetricsServer | undefined;
  private control: ControlServer | undefined;
  private drops: DropLogger;
  private sd: SystemdNotifier;
  private extra = new Map<string, InstanceExtra>();
  /** Instances whose last advert could not be sent (logged once until one goes out). */
  private sendFailing = new Set<string>();
  private sources = new Map<string, { 4?: string; 6?: string }>();
  private readonly startedAt = Date.now();
  private lastReload: StatusSnapshot['daemon']['lastReload'] = null;
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private reloadChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DaemonOptions) {
    this.model = opts.model;
    this.log = createLog({ console: opts.logConsole, detail: opts.logDetail, secrets: secretsOf(this.model) });
    // Drop lines are written between event-loop turns, never in a burst that delays adverts.
    this.drops = new DropLogger(this.log, { deferred: true, instanceState: (name) => this.runtime?.instances.get(name)?.state });
    this.sd = new SystemdNotifier({
      send: (state) => void sdNotify(state),
      onError: (e) => this.log.event('systemd_notify_failed', { error: String(e) }),
    });
  }

  /** Resolve source addresses of the instances' interfaces and build runtime configs. */
  private async buildInstances(model: ConfigModel): Promise<InstanceConfig[]> {
    for (const inst of model.instances) {
      const ifname = inst.interface!;
      if (this.sources.has(ifname)) continue;
      const s = await sourceAddresses(ifname);
      if (!s) throw Object.assign(new Error(`interface ${ifname} does not exist`), { code: 'ERR_NO_INTERFACE' });
      this.sources.set(ifname, { 4: s.ipv4, 6: s.ipv6LinkLocal ?? s.ipv6LinkLocalTentative });
    }
    const g = model.globalDefs;
    return model.instances.map((inst: VrrpInstance) => {
      const ifname = inst.interface!;
      const params = toInstanceParams(inst, { ...g, keepvip: model.keepvip }, (i: string, f: Family) => this.sources.get(i)?.[f]);
      const cfg: InstanceConfig = {
        params,
        vips: inst.vips.map((v) => toVip(v, ifname)),
        excludedVips: inst.excludedVips.map((v) => toVip(v, ifname)),
        garpRepeat: g.minGarp ? 1 : inst.garp.masterRepeat,
        garpIntervalMs: g.garpInterval * 1000,
        gnaIntervalMs: g.gnaInterval * 1000,
      };
      const group = inst.mcastDstIp ?? (inst.family === 4 ? g.mcastGroup4 : g.mcastGroup6);
      if (group !== GROUP_DEFAULT[inst.family]) cfg.mcastGroup = group;
      return cfg;
    });
  }

  private openSockets(instances: InstanceConfig[]): void {
    this.platform.openSockets(
      instances.map((c) => {
        const entry: { family: Family; ifname: string; group?: string } = { family: c.params.family, ifname: c.params.ifname };
        if (!c.params.unicastPeers.length) entry.group = c.mcastGroup ?? GROUP_DEFAULT[c.params.family];
        return entry;
      }),
    );
  }

  private extraOf(name: string): InstanceExtra {
    let x = this.extra.get(name);
    if (!x) this.extra.set(name, (x = { stats: emptyStats(), lastTransition: null }));
    return x;
  }

  private hooks(): RuntimeHooks {
    return {
      onTransition: (instance, from, to, reason, priority) => {
        this.log.event('instance_state', { instance, from, to, priority, reason });
        const x = this.extraOf(instance);
        x.lastTransition = { at: Date.now(), from, to, reason };
        if (to === 'MASTER') x.stats.becomeMaster++;
        if (from === 'MASTER') x.stats.releaseMaster++;
        this.metrics.transition(instance, from, to);
        this.metrics.setState(instance, to);
        this.cloud.transition(instance, to);
        this.sd.status(this.statusLine());
      },
      onGroupTransition: (group, from, to) => this.log.event('group_state', { group, from, to }),
      onDrop: (instance, reason, detail) => {
        const name = instance ?? '-';
        if (instance) {
          const x = this.extraOf(instance);
          x.stats.drops[reason]++;
          this.metrics.advertDropped(instance, reason);
        }
        this.drops.drop(name, reason, detail);
      },
      onSendError: (instance, dst, err) => {
        if (this.sendFailing.has(instance)) return;
        this.sendFailing.add(instance);
        const e = errText(err);
        this.log.event('advert_send_failed', { instance, code: e.code, error: `to ${dst}: ${e.error}` });
      },
      onAdvertSent: (instance, priority) => {
        this.sendFailing.delete(instance);
        const x = this.extraOf(instance);
        x.stats.advertSent++;
        if (priority === 0) x.stats.priZeroSent++;
        this.metrics.advertSent(instance);
      },
      onAdvertReceived: (instance, priority) => {
        const x = this.extraOf(instance);
        x.stats.advertRcvd++;
        if (priority === 0) x.stats.priZeroRcvd++;
        this.metrics.advertReceived(instance);
        // A lower-priority node advertising while this one is MASTER took over while this
        // one was stalled or cut off, and may have moved the VIP in the cloud. The core
        // answers with an advert and GARPs (as keepalived does) but stays MASTER, so no new
        // ClaimVip comes: the cloud is set right here (an idempotent read, written only when
        // wrong).
        const ri = this.runtime?.instances.get(instance);
        if (priority > 0 && ri?.state.state === 'MASTER' && priority < ri.state.priority) this.cloud.reassert(instance);
      },
      onGarpSent: (instance, count) => {
        this.extraOf(instance).stats.garpSent += count;
        this.metrics.garpSent(instance, count);
      },
      onNotify: (target, state, priority) => {
        void this.health.notifier.notify({ kind: target.kind, name: target.name, state, priority });
      },
      onCloud: (instance, op) => this.cloud.run(instance, op),
      onClaimNow: (instance) => this.cloud.fire(instance),
      onError: (instance, what, err) => {
        const e = errText(err);
        if (what.includes('vips')) this.log.event('vip_error', { instance, vip: what, code: e.code, error: e.error });
        else this.log.event('internal_error', { instance, code: `${what}:${e.code}`, error: e.error });
      },
    };
  }

  /** An instance's state and effective priority now (INIT at base priority before the runtime has it). */
  private instanceView(name: string, model: ConfigModel = this.model): TrackerUser {
    const st = this.runtime?.instances.get(name)?.state;
    if (st) return { instance: name, state: st.state, priority: st.priority };
    return { instance: name, state: 'INIT', priority: model.instances.find((i) => i.name === name)?.priority ?? 0 };
  }

  private async makeHealth(model: ConfigModel): Promise<Health> {
    const priorityFifo = new Set(model.instances.filter((i) => i.notifyPriorityChanges).map((i) => i.name));
    let health: Health | undefined;
    const tracking = new TrackingLog({
      log: this.log,
      metrics: this.metrics,
      usersOf: (kind: TrackerKind, name: string) => (health?.hub.instancesTracking(kind, name) ?? []).map((n) => this.instanceView(n, model)),
      openChecks: new Set(model.scripts.filter((s) => s.script && openCheckOf(s.script.argv)).map((s) => s.name)),
    });
    health = await Health.create(model, {
      onInputs: (instance, inputs, snapshot) => {
        const ri = this.runtime?.instances.get(instance);
        if (!ri) return;
        const before = ri.state.priority;
        for (const input of inputs) this.runtime.input(instance, input);
        const after = ri.state.priority;
        if (after !== before) {
          this.log.event('instance_priority', { instance, prevPriority: before, priority: after, reason: `adjustment ${snapshot.adjustment}` });
          this.metrics.setPriority(instance, ri.params.priority, after);
          // notify_priority_changes: keepalived 2.2.7 writes MASTER_PRIORITY while MASTER and
          // BACKUP_PRIORITY in any other state (INIT included), FIFO only.
          if (priorityFifo.has(instance)) this.health.notifier.notifyPriority('INSTANCE', instance, ri.state.state === 'MASTER' ? 'MASTER' : 'BACKUP', after);
        }
      },
      // Result changes, timeouts, spawn errors, output (debug): src/ops/tracking-log.ts.
      onScriptEvent: (e) => tracking.scriptEvent(e),
      onNotifyEvent: (e) => {
        if (e.type === 'notify_started') this.log.event('notify_run', { instance: e.target, script: e.argv.join(' '), state: e.state as VrrpState });
        else if (e.type === 'notify_timeout') this.log.event('script_timeout', { script: e.argv.join(' '), timeoutMs: e.timeoutMs });
        else if (e.type === 'notify_spawn_error') this.log.event('script_failed', { script: e.argv.join(' '), code: 'spawn', error: e.error, instance: e.target });
      },
      onRefused: (what, code, reason) => this.log.event('script_failed', { script: what, code, error: reason }),
    });
    // Interfaces, track_files and vrrp_track_processes: tracker_changed and keepvip_tracker_up.
    health.hub.onTrackerChange((kind, name, up, detail) => tracking.trackerChanged(kind, name, up, detail));
    return health;
  }

  /** Cloud claims: the CloudManager (loaded then) when an instance has a cloud_vip. */
  private async makeCloud(model: ConfigModel): Promise<CloudPort> {
    if (!model.instances.some((i) => i.cloudVip)) return NO_CLOUD;
    const { CloudManager } = await import('./shell/cloud.js');
    return new CloudManager(
      model,
      // Claims and warnings, with the instance's state and priority: src/ops/cloud-log.ts.
      (instance, provider, ev) =>
        logCloudEvent({ log: this.log, metrics: this.metrics, instanceState: (name) => this.instanceView(name, model) }, instance, provider, ev),
      (ifname) => {
        try {
          return ifMac(ifname);
        } catch {
          return undefined;
        }
      },
    );
  }

  private statusLine(): string {
    return statusSummary([...this.runtime.instances.values()].map((ri) => ({ name: ri.name, state: ri.state.state, priority: ri.state.priority })));
  }

  /** Open everything and start the instances. Throws on a start-up failure (nothing left open). */
  async start(): Promise<void> {
    const model = this.model;
    if (model.keepvip.metricsListen !== undefined) {
      // prom-client (with its process metrics) only when an endpoint can serve them.
      const { Metrics } = await import('./ops/metrics.js');
      this.prom = new Metrics({ version: VERSION, processMetrics: true });
      this.metrics = this.prom;
    }
    this.log.event('daemon_starting', { version: VERSION, pid: process.pid, configFile: this.opts.configFile });
    if (this.opts.pidFile) writeFileSync(this.opts.pidFile, `${process.pid}\n`);
    this.platform = new LinuxPlatform({
      forwardScope: model.keepvip.ipForwardScope,
      onPacket: (payload, meta) => this.runtime?.receive(meta.rxTime === undefined ? { payload, meta } : { payload, meta, rxTime: meta.rxTime }),
      onSocketError: (ifname, err) => this.log.event('internal_error', { code: 'socket', error: `${ifname}: ${err.message}` }),
      onForwarding: (_scope, enabled, instance) => this.log.event('forwarding_set', { enabled, instance }),
    });
    try {
      const instances = await this.buildInstances(model);
      this.openSockets(instances);
      if (model.keepvip.manageIpForward) {
        await this.platform.initForwarding(instances.map((c) => ({ family: c.params.family, ifname: c.params.ifname })));
      }
      // keepalived removes each instance's VIPs at start-up ("(VI_1) removing VIPs."): a VIP
      // left by a crashed predecessor must not stay on a BACKUP. Owners (255) go MASTER at
      // once and keep theirs. Deleting an absent address is a no-op.
      for (const c of instances) {
        if (c.params.priority === 255) continue;
        await this.platform.removeAddresses([...c.vips, ...c.excludedVips]).catch((err: unknown) => {
          const e = errText(err);
          this.log.event('vip_error', { instance: c.params.name, vip: 'remove-vips', code: e.code, error: e.error });
        });
      }
      this.health = await this.makeHealth(model);
      this.cloud = await this.makeCloud(model);
      this.runtime = new Runtime(this.platform, new Scheduler(timerfdSource), this.hooks());
      this.runtime.configure(
        instances,
        model.syncGroups.map((sg) => ({ name: sg.name, members: sg.members })),
      );
      const ifnames = [...new Set(instances.map((c) => c.params.ifname))];
      this.watcher = await LinkWatcher.start((ev) => this.onNetEvent(ev));
      for (const ifname of ifnames) {
        const st = this.watcher.state(ifname);
        this.health.linkState(ifname, st ? st.up : false);
      }
      for (const ifname of this.trackedInterfaces(model)) {
        const st = this.watcher.state(ifname);
        this.health.linkState(ifname, st ? st.up : false);
      }
      await this.health.start();
      for (const c of instances) {
        this.metrics.addInstance(c.params.name, 'INIT', c.params.priority, c.params.priority);
        c.initialFaults = [];
        for (const input of this.health.initialInputs(c.params.name)) {
          if (input.type === 'FaultChanged') c.initialFaults.push(input.source);
          else c.initialAdjustment = input.adjustment;
        }
      }
      this.runtime.start();
      // Cloud discovery now rather than at the first failover (not awaited).
      this.cloud.prepare();
      void this.checkCloudPlacement(model);
      await this.startOps();
    } catch (err) {
      this.closeAll();
      throw err;
    }
    this.log.event('daemon_ready', { instances: this.runtime.instances.size });
    this.sd.notifyReady(this.statusLine());
    this.sd.startWatchdog();
    const flush = setInterval(() => this.drops.flush(), 1000);
    flush.unref();
    this.timers.push(flush);
  }

  /**
   * The cloud vendor's VIP constraints, as warnings at start-up: a VIP outside its
   * interface's subnet cannot be bound; several NICs in one subnet break the return path;
   * more than 8 VIPs on the server is past the recommended number, more than 10 on one NIC
   * past the limit.
   */
  private async checkCloudPlacement(model: ConfigModel): Promise<void> {
    const vips: VipPlacement[] = [];
    for (const inst of model.instances) {
      if (!inst.cloudVip || !inst.interface) continue;
      for (const address of cloudVipAddresses(inst)) vips.push({ address, ifname: inst.interface });
    }
    if (!vips.length) return;
    let client: RtnlClient | undefined;
    try {
      client = RtnlClient.open();
      const links = await client.dumpLinks();
      const names = new Map(links.map((l) => [l.ifindex, l.ifname]));
      const vipSet = new Set(model.instances.flatMap((i) => [...i.vips, ...i.excludedVips].map((v) => v.address)));
      const nics: NicAddress[] = (await client.dumpAddresses())
        .filter((a) => a.scope === 0 && !vipSet.has(a.address) && names.get(a.ifindex) !== 'lo')
        .map((a) => ({ ifname: names.get(a.ifindex) ?? String(a.ifindex), address: a.address, prefixLength: a.prefixLen }));
      for (const w of checkCloudConstraints(vips, nics)) {
        this.log.event('cloud_warning', { provider: '-', code: w.code, message: w.message, ...(w.vip ? { vip: w.vip } : {}) });
      }
    } catch (err) {
      this.log.event('cloud_warning', { provider: '-', code: 'PLACEMENT_CHECK_FAILED', message: errText(err).error });
    } finally {
      client?.close();
    }
  }

  private trackedInterfaces(model: ConfigModel): string[] {
    const out = new Set<string>();
    for (const i of model.instances) for (const t of i.trackInterfaces) out.add(t.name);
    for (const g of model.syncGroups) for (const t of g.trackInterfaces) out.add(t.name);
    return [...out];
  }

  private async startOps(): Promise<void> {
    const k = this.model.keepvip;
    if (k.metricsListen && this.prom) {
      const prom = this.prom;
      this.metricsServer = await startMetricsServer({
        listen: k.metricsListen,
        text: () => prom.text(),
        contentType: prom.registry.contentType,
      });
      const a = this.metricsServer.address;
      this.log.event('metrics_listening', { address: `${a.host}:${a.port}` });
    }
    const path = k.controlSocket ?? DEFAULT_CONTROL_SOCKET;
    try {
      this.control = await startControlServer({
        path,
        snapshot: () => this.snapshot(),
        reload: () => this.reload('control'),
        onError: (e) => this.log.event('control_error', errText(e)),
      });
      this.log.event('control_listening', { path });
    } catch (err) {
      // The control socket is for operators; VRRP runs without it.
      this.log.event('control_error', errText(err));
    }
  }

  /** Link and address events: trackers follow links; a VIP deleted by someone else while MASTER comes back. */
  private onNetEvent(ev: NetEvent): void {
    if (ev.type === 'link') {
      this.health.linkState(ev.ifname, ev.up && ev.removed !== true);
      return;
    }
    if (ev.type === 'addr') {
      // The interface losing the instance's own address (the advert source) is a FAULT,
      // as keepalived does; it clears when the address comes back.
      for (const ri of this.runtime.instances.values()) {
        if (ri.params.ifname !== ev.ifname || ri.params.primaryIp !== ev.address) continue;
        const source = `address:${ev.address}`;
        const has = ri.state.faults.includes(source);
        if ((ev.op === 'del') !== has) this.runtime.input(ri.name, { type: 'FaultChanged', source, fault: ev.op === 'del' });
      }
    }
    if (ev.type === 'addr' && ev.op === 'del') {
      for (const ri of this.runtime.instances.values()) {
        if (ri.state.state !== 'MASTER') continue;
        const vip = [...ri.cfg.vips, ...ri.cfg.excludedVips].find((v) => v.address === ev.address && v.dev === ev.ifname);
        if (vip) {
          this.log.event('vips_added', { instance: ri.name, ifname: ev.ifname, vips: [vip.address] });
          void this.platform.addAddresses([vip]).catch((err: unknown) => this.hooks().onError(ri.name, 'add-vips', err));
        }
      }
    }
  }

  /** The status snapshot for `keepvip status`, dumps and the control socket. */
  snapshot(): StatusSnapshot {
    const instances: InstanceStatus[] = [];
    for (const ri of this.runtime.instances.values()) {
      const s = ri.state;
      const p = ri.params;
      const x = this.extraOf(ri.name);
      const cfg = instanceConfigFromParams(p, masterDownInterval(p.version, s.priority, s.masterAdverIntervalCs, p.downTimerAdverts));
      const { garpDelayMs, garpRefreshMs, ...rest } = cfg;
      const expl = this.health.hub.explain(ri.name, p.priority);
      const cloud = this.cloud.status(ri.name)[0];
      const group = ri.unit.kind === 'GROUP' ? ri.unit.name : null;
      instances.push({
        ...rest,
        // keepalived lists VIPs as ADDR/LEN (the data and JSON dumps format them so).
        vips: ri.cfg.vips.map(vipText),
        state: s.state,
        priority: {
          base: p.priority,
          effective: s.priority,
          adjustments: expl.contributions
            .filter((c) => c.adjust !== 0)
            .map((c) => ({ source: c.name, kind: c.kind, delta: c.adjust })),
        },
        master:
          s.state !== 'MASTER' && s.masterIp
            ? { ip: s.masterIp, priority: s.masterPriority ?? 0, intervalCs: s.masterAdverIntervalCs, at: Date.now() }
            : null,
        vipsSet: ri.vipsPresent,
        garp: { delayMs: garpDelayMs, repeat: ri.cfg.garpRepeat, refreshMs: garpRefreshMs, refreshRepeat: 1 },
        faults: [...s.faults],
        syncGroup: group,
        lastTransition: x.lastTransition,
        cloud: cloud
          ? {
              provider: cloud.provider,
              state: (cloud.state === 'cancelled' ? 'idle' : cloud.state) as NonNullable<InstanceStatus['cloud']>['state'],
              since: Date.now(),
              attempts: cloud.attempts,
              ...(cloud.lastError ? { lastError: { code: cloud.lastError.split(':')[0]!, message: cloud.lastError } } : {}),
              ...(cloud.lastLatencyMs !== undefined ? { lastDurationMs: cloud.lastLatencyMs } : {}),
            }
          : null,
        stats: x.stats,
      });
    }
    const groups: StatusSnapshot['syncGroups'] = [];
    for (const ri of this.runtime.instances.values()) {
      if (ri.unit.kind !== 'GROUP' || groups.some((g) => g.name === ri.unit.name)) continue;
      const members = [...this.runtime.instances.values()].filter((m) => m.unit === ri.unit);
      const states = members.map((m) => m.state.state);
      const state: VrrpState = states.includes('FAULT') ? 'FAULT' : states.every((x) => x === 'MASTER') ? 'MASTER' : states.every((x) => x === 'STOP') ? 'STOP' : 'BACKUP';
      groups.push({ name: ri.unit.name, state, members: members.map((m) => m.name) });
    }
    const g = this.model.globalDefs;
    return {
      schema: 1,
      generatedAt: Date.now(),
      daemon: {
        pid: process.pid,
        version: VERSION,
        startedAt: this.startedAt,
        configFile: this.opts.configFile,
        routerId: g.routerId ?? hostname(),
        lastReload: this.lastReload,
        globalDrops: Object.fromEntries(this.runtime.globalDrops) as Partial<Record<DropReason, number>>,
        globals: {
          vrrpVersion: g.vrrpVersion,
          mcastGroup4: g.mcastGroup4,
          mcastGroup6: g.mcastGroup6,
          garpDelayMs: g.garpMasterDelay * 1000,
          garpRepeat: g.garpMasterRepeat,
          garpRefreshMs: g.garpMasterRefresh * 1000,
          garpRefreshRepeat: g.garpMasterRefreshRepeat,
          downTimerAdverts: g.downTimerAdverts,
          checkUnicastSrc: g.checkUnicastSrc,
          skipCheckAdvAddr: g.skipCheckAdvAddr,
          strictMode: g.strict,
          scriptSecurity: g.enableScriptSecurity,
        },
      },
      instances,
      trackers: [],
      syncGroups: groups,
    };
  }

  /**
   * SIGHUP: re-parse; a configuration with errors is refused and the running one kept.
   * Instances matched by (VRID, family, interface) keep their state (runtime.reload).
   */
  reload(trigger: string): Promise<ReloadResult> {
    // One at a time: a SIGHUP during a reload waits for it, then reads the file again.
    const next = this.reloadChain.then(() => this.reloadNow(trigger));
    this.reloadChain = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(trigger: string): Promise<ReloadResult> {
    if (this.stopping) return { ok: false, message: 'stopping' };
    this.log.event('reload_started', { signal: trigger });
    this.sd.reloading();
    const t0 = Date.now();
    const fail = (code: string, message: string): ReloadResult => {
      this.lastReload = { at: Date.now(), ok: false, error: message };
      this.log.event('reload_failed', { code, error: message });
      this.sd.reloaded(this.statusLine());
      return { ok: false, message };
    };
    let result;
    try {
      // Off the main thread: a large file must not hold back the adverts.
      result = await loadConfigOffThread(this.opts.configFile, { configId: this.opts.configId });
    } catch (err) {
      return fail('config-file-unreadable', errText(err).error);
    }
    if (!result.offThread) this.log.event('config_load_inline', { reason: result.fallbackReason ?? 'unknown' });
    if (this.stopping) return { ok: false, message: 'stopping' };
    if (!result.ok) {
      // The first errors are logged; thousands of lines would only delay the adverts
      // (`keepvip -t` prints them all).
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      for (const d of errors.slice(0, RELOAD_ERRORS_LOGGED)) {
        this.log.event('config_error', { file: d.pos.file, line: d.pos.line, message: formatDiagnostic(d) });
      }
      const more = errors.length > RELOAD_ERRORS_LOGGED ? ` (the first ${RELOAD_ERRORS_LOGGED} logged; keepvip -t lists them all)` : '';
      return fail('config-invalid', `${errors.length} error(s) in the new configuration${more}`);
    }
    const model = result.model;
    // keepalived would reload into nothing and stop VRRP; a file emptied or cut off before
    // its first instance is far likelier than a wish to stop every instance by SIGHUP.
    if (model.instances.length === 0 && this.model.instances.length > 0) {
      return fail('config-no-instances', 'the new configuration has no vrrp_instance; stop the service to remove every instance');
    }
    try {
      for (const s of secretsOf(model)) this.log.addSecret(s);
      const instances = await this.buildInstances(model);
      this.openSockets(instances);
      if (model.keepvip.manageIpForward) {
        await this.platform.initForwarding(instances.map((c) => ({ family: c.params.family, ifname: c.params.ifname })));
      }
      const trackingChanged =
        JSON.stringify(this.trackingPart(model)) !== JSON.stringify(this.trackingPart(this.model));
      if (trackingChanged) {
        const old = this.health;
        this.health = await this.makeHealth(model);
        for (const ifname of [...new Set([...instances.map((c) => c.params.ifname), ...this.trackedInterfaces(model)])]) {
          const st = this.watcher?.state(ifname);
          this.health.linkState(ifname, st ? st.up : false);
        }
        await old.stop(200);
        await this.health.start();
      }
      for (const c of instances) {
        c.initialFaults = [];
        for (const input of this.health.initialInputs(c.params.name)) {
          if (input.type === 'FaultChanged') c.initialFaults.push(input.source);
          else c.initialAdjustment = input.adjustment;
        }
      }
      const oldCloud = this.cloud;
      this.cloud = await this.makeCloud(model);
      this.model = model;
      const report = this.runtime.reload(
        instances,
        model.syncGroups.map((sg) => ({ name: sg.name, members: sg.members })),
      );
      // Kept instances: bring tracking in line (faults cleared or set by the new trackers).
      if (trackingChanged) {
        for (const name of report.kept) {
          const ri = this.runtime.instances.get(name)!;
          const want = new Set(this.health.initialInputs(name).flatMap((i) => (i.type === 'FaultChanged' ? [i.source] : [])));
          for (const f of ri.state.faults) if (!want.has(f)) this.runtime.input(name, { type: 'FaultChanged', source: f, fault: false });
          for (const f of want) this.runtime.input(name, { type: 'FaultChanged', source: f, fault: true });
          this.runtime.input(name, { type: 'PriorityChanged', adjustment: this.health.hub.snapshot(name).adjustment });
        }
      }
      for (const name of report.kept) if (ri(this.runtime, name)?.state.state === 'MASTER') this.cloud.run(name, 'claim');
      for (const name of report.removed) {
        this.metrics.removeInstance(name);
        this.drops.forget(name);
      }
      for (const name of report.added) {
        const r = this.runtime.instances.get(name)!;
        this.metrics.addInstance(name, r.state.state, r.params.priority, r.state.priority);
      }
      void oldCloud.close(0);
      this.cloud.prepare();
      this.lastReload = { at: Date.now(), ok: true };
      this.log.event('reload_done', {
        instances: this.runtime.instances.size,
        added: report.added,
        removed: report.removed,
        durationMs: Date.now() - t0,
      });
      this.sd.reloaded(this.statusLine());
      return { ok: true, message: `kept ${report.kept.length}, added ${report.added.length}, removed ${report.removed.length}` };
    } catch (err) {
      return fail(errText(err).code, errText(err).error);
    }
  }

  private trackingPart(m: ConfigModel): unknown {
    return {
      scripts: m.scripts,
      trackFiles: m.trackFiles,
      trackProcesses: m.trackProcesses,
      notify: m.instances.map((i) => [i.name, i.notify, i.trackScripts, i.trackInterfaces, i.trackFiles, i.trackProcesses, i.dontTrackPrimary, i.interface]),
      groups: m.syncGroups,
      fifo: [m.globalDefs.notifyFifo, m.globalDefs.vrrpNotifyFifo, m.globalDefs.scriptUser, m.globalDefs.enableScriptSecurity],
    };
  }

  async dump(format: DumpFormat): Promise<void> {
    try {
      const dir = this.model.keepvip.dumpDir;
      const path = await writeDump(format, this.snapshot(), {
        secrets: secretsOf(this.model),
        ...(dir ? { path: `${dir}/keepalived.${format}` } : {}),
      });
      this.log.event('dump_written', { dump: format, path });
    } catch (err) {
      this.log.event('dump_failed', { dump: format, path: '-', ...errText(err) });
    }
  }

  /** Graceful stop (SIGTERM/SIGINT): priority 0 from every MASTER, VIPs removed, notify_stop, forwarding restored. */
  async stop(signal: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.event('daemon_stopping', { signal });
    this.sd.notifyStopping();
    this.sd.stopWatchdog();
    for (const t of this.timers) clearInterval(t);
    try {
      await this.runtime.shutdown();
      await Promise.all([this.health.stop(STOP_BOUND_MS), this.cloud.close(STOP_BOUND_MS)]);
      await this.platform.restoreForwarding();
    } catch (err) {
      this.log.event('internal_error', errText(err));
    }
    this.drops.flush();
    this.closeAll();
  }

  private closeAll(): void {
    this.watcher?.close();
    this.runtime?.scheduler.close();
    this.platform?.close();
    void this.metricsServer?.close();
    void this.control?.close();
    if (this.opts.pidFile) {
      try {
        unlinkSync(this.opts.pidFile);
      } catch {
        /* already gone */
      }
    }
  }
}

function ri(rt: Runtime, name: string) {
  return rt.instances.get(name);
}

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const started = Date.now();
  const d = new Daemon(opts);
  try {
    await d.start();
  } catch (err) {
    d.log.event('internal_error', errText(err));
    return 1;
  }
  return new Promise<number>((resolve) => {
    const handlers: Array<[NodeJS.Signals, () => void]> = [];
    const on = (sig: NodeJS.Signals, fn: () => void): void => {
      handlers.push([sig, fn]);
      process.on(sig, fn);
    };
    const stop = (signal: string): void => {
      const hard = setTimeout(() => {
        d.log.event('internal_error', { code: 'ERR_STOP_TIMEOUT', error: 'graceful stop took too long' });
        finish(1);
      }, 5000);
      hard.unref();
      void d.stop(signal).then(() => {
        clearTimeout(hard);
        finish(0);
      });
    };
    const finish = (code: number): void => {
      for (const [sig, fn] of handlers) process.off(sig, fn);
      d.log.event('daemon_stopped', { durationMs: Date.now() - started });
      resolve(code);
    };
    on('SIGTERM', () => stop('SIGTERM'));
    on('SIGINT', () => stop('SIGINT'));
    on('SIGHUP', () => void d.reload('SIGHUP'));
    on('SIGUSR1', () => void d.dump('data'));
    on('SIGUSR2', () => void d.dump('stats'));
  });
}
