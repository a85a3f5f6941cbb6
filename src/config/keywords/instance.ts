/** vrrp_instance keywords (keepalived 2.2.7) and keepvip's cloud_vip block. */
import type { Statement } from '../tree.js';
import { parseVip } from '../vip.js';
import {
  arg,
  boolArg,
  decimalArg,
  intArg,
  ipArg,
  optBoolArg,
  parseDecimal,
  parseInteger,
  parseIp,
  scriptArg,
  statementText,
} from '../values.js';
import type { DraftInstance } from './drafts.js';
import { many, walk, type Ctx, type KeywordSpec, type KeywordTable } from './dispatch.js';
import { parseTrackList } from './track.js';
import { parseCloudVip } from './keepvip.js';

type I = DraftInstance;
type Spec = KeywordSpec<I>;
const S = (handle: Spec['handle'], block = false): Spec => ({ status: 'supported', handle, block });
const mark = (i: I, st: Statement): void => {
  i.seen[st.keyword.text] = st.keyword.pos;
};

function notify(key: keyof I['notify']): Spec {
  return S((st, i, ctx) => {
    const s = scriptArg(st, ctx.diags);
    if (s) i.notify[key] = s;
  });
}

function garp(key: keyof I['garp'], max: number): Spec {
  return S((st, i, ctx) => {
    const v = intArg(st, 0, 0, max, ctx.diags);
    if (v !== undefined) i.garp[key] = v;
  });
}

function vipBlock(list: 'vips' | 'excludedVips'): Spec {
  return S((st, i, ctx) => {
    for (const line of st.block ?? []) {
      const vip = parseVip(line, ctx.diags);
      if (vip) i[list].push(vip);
    }
  }, true);
}

