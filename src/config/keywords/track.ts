/**
 * Tracking: the vrrp_script, track_file (vrrp_track_file) and vrrp_track_process blocks,
 * and the `track_*` reference lists used inside vrrp_instance and vrrp_sync_group.
 */
import type { Statement } from '../tree.js';
import type { TrackRef } from '../model.js';
import { arg, decimalArg, intArg, noExtra, parseInteger, scriptArg } from '../values.js';
import type { DraftScript, DraftTrackFile, DraftTrackProcess } from './drafts.js';
import { walk, type Ctx, type KeywordSpec, type KeywordTable } from './dispatch.js';

/**
 * Lines of a track_* block: `NAME [weight W [reverse|noreverse]]`. keepalived accepts
 * weights in [-max, max] (253 for interfaces and scripts, 254 for files and processes).
 */
export function parseTrackList(st: Statement, ctx: Ctx, max: number, allowNoReverse: boolean): TrackRef[] {
  const out: TrackRef[] = [];
  for (const line of st.block ?? []) {
    const ref: TrackRef = { name: line.keyword.text, pos: line.keyword.pos };
    const a = line.args;
    let i = 0;
    let ok = true;
    while (i < a.length) {
      const w = a[i]!;
      if (w.text === 'weight') {
        const v = a[i + 1];
        const n = v ? parseInteger(v.text) : undefined;
        if (!v || n === undefined) {
          ctx.diags.warning('invalid-value', `${st.keyword.text} ${ref.name}: weight needs a number (entry ignored)`, (v ?? w).pos);
          ok = false;
          break;
        }
        if (n < -max || n > max) {
          ctx.diags.warning('out-of-range', `${st.keyword.text} ${ref.name}: weight ${n} is outside -${max}..${max} (entry ignored)`, v.pos);
          ok = false;
          break;
        }
        ref.weight = n;
        i += 2;
      } else if (w.text === 'reverse') {
        ref.reverse = true;
        i++;
      } else if (w.text === 'noreverse' && allowNoReverse) {
        ref.reverse = false;
        i++;
      } else {
        ctx.diags.warning('invalid-value', `${st.keyword.text} ${ref.name}: unknown option '${w.text}' (ignored)`, w.pos);
        i++;
      }
    }
    if (line.block) ctx.diags.warning('unexpected-open-brace', `${st.keyword.text} entries take no block (skipped)`, line.open ?? line.keyword.pos);
    if (ok) out.push(ref);
  }
  return out;
}

/** `weight W [reverse]` of a tracked object's own block. */
function weightLine(st: Statement, ctx: Ctx, max: number): { weight?: number; reverse: boolean } {
  const weight = intArg(st, 0, -max, max, ctx.diags);
  const r = st.args[1];
  let reverse = false;
  if (r && r.text === 'reverse') reverse = true;
  else if (r) ctx.diags.warning('invalid-value', `'weight': unknown option '${r.text}' (ignored)`, r.pos);
  noExtra(st, 2, ctx.diags);
  return weight === undefined ? { reverse } : { weight, reverse };
}

const S = (handle: KeywordSpec<DraftScript>['handle']): KeywordSpec<DraftScript> => ({ status: 'supported', handle });

export const SCRIPT_TABLE: KeywordTable<DraftScript> = {
  script: S((st, s, ctx) => {
    const cmd = scriptArg(st, ctx.diags);
    if (cmd) s.script = cmd;
  }),
  interval: S((st, s, ctx) => {
    const v = decimalArg(st, 0, 0.000001, 86400, ctx.diags);
    if (v !== undefined) s.interval = v;
  }),
  timeout: S((st, s, ctx) => {
    const v = decimalArg(st, 0, 0.000001, 86400, ctx.diags);
    if (v !== undefined) s.timeout = v;
  }),
  weight: S((st, s, ctx) => {
    const w = weightLine(st, ctx, 253);
    if (w.weight !== undefined) s.weight = w.weight;
    s.reverse = w.reverse;
  }),
  rise: S((st, s, ctx) => {
    const v = intArg(st, 0, 1, 1_000_000, ctx.diags);
    if (v !== undefined) s.rise = v;
  }),
  fall: S((st, s, ctx) => {
    const v = intArg(st, 0, 1, 1_000_000, ctx.diags);
    if (v !== undefined) s.fall = v;
  }),
  user: S((st, s, ctx) => {
    const t = arg(st, 0, ctx.diags, 'a user name');
    if (!t) return;
    s.user = t.text;
    if (st.args[1]) s.group = st.args[1].text;
    noExtra(st, 2, ctx.diags);
  }),
  init_fail: S((_st, s) => {
    s.initFail = true;
  }),
};

