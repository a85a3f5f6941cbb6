/**
 * Builds tracking (scripts, interfaces, files, processes) and notifications from the
 * configuration model and connects them to the runtime: every tracker change becomes a
 * PriorityChanged / FaultChanged input at once; every Notify action becomes notify
 * scripts (run in transition order per instance) and FIFO lines.
 */
import type { ConfigModel, ScriptCommand, TrackRef, VrrpInstance } from '../config/model.js';
import { FifoWriter } from '../notify/fifo.js';
import { Notifier, type NotifyLogEvent, type NotifyScript, type NotifyTarget } from '../notify/notifier.js';
import { FileWatcher } from '../track/file.js';
import { TrackingHub, type InstanceTracking, type TrackerRef, type TrackingInput, type TrackingSnapshot } from '../track/hub.js';
import { prepareScript, type ScriptGlobals } from '../track/prepare.js';
import { ProcessMonitor } from '../track/process.js';
import { ScriptRunner, type ScriptEvent } from '../track/script-runner.js';

/** The scripts' first runs are spread over this much (or their interval, when shorter). */
const SCRIPT_SPREAD_MS = 1000;

export interface HealthEvents {
  onInputs(instance: string, inputs: TrackingInput[], snapshot: TrackingSnapshot): void;
  onScriptEvent(e: ScriptEvent): void;
  onNotifyEvent(e: NotifyLogEvent): void;
  onRefused(what: string, code: string, reason: string): void;
}

function refs(kind: TrackerRef['kind'], list: TrackRef[], defaults: Map<string, { weight: number; reverse: boolean }>): TrackerRef[] {
  return list.map((r) => {
    const d = defaults.get(r.name);
    return { kind, name: r.name, weight: r.weight ?? d?.weight ?? 0, reverse: r.reverse ?? d?.reverse ?? false };
  });
}

/** Each instance's trackers, sync-group trackers copied onto every member, the own interface unless dont_track_primary. */
export function instanceTrackers(model: ConfigModel): InstanceTracking[] {
  const scriptDefaults = new Map(model.scripts.map((s) => [s.name, { weight: s.weight, reverse: s.reverse }]));
  const fileDefaults = new Map(model.trackFiles.map((f) => [f.name, { weight: f.weight, reverse: f.reverse }]));
  const procDefaults = new Map(model.trackProcesses.map((p) => [p.name, { weight: p.weight, reverse: p.reverse }]));
  const none = new Map<string, { weight: number; reverse: boolean }>();
  const groupOf = new Map<string, (typeof model.syncGroups)[number]>();
  for (const g of model.syncGroups) for (const m of g.members) groupOf.set(m, g);
  return model.instances.map((inst: VrrpInstance) => {
    const g = groupOf.get(inst.name);
    const trackers: TrackerRef[] = [
      ...refs('script', [...inst.trackScripts, ...(g?.trackScripts ?? [])], scriptDefaults),
      ...refs('interface', [...inst.trackInterfaces, ...(g?.trackInterfaces ?? [])], none),
      ...refs('file', [...inst.trackFiles, ...(g?.trackFiles ?? [])], fileDefaults),
      ...refs('process', [...inst.trackProcesses, ...(g?.trackProcesses ?? [])], procDefaults),
    ];
    if (!inst.dontTrackPrimary && inst.interface && !trackers.some((t) => t.kind === 'interface' && t.name === inst.interface)) {
      trackers.push({ kind: 'interface', name: inst.interface, weight: 0, reverse: false });
    }
    return { name: inst.name, trackers };
  });
}

export class Health {
  readonly hub: TrackingHub;
  notifier!: Notifier;
  private runners: ScriptRunner[] = [];
  private startTimers: NodeJS.Timeout[] = [];
  private files: FileWatcher | undefined;
  private processes: ProcessMonitor | undefined;
  private fifos: FifoWriter[] = [];

  private constructor(
    private readonly model: ConfigModel,
    private readonly events: HealthEvents,
  ) {
    this.hub = new TrackingHub(
      instanceTrackers(model),
      model.scripts.map((s) => ({ name: s.name, rise: s.rise, fall: s.fall, initFail: s.initFail })),
    );
    this.hub.onChange((instance, inputs, snapshot) => this.events.onInputs(instance, inputs, snapshot));
  }

  private get globals(): ScriptGlobals {
    const g = this.model.globalDefs;
    const out: ScriptGlobals = { enableScriptSecurity: g.enableScriptSecurity };
    if (g.scriptUser) out.scriptUser = g.scriptUser;
    return out;
  }

  /** Prepare every script (security checks, users) and the notify targets; nothing runs yet. */
  static async create(model: ConfigModel, events: HealthEvents): Promise<Health> {
    const h = new Health(model, events);
    await h.prepareTrackers();
    await h.prepareNotify();
    return h;
  }

