/**
 * keepvip's own blocks. keepalived 2.2.7 does not know them: it warns, ignores the `{`
 * and reads the lines inside as keywords of the enclosing level, so at the top level they
 * are harmless, and inside a vrrp_instance `cloud_vip` must be the last item (its `}`
 * ends the instance for keepalived). Unknown keys inside these blocks are errors.
 */
import type { Statement } from '../tree.js';
import { familyOf, canonicalIp } from '../../core/ip.js';
import { arg, intArg, noExtra, parseBool } from '../values.js';
import type { DraftInstance, DraftProvider, Draft } from './drafts.js';
import { walk, type Ctx, type KeywordSpec, type KeywordTable } from './dispatch.js';

type KV = Draft['keepvip'];
const K = (handle: KeywordSpec<KV>['handle']): KeywordSpec<KV> => ({ status: 'supported', handle });

/** A required single value; unusable values are errors in keepvip's blocks. */
function value(st: Statement, ctx: Ctx): string | undefined {
  const t = st.args[0];
  if (!t) {
    ctx.diags.error('missing-value', `'${st.keyword.text}' needs a value`, st.keyword.pos);
    return undefined;
  }
  noExtra(st, 1, ctx.diags);
  return t.text;
}

function oneOf<T extends string>(st: Statement, ctx: Ctx, allowed: readonly T[]): T | undefined {
  const v = value(st, ctx);
  if (v === undefined) return undefined;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  ctx.diags.error('invalid-value', `'${st.keyword.text}': '${v}' is not one of ${allowed.join('|')}`, st.args[0]!.pos);
  return undefined;
}

function onOff(st: Statement, ctx: Ctx): boolean | undefined {
  const v = value(st, ctx);
  if (v === undefined) return undefined;
  const b = parseBool(v);
  if (b === undefined) ctx.diags.error('invalid-value', `'${st.keyword.text}': '${v}' is not on|off`, st.args[0]!.pos);
  return b;
}

function url(st: Statement, ctx: Ctx): string | undefined {
  const v = value(st, ctx);
  if (v === undefined) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return v;
  } catch {
    ctx.diags.error('invalid-value', `'${st.keyword.text}': '${v}' is not an http(s) URL`, st.args[0]!.pos);
    return undefined;
  }
}

export const KEEPVIP_DEFS_TABLE: KeywordTable<KV> = {
  metrics_listen: K((st, k, ctx) => {
    const v = value(st, ctx);
    if (v === undefined) return;
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]+)):(\d+)$/.exec(v);
    const host = m ? (m[1] ?? m[2])! : '';
    const port = m ? Number(m[3]) : NaN;
    if (!m || port < 1 || port > 65535 || (m[1] !== undefined && familyOf(host) !== 6)) {
      ctx.diags.error('invalid-value', `metrics_listen: '${v}' is not ADDR:PORT (e.g. 127.0.0.1:9650 or [::1]:9650)`, st.args[0]!.pos);
      return;
    }
    k.metricsListen = { host, port };
  }),
  control_socket: K((st, k, ctx) => {
    const v = value(st, ctx);
    if (v === undefined) return;
    if (!v.startsWith('/')) ctx.diags.error('invalid-value', `control_socket: '${v}' must be an absolute path`, st.args[0]!.pos);
    else k.controlSocket = v;
  }),
  dump_dir: K((st, k, ctx) => {
    const v = value(st, ctx);
    if (v === undefined) return;
    if (!v.startsWith('/')) ctx.diags.error('invalid-value', `dump_dir: '${v}' must be an absolute path`, st.args[0]!.pos);
    else k.dumpDir = v;
  }),
  manage_ip_forward: K((st, k, ctx) => {
    const b = onOff(st, ctx);
    if (b !== undefined) k.manageIpForward = b;
  }),
  ip_forward_scope: K((st, k, ctx) => {
    const v = oneOf(st, ctx, ['global', 'interface'] as const);
    if (v) k.ipForwardScope = v;
  }),
  log_format: K((st, k, ctx) => {
    const v = oneOf(st, ctx, ['json', 'text'] as const);
    if (v) k.logFormat = v;
  }),
  status_file: K((st, k, ctx) => {
    const v = value(st, ctx);
    if (v === undefined) return;
    if (!v.startsWith('/')) ctx.diags.error('invalid-value', `status_file: '${v}' must be an absolute path`, st.args[0]!.pos);
    else k.statusFile = v;
  }),
};