const SUPPORTED: KeywordTable<I> = {
  state: S((st, i, ctx) => {
    const t = arg(st, 0, ctx.diags, 'MASTER or BACKUP');
    if (!t) return;
    mark(i, st);
    if (t.text === 'MASTER' || t.text === 'BACKUP') i.state = t.text;
    else ctx.diags.warning('invalid-value', `(${i.name}) unknown state '${t.text}' (must be MASTER or BACKUP; ignored)`, t.pos);
  }),
  interface: S((st, i, ctx) => {
    const t = arg(st, 0, ctx.diags, 'an interface name');
    if (!t) return;
    mark(i, st);
    if (t.text.length > 15) ctx.diags.warning('invalid-value', `(${i.name}) interface name '${t.text}' is longer than 15 characters (ignored)`, t.pos);
    else i.interface = t.text;
  }),
  virtual_router_id: S((st, i, ctx) => {
    mark(i, st);
    const v = intArg(st, 0, 1, 255, ctx.diags);
    if (v === undefined) i.vridInvalid = true;
    else i.vrid = v;
  }),
  priority: S((st, i, ctx) => {
    mark(i, st);
    const t = arg(st, 0, ctx.diags, 'a number in 1..255');
    if (!t) return;
    const n = parseInteger(t.text);
    if (n === undefined || n < 1 || n > 255) {
      ctx.diags.warning('out-of-range', `(${i.name}) priority '${t.text}' not valid, must be 1..255 (using default 100)`, t.pos);
      return;
    }
    i.priority = n;
  }),
  advert_int: S((st, i, ctx) => {
    mark(i, st);
    const t = arg(st, 0, ctx.diags, 'an interval in seconds');
    if (!t) return;
    const v = parseDecimal(t.text);
    // keepalived reads the interval with 1 us resolution and accepts 0.01..255 s.
    if (v === undefined || v < 0.01 || v > 255) {
      ctx.diags.warning('invalid-value', `(${i.name}) advert_int '${t.text}' not valid, must be 0.01..255 seconds (using 1)`, t.pos);
      return;
    }
    i.advertInt = Math.round(v * 1e6) / 1e6;
  }),
  nopreempt: S((st, i) => {
    mark(i, st);
    i.nopreempt = true;
  }),
  preempt: { status: 'deprecated', handle: (_st, i) => void (i.nopreempt = false) },
  preempt_delay: S((st, i, ctx) => {
    mark(i, st);
    const v = decimalArg(st, 0, 0, 1000, ctx.diags);
    if (v !== undefined) i.preemptDelay = v;
  }),
  virtual_ipaddress: vipBlock('vips'),
  virtual_ipaddress_excluded: vipBlock('excludedVips'),
  unicast_src_ip: S((st, i, ctx) => {
    mark(i, st);
    const ip = ipArg(st, 0, ctx.diags);
    if (ip) i.unicastSrcIp = ip;
  }),
  mcast_src_ip: S((st, i, ctx) => {
    mark(i, st);
    const ip = ipArg(st, 0, ctx.diags);
    if (ip) i.mcastSrcIp = ip;
  }),
  unicast_peer: S((st, i, ctx) => {
    mark(i, st);
    for (const line of st.block ?? []) {
      const ip = parseIp(line.keyword, 'unicast_peer', ctx.diags);
      if (!ip) continue;
      const peer: I['unicastPeers'][number] = { ...ip, pos: line.keyword.pos };
      for (let k = 0; k < line.args.length; k += 2) {
        const opt = line.args[k]!;
        const val = line.args[k + 1];
        const n = val ? parseInteger(val.text) : undefined;
        if ((opt.text === 'min_ttl' || opt.text === 'max_ttl') && n !== undefined && n >= 0 && n <= 255) {
          if (opt.text === 'min_ttl') peer.minTtl = n;
          else peer.maxTtl = n;
        } else {
          ctx.diags.warning('invalid-value', `unicast_peer ${ip.address}: unknown or invalid option '${opt.text}' (ignored)`, opt.pos);
        }
      }
      i.unicastPeers.push(peer);
    }
  }, true),
  authentication: S((st, i, ctx) => {
    const auth: NonNullable<I['auth']> = { pos: st.keyword.pos };
    for (const line of st.block ?? []) {
      const k = line.keyword.text;
      if (k === 'auth_type') {
        const t = arg(line, 0, ctx.diags, 'PASS or AH');
        if (!t) continue;
        if (t.text === 'PASS' || t.text === 'AH') auth.type = t.text;
        else ctx.diags.warning('invalid-value', `(${i.name}) unknown auth_type '${t.text}' (must be PASS or AH; ignored)`, t.pos);
      } else if (k === 'auth_pass') {
        const t = line.args[0];
        if (!t) {
          ctx.diags.warning('missing-value', `'auth_pass' needs a password`, line.keyword.pos);
          continue;
        }
        ctx.diags.secret(t.text);
        // RFC 2338 §5.3.11: only 8 octets of authentication data.
        if (Buffer.byteLength(t.text) > 8) {
          ctx.diags.warning('auth-truncated', `(${i.name}) auth_pass is longer than 8 characters (truncated to 8)`, t.pos);
          auth.password = Buffer.from(t.text).subarray(0, 8).toString();
          ctx.diags.secret(auth.password);
        } else auth.password = t.text;
      } else {
        ctx.diags.warning('unknown-keyword', `unknown keyword '${k}' in authentication (skipped)`, line.keyword.pos);
      }
    }
    i.auth = auth;
  }, true),
  track_interface: S((st, i, ctx) => void i.trackInterfaces.push(...parseTrackList(st, ctx, 253, true)), true),
  track_script: S((st, i, ctx) => void i.trackScripts.push(...parseTrackList(st, ctx, 253, true)), true),
  track_file: S((st, i, ctx) => void i.trackFiles.push(...parseTrackList(st, ctx, 254, true)), true),
  track_process: S((st, i, ctx) => void i.trackProcesses.push(...parseTrackList(st, ctx, 254, true)), true),
  notify_master: notify('master'),
  notify_backup: notify('backup'),
  notify_fault: notify('fault'),
  notify_stop: notify('stop'),
  notify: notify('generic'),
  notify_master_rx_lower_pri: notify('masterRxLowerPri'),
  notify_priority_changes: S((st, i, ctx) => {
    // keepalived 2.2.7 takes the bare keyword as on.
    const v = st.args.length ? boolArg(st, 0, ctx.diags) : true;
    if (v !== undefined) i.notifyPriorityChanges = v;
  }),
  // Ranges as keepalived 2.2.7 reads them (delays up to 4294 s).
  garp_master_delay: garp('masterDelay', 4294),
  garp_master_repeat: garp('masterRepeat', 2147483647),
  garp_master_refresh: garp('masterRefresh', 2147483647),
  garp_master_refresh_repeat: garp('masterRefreshRepeat', 2147483647),
  garp_lower_prio_delay: garp('lowerPrioDelay', 4294),
  garp_lower_prio_repeat: garp('lowerPrioRepeat', 2147483647),
  version: S((st, i, ctx) => {
    mark(i, st);
    const v = intArg(st, 0, 2, 3, ctx.diags);
    if (v !== undefined) i.version = v as 2 | 3;
  }),
  accept: S((st, i) => {
    mark(i, st);
    i.accept = true;
  }),
  dont_track_primary: S((_st, i) => void (i.dontTrackPrimary = true)),
  skip_check_adv_addr: S((st, i, ctx) => {
    const v = optBoolArg(st, 0, ctx.diags);
    if (v !== undefined) i.skipCheckAdvAddr = v;
  }),
  check_unicast_src: S((_st, i) => void (i.checkUnicastSrc = true)),
  down_timer_adverts: S((st, i, ctx) => {
    const v = intArg(st, 0, 1, 100, ctx.diags);
    if (v !== undefined) i.downTimerAdverts = v;
  }),
  native_ipv6: S((st, i) => {
    mark(i, st);
    i.nativeIpv6 = true;
  }),
  strict_mode: S((st, i, ctx) => {
    const v = optBoolArg(st, 0, ctx.diags);
    if (v !== undefined) i.strictMode = v;
  }),
  debug: {
    status: 'deprecated',
    handle: (st, i, ctx) => {
      const v = intArg(st, 0, 0, 4, ctx.diags);
      if (v !== undefined) i.debug = v;
    },
  },
  cloud_vip: S((st, i, ctx) => {
    if (i.cloudVip) ctx.diags.error('duplicate-block', `(${i.name}) more than one cloud_vip block`, st.keyword.pos);
    i.cloudVip = parseCloudVip(st, ctx);
    i.seen.cloud_vip = st.keyword.pos;
  }, true),
};

