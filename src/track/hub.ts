/**
 * Per-instance aggregation of every tracker, pure (no I/O, no clock).
 *
 * The runners (scripts, /proc scans, track files) and the link monitor feed results in;
 * for each instance the hub keeps { adjustment, faults, pending } and, the moment one of
 * them changes, hands the listener exactly the state machine's two tracking inputs:
 * `PriorityChanged { adjustment }` (the sum of all adjustments; the core clamps) and
 * `FaultChanged { source, fault }` per weight-0 tracker that changed.
 *
 * `pending` lists trackers that have not reported yet (scripts before their first
 * result, processes before the first scan). keepalived 2.2.7 keeps an instance with a
 * pending weight-0 script in INIT, without adverts or notifies, until the first result;
 * the daemon should send `Startup` once `pendingFaultSources` is empty (bounded by the
 * script timeout).
 */
import type { Input } from '../core/fsm/types.js';
import {
  applyScriptResult,
  effectivePriority,
  fileEffect,
  initialScriptCounter,
  scriptPending,
  weightedEffect,
  type Effect,
  type ScriptCounter,
} from './state.js';

export type TrackerKind = 'script' | 'interface' | 'file' | 'process';

/** One tracker as an instance references it (weights already resolved: reference > object default). */
export interface TrackerRef {
  kind: TrackerKind;
  /** vrrp_script / track_file / vrrp_track_process name, or the interface name. */
  name: string;
  weight: number;
  reverse: boolean;
}

export interface ScriptDef {
  name: string;
  rise: number;
  fall: number;
  initFail: boolean;
}

export interface InstanceTracking {
  name: string;
  trackers: TrackerRef[];
}

export interface Contribution extends Effect {
  /** Stable id, also the FaultChanged source: `script:chk`, `interface:eth0`, `file:f`, `process:p`. */
  source: string;
  kind: TrackerKind;
  name: string;
  weight: number;
  reverse: boolean;
  pending: boolean;
  /** Human status: ok / failed / pending / up / down / unknown / value N / N processes. */
  status: string;
}

export interface TrackingSnapshot {
  adjustment: number;
  /** Sources currently forcing FAULT, in configuration order. */
  faults: string[];
  /** Sources not reported yet. */
  pending: string[];
  /** Pending sources with weight 0 (those hold the instance in INIT). */
  pendingFaultSources: string[];
  contributions: Contribution[];
}

export type TrackingInput = Extract<Input, { type: 'PriorityChanged' } | { type: 'FaultChanged' }>;

export type TrackingListener = (instance: string, inputs: TrackingInput[], snapshot: TrackingSnapshot) => void;

/**
 * A tracked interface, track_file or vrrp_track_process changed (or reported for the first
 * time): `up` is link up / no instance FAULTed by the file's value / process quorum met.
 * Called before the instances are refreshed, so listeners see the state the change
 * acts on. Scripts report through their runner (script_result), not here.
 */
export type TrackerListener = (kind: Exclude<TrackerKind, 'script'>, name: string, up: boolean, detail: string) => void;

export interface PriorityExplanation {
  base: number;
  adjustment: number;
  effective: number;
  owner: boolean;
  faults: string[];
  pending: string[];
  contributions: Contribution[];
  /** One line, e.g. "150 = 100 +50 (script:chk ok +50) -0 ...". */
  text: string;
}

export function sourceId(kind: TrackerKind, name: string): string {
  return `${kind}:${name}`;
}

interface ProcessStatus {
  ok: boolean;
  count: number;
}

export class TrackingHub {
  private readonly instances = new Map<string, InstanceTracking>();
  private readonly scripts = new Map<string, ScriptCounter>();
  private readonly links = new Map<string, boolean>();
  private readonly files = new Map<string, number>();
  private readonly processes = new Map<string, ProcessStatus>();
  private readonly removed = new Set<string>();
  private readonly last = new Map<string, TrackingSnapshot>();
  private readonly listeners: TrackingListener[] = [];
  private readonly trackerListeners: TrackerListener[] = [];

  constructor(instances: InstanceTracking[], scripts: ScriptDef[]) {
    for (const s of scripts) this.scripts.set(s.name, initialScriptCounter(s.rise, s.fall, s.initFail));
    for (const i of instances) {
      this.instances.set(i.name, { name: i.name, trackers: i.trackers.map((t) => ({ ...t })) });
    }
    for (const i of instances) this.last.set(i.name, this.compute(i.name));
  }