const PROVIDER_TYPES = ['huaweicloud', 'openstack'] as const;
const P = (handle: KeywordSpec<DraftProvider>['handle']): KeywordSpec<DraftProvider> => ({ status: 'supported', handle });

/** Provider keys that hold secrets: never echoed in diagnostics, redacted in dumps. */
export const PROVIDER_SECRET_KEYS = ['password', 'secret_key', 'application_credential_secret'] as const;

function secretValue(st: Statement, ctx: Ctx): string | undefined {
  const t = st.args[0];
  if (t) ctx.diags.secret(t.text);
  return value(st, ctx);
}

export const PROVIDER_TABLE: KeywordTable<DraftProvider> = {
  type: P((st, p, ctx) => {
    const v = oneOf(st, ctx, PROVIDER_TYPES);
    if (v) p.type = v;
    p.seen.type = st.keyword.pos;
  }),
  region: P((st, p, ctx) => {
    const v = value(st, ctx);
    if (v !== undefined) p.region = v;
  }),
  project_id: P((st, p, ctx) => {
    const v = value(st, ctx);
    if (v !== undefined) p.projectId = v;
  }),
  project_name: P((st, p, ctx) => {
    const v = value(st, ctx);
    if (v !== undefined) p.projectName = v;
  }),
  endpoint: P((st, p, ctx) => {
    const v = url(st, ctx);
    if (v !== undefined) p.endpoint = v;
  }),
  metadata_url: P((st, p, ctx) => {
    const v = url(st, ctx);
    if (v !== undefined) p.metadataUrl = v;
  }),
  auth_url: P((st, p, ctx) => {
    const v = url(st, ctx);
    if (v !== undefined) p.authUrl = v;
  }),
  credentials_file: P((st, p, ctx) => {
    const v = value(st, ctx);
    if (v === undefined) return;
    if (!v.startsWith('/')) ctx.diags.error('invalid-value', `credentials_file: '${v}' must be an absolute path`, st.args[0]!.pos);
    else p.credentialsFile = v;
  }),
  interface: P((st, p, ctx) => {
    const v = oneOf(st, ctx, ['public', 'internal', 'admin'] as const);
    if (v) p.interface = v;
  }),
  domain: P((st, p, ctx) => {
    const v = value(st, ctx);
    if (v !== undefined) p.domain = v;
  }),
  user: P((st, p, ctx) => {
    const v = value(st, ctx);
    if (v !== undefined) p.user = v;
  }),
  password: P((st, p, ctx) => {
    const v = secretValue(st, ctx);
    if (v !== undefined) p.password = v;
    p.seen.password = st.keyword.pos;
  }),
  access_key: P((st, p, ctx) => {
    const v = value(st, ctx);
    if (v !== undefined) p.accessKey = v;
  }),
  secret_key: P((st, p, ctx) => {
    const v = secretValue(st, ctx);
    if (v !== undefined) p.secretKey = v;
    p.seen.secret_key = st.keyword.pos;
  }),
  application_credential_id: P((st, p, ctx) => {
    const v = value(st, ctx);
    if (v !== undefined) p.applicationCredentialId = v;
  }),
  application_credential_secret: P((st, p, ctx) => {
    const v = secretValue(st, ctx);
    if (v !== undefined) p.applicationCredentialSecret = v;
  }),
  timeout: P((st, p, ctx) => {
    const v = intArg(st, 0, 1, 600, ctx.diags);
    if (v !== undefined) p.timeout = v;
    else ctx.diags.error('invalid-value', 'timeout must be 1..600 seconds', st.keyword.pos);
  }),
  retries: P((st, p, ctx) => {
    const v = intArg(st, 0, 0, 100, ctx.diags);
    if (v !== undefined) p.retries = v;
    else ctx.diags.error('invalid-value', 'retries must be 0..100', st.keyword.pos);
  }),
};