const PARSED_UNSUPPORTED: KeywordTable<I> = {
  virtual_routes: {
    status: 'parsed-unsupported',
    why: 'routes are not added or removed on state changes',
    block: true,
    handle: (st, i) => void i.virtualRoutes.push(...(st.block ?? []).map((l) => ({ text: statementText(l), pos: l.keyword.pos }))),
  },
  virtual_rules: {
    status: 'parsed-unsupported',
    why: 'rules are not added or removed on state changes',
    block: true,
    handle: (st, i) => void i.virtualRules.push(...(st.block ?? []).map((l) => ({ text: statementText(l), pos: l.keyword.pos }))),
  },
  use_vmac: {
    status: 'parsed-unsupported',
    why: 'no macvlan interface is created; VIPs go on the instance interface',
    handle: (st, i) => {
      i.useVmac = {};
      for (const a of st.args) {
        if (/^([0-9a-fA-F]{2}:){4,5}[0-9a-fA-F]{2}$/.test(a.text)) i.useVmac.mac = a.text;
        else i.useVmac.name = a.text;
      }
    },
  },
  no_accept: {
    status: 'parsed-unsupported',
    why: 'no firewall rules are managed, VIPs always accept traffic',
    handle: (st, i) => {
      mark(i, st);
      i.accept = false;
    },
  },
  mcast_dst_ip: {
    status: 'parsed-unsupported',
    why: 'adverts go to the vrrp_mcast_group4/6 group',
    handle: (st, i, ctx) => {
      const ip = ipArg(st, 0, ctx.diags);
      if (ip) i.mcastDstIp = ip;
    },
  },
  unicast_ttl: {
    status: 'parsed-unsupported',
    why: 'adverts are sent with TTL 255',
    handle: (st, i, ctx) => {
      const v = intArg(st, 0, 0, 255, ctx.diags);
      if (v !== undefined) i.unicastTtl = v;
    },
  },
  lower_prio_no_advert: {
    status: 'parsed-unsupported',
    handle: (st, i, ctx) => {
      const v = optBoolArg(st, 0, ctx.diags);
      if (v !== undefined) i.lowerPrioNoAdvert = v;
    },
  },
  higher_prio_send_advert: {
    status: 'parsed-unsupported',
    handle: (st, i, ctx) => {
      const v = optBoolArg(st, 0, ctx.diags);
      if (v !== undefined) i.higherPrioSendAdvert = v;
    },
  },
  smtp_alert: {
    status: 'parsed-unsupported',
    why: 'keepvip sends no e-mail',
    handle: (st, i, ctx) => {
      const v = optBoolArg(st, 0, ctx.diags);
      if (v !== undefined) i.smtpAlert = v;
    },
  },
};

/** Accepted by keepalived 2.2.7 in vrrp_instance, ignored by keepvip. */
export const INSTANCE_UNSUPPORTED = [
  'use_vmac_addr',
  'vmac_xmit_base',
  'use_ipvlan',
  'vrf',
  'track_bfd',
  'track_src_ip',
  'unicast_fault_no_peer',
  'old_unicast_checksum',
  'garp_extra_if',
  'promote_secondaries',
  'kernel_rx_buf_size',
  'linkbeat_use_polling',
];

export const INSTANCE_TABLE: KeywordTable<I> = {
  ...SUPPORTED,
  ...PARSED_UNSUPPORTED,
  ...many<I>(INSTANCE_UNSUPPORTED, { status: 'unsupported' }),
  ...many<I>(['lvs_sync_daemon_interface'], { status: 'lvs' }),
};

export function newInstance(name: string, st: Statement): DraftInstance {
  return {
    name,
    pos: st.keyword.pos,
    seen: {},
    vips: [],
    excludedVips: [],
    virtualRoutes: [],
    virtualRules: [],
    unicastPeers: [],
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    trackProcesses: [],
    notify: {},
    garp: {},
  };
}

export function parseInstance(st: Statement, name: string, ctx: Ctx): DraftInstance {
  const i = newInstance(name, st);
  const body = st.block ?? [];
  walk(body, INSTANCE_TABLE, i, ctx, `vrrp_instance ${name}`);
  // keepalived 2.2.7 does not know cloud_vip: it reads the block's lines as instance
  // keywords and its `}` as the end of the instance, losing anything after it.
  const idx = body.findIndex((s) => s.keyword.text === 'cloud_vip');
  if (idx >= 0 && idx < body.length - 1) {
    ctx.diags.warning(
      'keepalived-compat',
      `(${name}) cloud_vip is not the last item of the vrrp_instance: keepalived would end the instance at cloud_vip's '}' and lose what follows (move cloud_vip to the end)`,
      body[idx]!.keyword.pos,
    );
  }
  return i;
}
