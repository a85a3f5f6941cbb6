/**
 * Every log event keepvip emits, in one place: its name, level, message and the structured
 * fields it carries. Logs, metrics and the status output use the same field names
 * (`instance`, `state`, `priority`, ...), so a line can be joined with a metric series.
 *
 * Catalogue discipline for secrets: a field is logged only when it is listed here, every
 * field has a declared type in FieldTypes, and no field name may be a secret's name (a
 * test checks the catalogue against SECRET_KEYS). log.ts copies only the listed fields,
 * so spreading a config object into an event cannot leak a password.
 */
import type { VrrpState } from '../core/fsm/types.js';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** The type of every field an event may carry. */
export interface FieldTypes {
  // daemon
  version: string;
  pid: number;
  configFile: string;
  signal: string;
  instances: number;
  added: string[];
  removed: string[];
  durationMs: number;
  // instance
  instance: string;
  group: string;
  vrid: number;
  ifname: string;
  state: VrrpState;
  from: VrrpState;
  to: VrrpState;
  priority: number;
  prevPriority: number;
  /** Why: a transition's cause, or a drop reason (src/core/codec/errors.ts DROP_REASONS). */
  reason: string;
  master: string;
  vips: string[];
  vip: string;
  count: number;
  burst: string;
  enabled: boolean;
  // drops
  detail: string;
  suppressed: number;
  windowMs: number;
  // config
  file: string;
  line: number;
  message: string;
  // trackers and scripts
  tracker: string;
  kind: string;
  up: boolean;
  script: string;
  exitCode: number;
  timeoutMs: number;
  /** Which output a script_output line holds: `stdout+stderr` (interleaved as written) or `check` (a `</dev/tcp` check's result). */
  stream: string;
  /** Script output, cut to SCRIPT_OUTPUT_LOG_LIMIT characters. */
  output: string;
  /** Bytes of output not logged (past the runner's buffer or the log limit). */
  omitted: number;
  // cloud
  provider: string;
  operation: string;
  attempt: number;
  retryInMs: number;
  requestId: string;
  status: number;
  // ops
  address: string;
  path: string;
  dump: string;
  code: string;
  error: string;
}

export type FieldName = keyof FieldTypes;

export interface EventDef {
  level: Level;
  msg: string;
  fields: readonly FieldName[];
  optional?: readonly FieldName[];
}