  onChange(fn: TrackingListener): () => void {
    this.listeners.push(fn);
    return () => {
      const k = this.listeners.indexOf(fn);
      if (k >= 0) this.listeners.splice(k, 1);
    };
  }

  /** Told of every change of a tracked interface, file or process (see TrackerListener). */
  onTrackerChange(fn: TrackerListener): () => void {
    this.trackerListeners.push(fn);
    return () => {
      const k = this.trackerListeners.indexOf(fn);
      if (k >= 0) this.trackerListeners.splice(k, 1);
    };
  }

  /** The instances that track (kind, name), in configuration order. */
  instancesTracking(kind: TrackerKind, name: string): string[] {
    const out: string[] = [];
    for (const inst of this.instances.values()) {
      if (inst.trackers.some((t) => t.kind === kind && t.name === name)) out.push(inst.name);
    }
    return out;
  }

  /** Inputs that bring a fresh state machine in line with the current tracking state. */
  initialInputs(instance: string): TrackingInput[] {
    const s = this.snapshot(instance);
    const out: TrackingInput[] = [];
    for (const f of s.faults) out.push({ type: 'FaultChanged', source: f, fault: true });
    if (s.adjustment !== 0) out.push({ type: 'PriorityChanged', adjustment: s.adjustment });
    return out;
  }

  snapshot(instance: string): TrackingSnapshot {
    const s = this.last.get(instance);
    if (!s) throw new Error(`unknown instance ${instance}`);
    return s;
  }

  instanceNames(): string[] {
    return [...this.instances.keys()];
  }

  // --- inputs from the runners -----------------------------------------------------

  scriptResult(name: string, success: boolean): void {
    const c = this.scripts.get(name);
    if (!c) return;
    this.scripts.set(name, applyScriptResult(c, success));
    this.refresh('script', name);
  }

  linkState(ifname: string, up: boolean): void {
    if (this.links.get(ifname) === up) return;
    this.links.set(ifname, up);
    this.tell('interface', ifname, up, up ? 'link up' : 'link down');
    this.refresh('interface', ifname);
  }

  fileValue(name: string, value: number): void {
    if (this.files.get(name) === value) return;
    this.files.set(name, value);
    // Every new value is a change (it moves the priority); up: no instance FAULTed by it.
    if (this.trackerListeners.length) {
      this.tell('file', name, !this.faultsAny('file', name, (t) => fileEffect(value, t.weight, t.reverse).fault), `value ${value}`);
    }
    this.refresh('file', name);
  }

  processState(name: string, ok: boolean, count: number): void {
    const prev = this.processes.get(name);
    if (prev && prev.ok === ok && prev.count === count) return;
    this.processes.set(name, { ok, count });
    if (!prev || prev.ok !== ok) this.tell('process', name, ok, `${count} process${count === 1 ? '' : 'es'}`);
    // Only `ok` matters to instances; a count change alone just updates the status text.
    this.refresh('process', name, prev !== undefined && prev.ok === ok);
  }

  /**
   * Stop tracking an object everywhere (keepalived drops a script refused by the
   * security check, or one that cannot be found, from every instance tracking it).
   */
  remove(kind: TrackerKind, name: string): void {
    this.removed.add(sourceId(kind, name));
    this.refresh(kind, name);
  }

  // --- explanation ---------------------------------------------------------------------

  explain(instance: string, base: number): PriorityExplanation {
    const s = this.snapshot(instance);
    const owner = base >= 255;
    const effective = effectivePriority(base, s.adjustment);
    const parts = s.contributions
      .filter((c) => c.adjust !== 0)
      .map((c) => `${c.adjust > 0 ? '+' : ''}${c.adjust} ${c.source} (${c.status})`);
    let text = `${effective} = ${base}${parts.length ? ' ' + parts.join(' ') : ''}`;
    if (owner) text = `255 (address owner: tracking does not change the priority)`;
    else if (base + s.adjustment !== effective) text += ` (clamped to 1..254 from ${base + s.adjustment})`;
    if (s.faults.length) text += `; FAULT: ${s.faults.join(', ')}`;
    if (s.pending.length) text += `; waiting for: ${s.pending.join(', ')}`;
    return { base, adjustment: s.adjustment, effective, owner, faults: s.faults, pending: s.pending, contributions: s.contributions, text };
  }