type CV = NonNullable<DraftInstance['cloudVip']>;
const C = (handle: KeywordSpec<CV>['handle']): KeywordSpec<CV> => ({ status: 'supported', handle });

export const CLOUD_VIP_TABLE: KeywordTable<CV> = {
  provider: C((st, c, ctx) => {
    const v = value(st, ctx);
    if (v !== undefined) c.provider = v;
    c.seen.provider = st.keyword.pos;
  }),
  address: C((st, c, ctx) => {
    const v = value(st, ctx);
    if (v === undefined) return;
    if (!familyOf(v)) ctx.diags.error('invalid-value', `cloud_vip address: '${v}' is not an IP address`, st.args[0]!.pos);
    else {
      c.address = canonicalIp(v);
      c.seen.address = st.args[0]!.pos;
    }
  }),
  vip_port_id: C((st, c, ctx) => {
    const v = value(st, ctx);
    if (v !== undefined) c.vipPortId = v;
    c.seen.vip_port_id = st.keyword.pos;
  }),
  nic_port_id: C((st, c, ctx) => {
    const v = value(st, ctx);
    if (v !== undefined) c.nicPortId = v;
  }),
  // OpenStack: the floating IP moved to this node's port on claim
  // (PUT /v2.0/floatingips/{id} {"floatingip":{"port_id","fixed_ip_address"}}). The id
  // goes into the request path, so only an id's characters are accepted.
  floating_ip_id: C((st, c, ctx) => {
    const v = value(st, ctx);
    if (v === undefined) return;
    if (!/^[0-9A-Za-z][0-9A-Za-z._-]*$/.test(v)) {
      ctx.diags.error('invalid-value', `cloud_vip floating_ip_id: '${v}' is not a floating IP id`, st.args[0]!.pos);
      return;
    }
    c.floatingIpId = v;
    c.seen.floating_ip_id = st.keyword.pos;
  }),
  mode: C((st, c, ctx) => {
    const v = oneOf(st, ctx, ['exclusive', 'shared'] as const);
    if (v) c.mode = v;
  }),
  release_on_backup: C((st, c, ctx) => {
    const b = onOff(st, ctx);
    if (b !== undefined) c.releaseOnBackup = b;
  }),
  disable_source_check: C((st, c, ctx) => {
    const b = onOff(st, ctx);
    if (b !== undefined) c.disableSourceCheck = b;
  }),
};

export function parseKeepvipDefs(st: Statement, ctx: Ctx): void {
  const k = ctx.draft.keepvip;
  if (k.pos) ctx.diags.warning('duplicate-block', 'keepvip_defs given more than once (merged)', st.keyword.pos);
  k.pos = st.keyword.pos;
  walk(st.block ?? [], KEEPVIP_DEFS_TABLE, k, ctx, 'keepvip_defs', 'error');
}

export function parseCloudProvider(st: Statement, name: string, ctx: Ctx): DraftProvider {
  const p: DraftProvider = { name, pos: st.keyword.pos, seen: {} };
  walk(st.block ?? [], PROVIDER_TABLE, p, ctx, `cloud_provider ${name}`, 'error');
  return p;
}

export function parseCloudVip(st: Statement, ctx: Ctx): CV {
  const c: CV = { pos: st.keyword.pos, seen: {} };
  walk(st.block ?? [], CLOUD_VIP_TABLE, c, ctx, 'cloud_vip', 'error');
  return c;
}

export function keepvipArgCheck(st: Statement, ctx: Ctx): string | undefined {
  return arg(st, 0, ctx.diags, 'a name')?.text;
}