export const EVENTS = {
  // --- daemon lifecycle -------------------------------------------------------------
  daemon_starting: { level: 'info', msg: 'keepvip starting', fields: ['version', 'pid', 'configFile'] },
  daemon_ready: { level: 'info', msg: 'startup complete', fields: ['instances'] },
  daemon_stopping: { level: 'info', msg: 'stopping', fields: ['signal'] },
  daemon_stopped: { level: 'info', msg: 'stopped', fields: ['durationMs'] },
  config_warning: { level: 'warn', msg: 'configuration warning', fields: ['file', 'line', 'message'] },
  config_error: { level: 'error', msg: 'configuration error', fields: ['file', 'line', 'message'] },
  reload_started: { level: 'info', msg: 'reloading configuration', fields: ['signal'] },
  reload_done: {
    level: 'info',
    msg: 'configuration reloaded',
    fields: ['instances', 'added', 'removed', 'durationMs'],
  },
  reload_failed: { level: 'error', msg: 'reload failed; keeping the running configuration', fields: ['code', 'error'] },
  config_load_inline: { level: 'warn', msg: 'configuration read on the main thread (worker unavailable)', fields: ['reason'] },
  internal_error: { level: 'error', msg: 'internal error', fields: ['code', 'error'], optional: ['instance'] },

  // --- VRRP instances -----------------------------------------------------------------
  instance_state: {
    level: 'info',
    msg: 'state changed',
    fields: ['instance', 'from', 'to', 'priority', 'reason'],
  },
  instance_priority: {
    level: 'info',
    msg: 'effective priority changed',
    fields: ['instance', 'prevPriority', 'priority'],
    optional: ['reason'],
  },
  group_state: { level: 'info', msg: 'sync group state changed', fields: ['group', 'from', 'to'] },
  master_seen: {
    level: 'debug',
    msg: 'new master seen',
    fields: ['instance', 'master', 'priority'],
  },
  // state and priority: the instance's at the drop (at the summary for the suppressed
  // count); absent when no instance matched the advert (instance is then a scope, "-").
  advert_dropped: {
    level: 'warn',
    msg: 'advertisement dropped',
    fields: ['instance', 'reason', 'detail', 'suppressed'],
    optional: ['state', 'priority'],
  },
  advert_drops_suppressed: {
    level: 'warn',
    msg: 'advertisements dropped (log lines suppressed)',
    fields: ['instance', 'reason', 'suppressed', 'windowMs'],
    optional: ['state', 'priority'],
  },
  advert_send_failed: {
    level: 'warn',
    msg: 'advertisement not sent (logged once until a send succeeds)',
    fields: ['instance', 'code', 'error'],
  },
  vips_added: { level: 'info', msg: 'virtual addresses added', fields: ['instance', 'ifname', 'vips'] },
  vips_removed: { level: 'info', msg: 'virtual addresses removed', fields: ['instance', 'ifname', 'vips'] },
  vip_error: { level: 'error', msg: 'virtual address change failed', fields: ['instance', 'vip', 'code', 'error'] },
  garp_sent: { level: 'debug', msg: 'gratuitous ARP / NA sent', fields: ['instance', 'ifname', 'burst', 'count'] },
  forwarding_set: { level: 'info', msg: 'IP forwarding changed', fields: ['enabled'], optional: ['instance'] },

  // --- trackers and scripts ---------------------------------------------------------
  // One line per instance that uses the tracker, with that instance's state and effective
  // priority when the tracker changed (before the change takes effect).
  tracker_changed: {
    level: 'info',
    msg: 'tracker changed',
    fields: ['tracker', 'kind', 'up', 'instance', 'state', 'priority'],
    optional: ['detail'],
  },
  script_output: {
    level: 'debug',
    msg: 'script output',
    fields: ['script', 'stream', 'output', 'omitted'],
  },
  script_timeout: { level: 'warn', msg: 'script timed out', fields: ['script', 'timeoutMs'], optional: ['tracker'] },
  script_failed: {
    level: 'warn',
    msg: 'script failed',
    fields: ['script', 'code', 'error'],
    optional: ['tracker', 'instance', 'exitCode'],
  },
  notify_run: { level: 'debug', msg: 'notify script started', fields: ['instance', 'script', 'state'] },

  // --- cloud VIP claims ---------------------------------------------------------------
  // state and priority: the instance's when the event is logged (src/ops/cloud-log.ts).
  cloud_claim_started: {
    level: 'info',
    msg: 'claiming VIP through the cloud API',
    fields: ['instance', 'state', 'priority', 'provider', 'vip', 'operation', 'attempt'],
  },
  cloud_claim_done: {
    level: 'info',
    msg: 'cloud VIP claim done',
    fields: ['instance', 'state', 'priority', 'provider', 'vip', 'operation', 'attempt', 'durationMs'],
  },
  cloud_claim_failed: {
    level: 'warn',
    msg: 'cloud VIP claim failed',
    fields: ['instance', 'state', 'priority', 'provider', 'vip', 'operation', 'attempt', 'code', 'error'],
    optional: ['status', 'requestId', 'retryInMs'],
  },
  // instance, state and priority when the warning concerns one instance's cloud_vip.
  cloud_warning: {
    level: 'warn',
    msg: 'cloud warning',
    fields: ['provider', 'code', 'message'],
    optional: ['vip', 'instance', 'state', 'priority'],
  },

  // --- operations interfaces ----------------------------------------------------------
  metrics_listening: { level: 'info', msg: 'metrics endpoint listening', fields: ['address'] },
  control_listening: { level: 'info', msg: 'control socket listening', fields: ['path'] },
  control_error: { level: 'warn', msg: 'control socket error', fields: ['code', 'error'] },
  dump_written: { level: 'info', msg: 'dump written', fields: ['dump', 'path'] },
  dump_failed: { level: 'error', msg: 'dump failed', fields: ['dump', 'path', 'code', 'error'] },
  systemd_notify_failed: { level: 'warn', msg: 'systemd notification failed', fields: ['error'] },
} as const satisfies Record<string, EventDef>;

export type EventName = keyof typeof EVENTS;

type Req<E extends EventName> = (typeof EVENTS)[E]['fields'][number];
type Opt<E extends EventName> = (typeof EVENTS)[E] extends { optional: readonly (infer O)[] }
  ? O & FieldName
  : never;

/** The fields of event E: the listed ones required, the optional ones optional. */
export type EventFields<E extends EventName> = { [F in Req<E>]: FieldTypes[F] } & {
  [F in Opt<E>]?: FieldTypes[F];
};

/** Every field name an event may carry (for the catalogue's own checks). */
export function eventFieldNames(name: EventName): readonly FieldName[] {
  const def: EventDef = EVENTS[name];
  return def.optional ? [...def.fields, ...def.optional] : def.fields;
}
