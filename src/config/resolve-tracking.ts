/**
 * Tracked objects (vrrp_script, track_file, vrrp_track_process) with their defaults, and
 * the resolution of `track_*` references as keepalived 2.2.7 does it: a reference must
 * name an object defined earlier in the file (keepalived looks it up while parsing), an
 * address owner (priority 255) ignores weighted trackers, and sync-group members ignore
 * weighted trackers unless the group sets sync_group_tracking_weight.
 */
import type { Diagnostics } from './diagnostics.js';
import type { TrackFile, TrackProcess, TrackRef, VrrpScript } from './model.js';
import type { Draft } from './keywords/drafts.js';

export interface Tracked {
  scripts: Map<string, { script: VrrpScript; seq: number }>;
  files: Map<string, { file: TrackFile; seq: number }>;
  processes: Map<string, { process: TrackProcess; seq: number }>;
}

export function resolveTracked(d: Draft, diags: Diagnostics): Tracked {
  const out: Tracked = { scripts: new Map(), files: new Map(), processes: new Map() };
  for (const s of d.scripts) {
    if (!s.script) {
      diags.warning('missing-value', `no script set for vrrp_script ${s.name} (removed)`, s.pos);
      continue;
    }
    const interval = s.interval ?? 1;
    const script: VrrpScript = {
      name: s.name,
      pos: s.pos,
      script: s.script,
      interval,
      timeout: s.timeout ?? interval,
      weight: s.weight ?? 0,
      reverse: s.reverse ?? false,
      rise: s.rise ?? 1,
      fall: s.fall ?? 1,
      initFail: s.initFail ?? false,
    };
    if (s.user !== undefined) script.user = s.user;
    if (s.group !== undefined) script.group = s.group;
    out.scripts.set(s.name, { script, seq: s.seq ?? 0 });
  }
  for (const f of d.trackFiles) {
    if (!f.file) {
      diags.warning('missing-value', `no file set for track_file ${f.name} (removed)`, f.pos);
      continue;
    }
    const file: TrackFile = { name: f.name, pos: f.pos, file: f.file, weight: f.weight ?? 1, reverse: f.reverse ?? false };
    if (f.initFile) file.initFile = f.initFile;
    out.files.set(f.name, { file, seq: f.seq ?? 0 });
  }
  for (const p of d.trackProcesses) {
    if (!p.process || p.process.length === 0) {
      diags.warning('missing-value', `no process set for vrrp_track_process ${p.name} (removed)`, p.pos);
      continue;
    }
    const proc: TrackProcess = {
      name: p.name,
      pos: p.pos,
      process: p.process,
      // keepalived 2.2.7: a vrrp_track_process without weight faults the instance when the
      // quorum is lost (weight 0), as for scripts.
      weight: p.weight ?? 0,
      reverse: p.reverse ?? false,
      quorum: p.quorum ?? 1,
      forkDelay: p.forkDelay ?? 0,
      terminateDelay: p.terminateDelay ?? 0,
      fullCommand: p.fullCommand ?? false,
    };
    if (p.paramMatch) proc.paramMatch = p.paramMatch;
    if (p.quorumMax !== undefined) proc.quorumMax = p.quorumMax;
    out.processes.set(p.name, { process: proc, seq: p.seq ?? 0 });
  }
  return out;
}

export interface RefRules {
  /** Owner name for messages: "(VI_1)" or "(G)". */
  who: string;
  /** Reading order of the referencing block. */
  seq: number;
  /** Address owner: weighted trackers are ignored. */
  owner: boolean;
  /** Member of a sync group without sync_group_tracking_weight: weighted trackers are ignored. */
  inSyncGroup: boolean;
}

type Kind = 'script' | 'file' | 'process';
const LABEL: Record<Kind, string> = { script: 'vrrp_script', file: 'track_file', process: 'vrrp_track_process' };

/** Resolve references to tracked objects; returns the references kept, each with its effective weight. */
export function resolveRefs(
  refs: TrackRef[],
  kind: Kind,
  tracked: Tracked,
  rules: RefRules,
  diags: Diagnostics,
): TrackRef[] {
  const out: TrackRef[] = [];
  for (const r of refs) {
    const found =
      kind === 'script'
        ? tracked.scripts.get(r.name)
        : kind === 'file'
          ? tracked.files.get(r.name)
          : tracked.processes.get(r.name);
    if (!found) {
      diags.warning('unknown-reference', `${rules.who} ${LABEL[kind]} '${r.name}' not found (ignored)`, r.pos);
      continue;
    }
    if (found.seq > rules.seq) {
      diags.warning(
        'unknown-reference',
        `${rules.who} ${LABEL[kind]} '${r.name}' is defined after this reference; keepalived 2.2.7 does not look ahead (ignored)`,
        r.pos,
      );
      continue;
    }
    const obj = 'script' in found ? found.script : 'file' in found ? found.file : found.process;
    const weight = r.weight ?? obj.weight;
    const reverse = r.reverse ?? obj.reverse;
    if (weight !== 0 && (rules.owner || rules.inSyncGroup)) {
      const why = rules.owner ? 'for an address owner (priority 255)' : 'in a sync group';
      // keepalived drops weighted scripts and processes, but keeps a file with its weight cleared.
      if (kind === 'file') {
        diags.warning('weight-ignored', `${rules.who} weight of track_file '${r.name}' ignored ${why} (using weight 0)`, r.pos);
        out.push({ name: r.name, weight: 0, reverse, pos: r.pos });
      } else {
        diags.warning('weight-ignored', `${rules.who} weighted ${LABEL[kind]} '${r.name}' ignored ${why}; use weight 0`, r.pos);
      }
      continue;
    }
    out.push({ name: r.name, weight, reverse, pos: r.pos });
  }
  return out;
}

/** track_interface entries: weight 0 by default; the same owner / sync-group rule. */
export function resolveInterfaceRefs(
  refs: TrackRef[],
  rules: RefRules,
  exists: ((name: string) => boolean) | undefined,
  dynamic: boolean,
  diags: Diagnostics,
): TrackRef[] {
  const out: TrackRef[] = [];
  for (const r of refs) {
    const weight = r.weight ?? 0;
    if (exists && !exists(r.name)) {
      if (dynamic) diags.warning('interface-unknown', `${rules.who} tracked interface ${r.name} does not exist yet`, r.pos);
      else {
        diags.error('interface-unknown', `${rules.who} tracked interface ${r.name} does not exist`, r.pos);
        continue;
      }
    }
    if (weight !== 0 && (rules.owner || rules.inSyncGroup)) {
      diags.warning(
        'weight-ignored',
        `${rules.who} weighted tracked interface ${r.name} ignored ${rules.owner ? 'for an address owner (priority 255)' : 'in a sync group'}; use weight 0`,
        r.pos,
      );
      continue;
    }
    out.push({ name: r.name, weight, reverse: r.reverse ?? false, pos: r.pos });
  }
  return out;
}