const F = (handle: KeywordSpec<DraftTrackFile>['handle']): KeywordSpec<DraftTrackFile> => ({ status: 'supported', handle });

export const TRACK_FILE_TABLE: KeywordTable<DraftTrackFile> = {
  file: F((st, f, ctx) => {
    const t = arg(st, 0, ctx.diags, 'a file name');
    if (t) f.file = t.text;
  }),
  weight: F((st, f, ctx) => {
    const w = weightLine(st, ctx, 2147483647);
    if (w.weight !== undefined) f.weight = w.weight;
    f.reverse = w.reverse;
  }),
  init_file: F((st, f, ctx) => {
    let value = 0;
    let overwrite = false;
    for (const a of st.args) {
      if (a.text === 'overwrite') overwrite = true;
      else if (parseInteger(a.text) !== undefined) value = parseInteger(a.text)!;
      else ctx.diags.warning('invalid-value', `init_file: unknown option '${a.text}' (ignored)`, a.pos);
    }
    f.initFile = { value, overwrite };
  }),
};

const P = (handle: KeywordSpec<DraftTrackProcess>['handle']): KeywordSpec<DraftTrackProcess> => ({ status: 'supported', handle });

export const TRACK_PROCESS_TABLE: KeywordTable<DraftTrackProcess> = {
  process: P((st, p, ctx) => {
    if (arg(st, 0, ctx.diags, 'a process name')) p.process = st.args.map((a) => a.text);
  }),
  param_match: P((st, p, ctx) => {
    // Bare `param_match`: the parameters must match exactly (keepalived 2.2.7).
    const t = st.args[0];
    if (!t) {
      p.paramMatch = 'exact';
      return;
    }
    if (t.text === 'initial' || t.text === 'partial') p.paramMatch = t.text;
    else ctx.diags.warning('invalid-value', `param_match: '${t.text}' is not initial|partial (ignored)`, t.pos);
  }),
  weight: P((st, p, ctx) => {
    const w = weightLine(st, ctx, 254);
    if (w.weight !== undefined) p.weight = w.weight;
    p.reverse = w.reverse;
  }),
  quorum: P((st, p, ctx) => {
    const v = intArg(st, 0, 1, 65535, ctx.diags);
    if (v !== undefined) p.quorum = v;
  }),
  quorum_max: P((st, p, ctx) => {
    const v = intArg(st, 0, 0, 65535, ctx.diags);
    if (v !== undefined) p.quorumMax = v;
  }),
  fork_delay: P((st, p, ctx) => {
    const v = decimalArg(st, 0, 0, 3600, ctx.diags);
    if (v !== undefined) p.forkDelay = v;
  }),
  terminate_delay: P((st, p, ctx) => {
    const v = decimalArg(st, 0, 0, 3600, ctx.diags);
    if (v !== undefined) p.terminateDelay = v;
  }),
  delay: P((st, p, ctx) => {
    const v = decimalArg(st, 0, 0, 3600, ctx.diags);
    if (v !== undefined) {
      p.forkDelay = v;
      p.terminateDelay = v;
    }
  }),
  full_command: P((_st, p) => {
    p.fullCommand = true;
  }),
};

export function parseScriptBlock(st: Statement, name: string, ctx: Ctx): DraftScript {
  const s: DraftScript = { name, pos: st.keyword.pos, seen: {} };
  walk(st.block ?? [], SCRIPT_TABLE, s, ctx, `vrrp_script ${name}`);
  return s;
}

export function parseTrackFileBlock(st: Statement, name: string, ctx: Ctx): DraftTrackFile {
  const f: DraftTrackFile = { name, pos: st.keyword.pos };
  walk(st.block ?? [], TRACK_FILE_TABLE, f, ctx, `track_file ${name}`);
  return f;
}

export function parseTrackProcessBlock(st: Statement, name: string, ctx: Ctx): DraftTrackProcess {
  const p: DraftTrackProcess = { name, pos: st.keyword.pos };
  walk(st.block ?? [], TRACK_PROCESS_TABLE, p, ctx, `vrrp_track_process ${name}`);
  return p;
}
