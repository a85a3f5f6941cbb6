/** Every keyword table, for documentation and the supported/unsupported counts. */
import type { KeywordStatus, KeywordTable } from './dispatch.js';
import { TOP_TABLE } from './top.js';
import { GLOBAL_TABLE } from './global.js';
import { INSTANCE_TABLE } from './instance.js';
import { SYNC_GROUP_TABLE } from './sync-group.js';
import { SCRIPT_TABLE, TRACK_FILE_TABLE, TRACK_PROCESS_TABLE } from './track.js';
import { CLOUD_VIP_TABLE, KEEPVIP_DEFS_TABLE, PROVIDER_TABLE } from './keepvip.js';

export const TABLES: Record<string, KeywordTable<never>> = {
  top: TOP_TABLE as KeywordTable<never>,
  global_defs: GLOBAL_TABLE as KeywordTable<never>,
  vrrp_instance: INSTANCE_TABLE as KeywordTable<never>,
  vrrp_sync_group: SYNC_GROUP_TABLE as KeywordTable<never>,
  vrrp_script: SCRIPT_TABLE as KeywordTable<never>,
  track_file: TRACK_FILE_TABLE as KeywordTable<never>,
  vrrp_track_process: TRACK_PROCESS_TABLE as KeywordTable<never>,
  keepvip_defs: KEEPVIP_DEFS_TABLE as KeywordTable<never>,
  cloud_provider: PROVIDER_TABLE as KeywordTable<never>,
  cloud_vip: CLOUD_VIP_TABLE as KeywordTable<never>,
};

/** Blocks that exist only in keepvip (keepalived does not know them). */
export const KEEPVIP_ONLY = new Set(['keepvip_defs', 'cloud_provider', 'cloud_vip']);

export function keywordsByStatus(): Array<{ block: string; keyword: string; status: KeywordStatus }> {
  const out: Array<{ block: string; keyword: string; status: KeywordStatus }> = [];
  for (const [block, table] of Object.entries(TABLES)) {
    for (const [keyword, spec] of Object.entries(table)) out.push({ block, keyword, status: spec.status });
  }
  return out;
}

export function keywordCounts(): Record<KeywordStatus, number> {
  const counts: Record<KeywordStatus, number> = { supported: 0, deprecated: 0, 'parsed-unsupported': 0, unsupported: 0, lvs: 0 };
  for (const k of keywordsByStatus()) counts[k.status]++;
  return counts;
}