  // --- internals -----------------------------------------------------------------------

  /** Tell the tracker listeners, when some instance tracks (kind, name). */
  private tell(kind: Exclude<TrackerKind, 'script'>, name: string, up: boolean, detail: string): void {
    if (!this.trackerListeners.length || !this.isTracked(kind, name)) return;
    for (const fn of [...this.trackerListeners]) fn(kind, name, up, detail);
  }

  private isTracked(kind: TrackerKind, name: string): boolean {
    for (const inst of this.instances.values()) if (inst.trackers.some((t) => t.kind === kind && t.name === name)) return true;
    return false;
  }

  /** Whether the effect puts any instance tracking (kind, name) in FAULT. */
  private faultsAny(kind: TrackerKind, name: string, fault: (t: TrackerRef) => boolean): boolean {
    for (const inst of this.instances.values()) for (const t of inst.trackers) if (t.kind === kind && t.name === name && fault(t)) return true;
    return false;
  }

  private contribution(t: TrackerRef): Contribution {
    const source = sourceId(t.kind, t.name);
    const base = { source, kind: t.kind, name: t.name, weight: t.weight, reverse: t.reverse };
    const none = { adjust: 0, fault: false };
    switch (t.kind) {
      case 'script': {
        const c = this.scripts.get(t.name);
        if (!c || scriptPending(c)) return { ...base, ...none, pending: true, status: 'pending' };
        return { ...base, ...weightedEffect(t.weight, t.reverse, c.ok), pending: false, status: c.ok ? 'ok' : 'failed' };
      }
      case 'interface': {
        const up = this.links.get(t.name);
        // Unknown counts as up: the daemon reports every tracked link's state at start.
        return { ...base, ...weightedEffect(t.weight, t.reverse, up ?? true), pending: false, status: up === undefined ? 'unknown' : up ? 'up' : 'down' };
      }
      case 'file': {
        const v = this.files.get(t.name);
        return { ...base, ...fileEffect(v ?? 0, t.weight, t.reverse), pending: false, status: `value ${v ?? 0}` };
      }
      case 'process': {
        const p = this.processes.get(t.name);
        if (!p) return { ...base, ...none, pending: true, status: 'pending' };
        return { ...base, ...weightedEffect(t.weight, t.reverse, p.ok), pending: false, status: `${p.count} process${p.count === 1 ? '' : 'es'}${p.ok ? '' : ' (quorum not met)'}` };
      }
    }
  }

  private compute(instance: string): TrackingSnapshot {
    const inst = this.instances.get(instance)!;
    const contributions = inst.trackers.filter((t) => !this.removed.has(sourceId(t.kind, t.name))).map((t) => this.contribution(t));
    let adjustment = 0;
    for (const c of contributions) adjustment += c.adjust;
    const faults = unique(contributions.filter((c) => c.fault).map((c) => c.source));
    const pending = unique(contributions.filter((c) => c.pending).map((c) => c.source));
    const pendingFaultSources = unique(contributions.filter((c) => c.pending && c.weight === 0).map((c) => c.source));
    return { adjustment, faults, pending, pendingFaultSources, contributions };
  }

  private refresh(kind: TrackerKind, name: string, statusOnly = false): void {
    for (const inst of this.instances.values()) {
      if (!inst.trackers.some((t) => t.kind === kind && t.name === name)) continue;
      const prev = this.last.get(inst.name)!;
      const next = this.compute(inst.name);
      this.last.set(inst.name, next);
      if (statusOnly) continue;
      const inputs: TrackingInput[] = [];
      for (const f of next.faults) if (!prev.faults.includes(f)) inputs.push({ type: 'FaultChanged', source: f, fault: true });
      for (const f of prev.faults) if (!next.faults.includes(f)) inputs.push({ type: 'FaultChanged', source: f, fault: false });
      if (next.adjustment !== prev.adjustment) inputs.push({ type: 'PriorityChanged', adjustment: next.adjustment });
      const pendingChanged = next.pending.length !== prev.pending.length;
      if (inputs.length === 0 && !pendingChanged) continue;
      for (const fn of [...this.listeners]) fn(inst.name, inputs, next);
    }
  }
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