  private async prepareTrackers(): Promise<void> {
    const used = new Set(instanceTrackers(this.model).flatMap((i) => i.trackers.filter((t) => t.kind === 'script').map((t) => t.name)));
    for (const s of this.model.scripts) {
      if (!used.has(s.name)) continue;
      if (!s.script) {
        this.hub.remove('script', s.name);
        continue;
      }
      const p = await prepareScript({ argv: s.script.argv, user: s.user ?? s.script.user, group: s.group ?? s.script.group }, this.globals);
      if (!p.ok) {
        this.events.onRefused(`vrrp_script ${s.name}`, p.code, p.reason);
        this.hub.remove('script', s.name);
        continue;
      }
      const name = s.name;
      this.runners.push(
        new ScriptRunner({
          name,
          argv: p.argv,
          intervalMs: s.interval * 1000,
          timeoutMs: s.timeout * 1000,
          ...(p.uid !== undefined ? { uid: p.uid, gid: p.gid } : {}),
          onResult: (r) => {
            this.hub.scriptResult(name, r.ok);
          },
          onEvent: (e) => this.events.onScriptEvent(e),
        }),
      );
    }
    if (this.model.trackFiles.length) {
      this.files = new FileWatcher(
        this.model.trackFiles.filter((f) => f.file).map((f) => ({ name: f.name, file: f.file!, ...(f.initFile ? { initFile: f.initFile } : {}) })),
        { onValue: (name, value) => this.hub.fileValue(name, value) },
      );
    }
    if (this.model.trackProcesses.length) {
      this.processes = new ProcessMonitor(
        this.model.trackProcesses.map((p) => ({
          name: p.name,
          process: p.process,
          paramMatch: p.paramMatch ?? 'none',
          fullCommand: p.fullCommand,
          quorum: p.quorum,
          ...(p.quorumMax !== undefined ? { quorumMax: p.quorumMax } : {}),
          forkDelayMs: p.forkDelay * 1000,
          terminateDelayMs: p.terminateDelay * 1000,
        })),
        { onState: (name, ok, count) => this.hub.processState(name, ok, count) },
      );
    }
  }

  private async script(cmd: ScriptCommand | undefined, what: string): Promise<NotifyScript | undefined> {
    if (!cmd) return undefined;
    const p = await prepareScript({ argv: cmd.argv, user: cmd.user, group: cmd.group }, this.globals);
    if (!p.ok) {
      this.events.onRefused(what, p.code, p.reason);
      return undefined;
    }
    return { argv: p.argv, ...(p.uid !== undefined ? { uid: p.uid, gid: p.gid } : {}) };
  }

  private async prepareNotify(): Promise<void> {
    const targets: NotifyTarget[] = [];
    const add = async (kind: 'INSTANCE' | 'GROUP', name: string, n: VrrpInstance['notify']): Promise<void> => {
      const t: NotifyTarget = { kind, name };
      const label = `${kind === 'INSTANCE' ? 'vrrp_instance' : 'vrrp_sync_group'} ${name}`;
      const set = async (k: keyof VrrpInstance['notify'], key: keyof NotifyTarget): Promise<void> => {
        const s = await this.script(n[k], `${label} ${String(k)}`);
        if (s) (t as unknown as Record<string, NotifyScript>)[key] = s;
      };
      await set('master', 'master');
      await set('backup', 'backup');
      await set('fault', 'fault');
      await set('stop', 'stop');
      await set('generic', 'generic');
      await set('masterRxLowerPri', 'masterRxLowerPri');
      targets.push(t);
    };
    for (const i of this.model.instances) await add('INSTANCE', i.name, i.notify);
    for (const g of this.model.syncGroups) await add('GROUP', g.name, g.notify);
    const g = this.model.globalDefs;
    for (const f of [g.notifyFifo, g.vrrpNotifyFifo]) {
      if (!f) continue;
      try {
        this.fifos.push(await FifoWriter.open(f.path));
      } catch (err) {
        const e = err as { code?: string; message?: string };
        this.events.onRefused(`notify_fifo ${f.path}`, e.code ?? 'KV_FIFO_OPEN', e.message ?? String(err));
      }
    }
    this.notifier = new Notifier({ targets, fifos: this.fifos, onEvent: (e) => this.events.onNotifyEvent(e) });
  }

  /**
   * Start scripts, file watches and process scans. The scripts' first runs are spread over
   * (at most) one interval: child_process.spawn blocks the event loop until the child has
   * exec'd (milliseconds each on a busy host), so forty fixed-rate scripts started in the
   * same turn would fork together every second and hold adverts back by hundreds of ms
   * (test/integration/tracking-load.test.ts). keepalived's scripts drift apart on their own
   * (each is rescheduled when its run ends); keepvip's fixed-rate runners would stay aligned.
   */
  async start(): Promise<void> {
    const n = this.runners.length;
    this.runners.forEach((r, i) => {
      const intervalMs = (this.model.scripts.find((s) => s.name === r.name)?.interval ?? 1) * 1000;
      const offset = Math.floor((i * Math.min(intervalMs, SCRIPT_SPREAD_MS)) / n);
      if (offset === 0) r.start();
      else this.startTimers.push(setTimeout(() => r.start(), offset));
    });
    this.processes?.start();
    await this.files?.start();
  }

  /** Inputs that bring a fresh instance in line with what is known now. */
  initialInputs(instance: string): TrackingInput[] {
    return this.hub.initialInputs(instance);
  }

  linkState(ifname: string, up: boolean): void {
    this.hub.linkState(ifname, up);
  }

  /** Stop trackers; let notify scripts (STOP) finish within the bound. */
  async stop(boundMs: number): Promise<void> {
    for (const t of this.startTimers.splice(0)) clearTimeout(t);
    await Promise.all(this.runners.map((r) => r.stop()));
    this.files?.stop();
    this.processes?.stop();
    await this.notifier.drain(boundMs);
    await Promise.all(this.fifos.map((f) => f.close()));
  }
}
