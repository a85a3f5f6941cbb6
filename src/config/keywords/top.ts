/** The top level of keepalived.conf: which blocks keepvip reads, and which it skips. */
import type { Statement } from '../tree.js';
import { arg, noExtra } from '../values.js';
import type { Draft } from './drafts.js';
import { many, walk, type Ctx, type KeywordSpec, type KeywordTable } from './dispatch.js';
import { parseGlobalDefs } from './global.js';
import { parseInstance } from './instance.js';
import { parseSyncGroup } from './sync-group.js';
import { parseScriptBlock, parseTrackFileBlock, parseTrackProcessBlock } from './track.js';
import { parseCloudProvider, parseKeepvipDefs } from './keepvip.js';

type D = Draft;

/** `keyword NAME { ... }`: the name, or a warning and undefined. */
function blockName(st: Statement, ctx: Ctx): string | undefined {
  const t = arg(st, 0, ctx.diags, 'a name');
  if (t) noExtra(st, 1, ctx.diags);
  return t?.text;
}

function named<T extends { name: string; seq?: number }>(
  list: (d: D) => T[],
  parse: (st: Statement, name: string, ctx: Ctx) => T,
  kind: string,
  duplicate: 'warning' | 'error' = 'warning',
): KeywordSpec<D> {
  return {
    status: 'supported',
    block: true,
    handle: (st, d, ctx) => {
      const name = blockName(st, ctx);
      if (name === undefined) return;
      const item = parse(st, name, ctx);
      item.seq = ctx.seq++;
      const existing = list(d).find((x) => x.name === name);
      if (existing) {
        ctx.diags.add(duplicate, 'duplicate-block', `${kind} '${name}' defined more than once (the later one is ignored)`, st.keyword.pos);
        return;
      }
      list(d).push(item);
    },
  };
}

/** keepalived 2.2.7 top-level keywords keepvip does not implement. */
export const TOP_UNSUPPORTED = [
  'bfd_instance',
  'static_ipaddress',
  'static_routes',
  'static_rules',
  'linkbeat_interfaces',
  'track_group',
  'garp_group',
  'interface_up_down_delays',
  'net_namespace',
  'net_namespace_ipvs',
  'namespace_with_ipsets',
  'instance',
  'use_pid_dir',
  'linkbeat_use_polling',
  'child_wait_time',
];

/** keepalived's LVS configuration: skipped with a single note. */
export const TOP_LVS = ['virtual_server', 'virtual_server_group', 'real_server', 'SSL'];

export const TOP_TABLE: KeywordTable<D> = {
  global_defs: {
    status: 'supported',
    block: true,
    handle: (st, d, ctx) => parseGlobalDefs(st, d.global, ctx),
  },
  vrrp_instance: { ...named((d) => d.instances, parseInstance, 'vrrp_instance'), emptyWithoutBlock: true },
  vrrp_sync_group: named((d) => d.syncGroups, parseSyncGroup, 'vrrp_sync_group'),
  vrrp_script: named((d) => d.scripts, parseScriptBlock, 'vrrp_script'),
  track_file: named((d) => d.trackFiles, parseTrackFileBlock, 'track_file'),
  vrrp_track_file: { ...named((d) => d.trackFiles, parseTrackFileBlock, 'track_file'), status: 'deprecated' },
  vrrp_track_process: named((d) => d.trackProcesses, parseTrackProcessBlock, 'vrrp_track_process'),
  keepvip_defs: {
    status: 'supported',
    block: true,
    handle: (st, _d, ctx) => {
      noExtra(st, 0, ctx.diags);
      parseKeepvipDefs(st, ctx);
    },
  },
  cloud_provider: named((d) => d.providers, parseCloudProvider, 'cloud_provider', 'error'),
  ...many<D>(TOP_UNSUPPORTED, { status: 'unsupported' }),
  ...many<D>(TOP_LVS, { status: 'lvs' }),
};

export function parseTop(stmts: Statement[], ctx: Ctx): void {
  walk(stmts, TOP_TABLE, ctx.draft, ctx, 'the top level');
}
