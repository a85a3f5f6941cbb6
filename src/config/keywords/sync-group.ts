/** vrrp_sync_group: member instances, group-wide tracking and notify scripts. */
import type { Statement } from '../tree.js';
import { boolArg, optBoolArg, scriptArg } from '../values.js';
import type { DraftSyncGroup } from './drafts.js';
import { walk, type Ctx, type KeywordSpec, type KeywordTable } from './dispatch.js';
import { parseTrackList } from './track.js';

type G = DraftSyncGroup;
const S = (handle: KeywordSpec<G>['handle'], block = false): KeywordSpec<G> => ({ status: 'supported', handle, block });

function notify(key: keyof G['notify']): KeywordSpec<G> {
  return S((st, g, ctx) => {
    const s = scriptArg(st, ctx.diags);
    if (s) g.notify[key] = s;
  });
}

export const SYNC_GROUP_TABLE: KeywordTable<G> = {
  group: S((st, g, ctx) => {
    for (const line of st.block ?? []) {
      // keepalived accepts several names on one line.
      for (const t of [line.keyword, ...line.args]) g.members.push({ name: t.text, pos: t.pos });
      if (line.block) ctx.diags.warning('unexpected-open-brace', 'group members take no block (skipped)', line.open ?? line.keyword.pos);
    }
  }, true),
  track_interface: S((st, g, ctx) => void g.trackInterfaces.push(...parseTrackList(st, ctx, 253, true)), true),
  track_script: S((st, g, ctx) => void g.trackScripts.push(...parseTrackList(st, ctx, 253, true)), true),
  track_file: S((st, g, ctx) => void g.trackFiles.push(...parseTrackList(st, ctx, 254, true)), true),
  track_process: S((st, g, ctx) => void g.trackProcesses.push(...parseTrackList(st, ctx, 254, true)), true),
  track_bfd: { status: 'unsupported', why: 'no BFD' },
  notify_master: notify('master'),
  notify_backup: notify('backup'),
  notify_fault: notify('fault'),
  notify_stop: notify('stop'),
  notify: notify('generic'),
  notify_priority_changes: S((st, g, ctx) => {
    // keepalived 2.2.7 takes the bare keyword as on.
    const v = st.args.length ? boolArg(st, 0, ctx.diags) : true;
    if (v !== undefined) g.notifyPriorityChanges = v;
  }),
  smtp_alert: {
    status: 'parsed-unsupported',
    why: 'keepvip sends no e-mail',
    handle: (st, g, ctx) => {
      const v = optBoolArg(st, 0, ctx.diags);
      if (v !== undefined) g.smtpAlert = v;
    },
  },
  global_tracking: {
    status: 'deprecated',
    handle: (st, g, ctx) => {
      g.globalTracking = true;
      ctx.diags.warning('deprecated-keyword', `(${g.name}) global_tracking is deprecated: use track_* on the sync group`, st.keyword.pos);
    },
  },
  sync_group_tracking_weight: S((_st, g) => void (g.trackingWeight = true)),
};

export function parseSyncGroup(st: Statement, name: string, ctx: Ctx): DraftSyncGroup {
  const g: DraftSyncGroup = {
    name,
    pos: st.keyword.pos,
    members: [],
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    trackProcesses: [],
    notify: {},
    globalTracking: false,
    trackingWeight: false,
  };
  walk(st.block ?? [], SYNC_GROUP_TABLE, g, ctx, `vrrp_sync_group ${name}`);
  return g;
}
