/** global_defs: the VRRP-relevant keywords, and the rest of keepalived's list as unsupported. */
import type { Statement } from '../tree.js';
import type { Fifo } from '../model.js';
import { arg, boolArg, decimalArg, intArg, ipArg, noExtra, optBoolArg, scriptArg } from '../values.js';
import type { DraftGlobal } from './drafts.js';
import { many, walk, type Ctx, type KeywordSpec, type KeywordTable } from './dispatch.js';

type G = DraftGlobal;
type Spec = KeywordSpec<G>;

const supported = (handle: Spec['handle']): Spec => ({ status: 'supported', handle });

function fifo(st: Statement, ctx: Ctx): Fifo | undefined {
  const t = arg(st, 0, ctx.diags, 'a FIFO path');
  if (!t) return undefined;
  noExtra(st, 3, ctx.diags);
  const f: Fifo = { path: t.text, pos: t.pos };
  if (st.args[1]) f.user = st.args[1].text;
  if (st.args[2]) f.group = st.args[2].text;
  return f;
}

function mark(g: G, st: Statement): void {
  g.seen[st.keyword.text] = st.keyword.pos;
}

const SUPPORTED: KeywordTable<G> = {
  router_id: supported((st, g, ctx) => {
    const t = arg(st, 0, ctx.diags, 'a name');
    if (t) g.routerId = t.text;
  }),
  vrrp_mcast_group4: supported((st, g, ctx) => {
    const ip = ipArg(st, 0, ctx.diags);
    if (ip && ip.family === 4) g.mcastGroup4 = ip.address;
    else if (ip) ctx.diags.warning('family-mismatch', 'vrrp_mcast_group4 needs an IPv4 address (ignored)', st.args[0]!.pos);
  }),
  vrrp_mcast_group6: supported((st, g, ctx) => {
    const ip = ipArg(st, 0, ctx.diags);
    if (ip && ip.family === 6) g.mcastGroup6 = ip.address;
    else if (ip) ctx.diags.warning('family-mismatch', 'vrrp_mcast_group6 needs an IPv6 address (ignored)', st.args[0]!.pos);
  }),
  vrrp_garp_master_delay: supported((st, g, ctx) => {
    const v = intArg(st, 0, 0, 4294, ctx.diags);
    if (v !== undefined) g.garpMasterDelay = v;
  }),
  vrrp_garp_master_repeat: supported((st, g, ctx) => {
    const v = intArg(st, 0, 0, 2147483647, ctx.diags);
    if (v !== undefined) g.garpMasterRepeat = v;
  }),
  vrrp_garp_master_refresh: supported((st, g, ctx) => {
    const v = intArg(st, 0, 0, 2147483647, ctx.diags);
    if (v !== undefined) g.garpMasterRefresh = v;
  }),
  vrrp_garp_master_refresh_repeat: supported((st, g, ctx) => {
    const v = intArg(st, 0, 0, 2147483647, ctx.diags);
    if (v !== undefined) g.garpMasterRefreshRepeat = v;
  }),
  vrrp_garp_lower_prio_delay: supported((st, g, ctx) => {
    const v = intArg(st, 0, 0, 4294, ctx.diags);
    if (v !== undefined) g.garpLowerPrioDelay = v;
  }),
  vrrp_garp_lower_prio_repeat: supported((st, g, ctx) => {
    const v = intArg(st, 0, 0, 2147483647, ctx.diags);
    if (v !== undefined) g.garpLowerPrioRepeat = v;
  }),
  vrrp_garp_interval: supported((st, g, ctx) => {
    const v = decimalArg(st, 0, 0, 4294.967295, ctx.diags);
    if (v !== undefined) g.garpInterval = v;
  }),
  vrrp_gna_interval: supported((st, g, ctx) => {
    const v = decimalArg(st, 0, 0, 4294.967295, ctx.diags);
    if (v !== undefined) g.gnaInterval = v;
  }),
  vrrp_min_garp: supported((st, g, ctx) => {
    const v = optBoolArg(st, 0, ctx.diags);
    if (v !== undefined) g.minGarp = v;
  }),
  vrrp_version: supported((st, g, ctx) => {
    const v = intArg(st, 0, 2, 3, ctx.diags);
    if (v !== undefined) g.vrrpVersion = v as 2 | 3;
  }),
  vrrp_check_unicast_src: supported((_st, g) => {
    g.checkUnicastSrc = true;
  }),
  vrrp_skip_check_adv_addr: supported((_st, g) => {
    g.skipCheckAdvAddr = true;
  }),
  vrrp_strict: supported((st, g) => {
    g.strict = true;
    mark(g, st);
  }),
  vrrp_lower_prio_no_advert: supported((st, g, ctx) => {
    const v = optBoolArg(st, 0, ctx.diags);
    if (v !== undefined) g.lowerPrioNoAdvert = v;
  }),
  vrrp_higher_prio_send_advert: supported((st, g, ctx) => {
    const v = optBoolArg(st, 0, ctx.diags);
    if (v !== undefined) g.higherPrioSendAdvert = v;
  }),
  vrrp_down_timer_adverts: supported((st, g, ctx) => {
    const v = intArg(st, 0, 1, 100, ctx.diags);
    if (v !== undefined) g.downTimerAdverts = v;
  }),
  vrrp_notify_priority_changes: supported((st, g, ctx) => {
    const v = optBoolArg(st, 0, ctx.diags);
    if (v !== undefined) g.notifyPriorityChanges = v;
  }),
  enable_script_security: supported((st, g) => {
    g.enableScriptSecurity = true;
    mark(g, st);
  }),
  script_user: supported((st, g, ctx) => {
    const t = arg(st, 0, ctx.diags, 'a user name');
    if (!t) return;
    noExtra(st, 2, ctx.diags);
    g.scriptUser = st.args[1] ? { user: t.text, group: st.args[1].text } : { user: t.text };
  }),
  notify_fifo: supported((st, g, ctx) => {
    const f = fifo(st, ctx);
    if (f) g.notifyFifo = f;
  }),
  notify_fifo_script: supported((st, g, ctx) => {
    const s = scriptArg(st, ctx.diags);
    if (s) g.notifyFifoScript = s;
  }),
  vrrp_notify_fifo: supported((st, g, ctx) => {
    const f = fifo(st, ctx);
    if (f) g.vrrpNotifyFifo = f;
  }),
  vrrp_notify_fifo_script: supported((st, g, ctx) => {
    const s = scriptArg(st, ctx.diags);
    if (s) g.vrrpNotifyFifoScript = s;
  }),
  vrrp_priority: supported((st, g, ctx) => {
    const v = intArg(st, 0, -20, 19, ctx.diags);
    if (v !== undefined) g.vrrpPriority = v;
  }),
  dynamic_interfaces: supported((st, g, ctx) => {
    g.dynamicInterfaces = true;
    const t = st.args[0];
    if (t && t.text === 'allow_if_changes') g.allowIfChanges = true;
    else if (t) ctx.diags.warning('invalid-value', `dynamic_interfaces: unknown option '${t.text}' (ignored)`, t.pos);
  }),
  vrrp_startup_delay: supported((st, g, ctx) => {
    const v = decimalArg(st, 0, 0, 4294.967295, ctx.diags);
    if (v !== undefined) g.startupDelay = v;
  }),
  // E-mail alerts: read into the model, no e-mail is sent.
  notification_email: {
    status: 'parsed-unsupported',
    why: 'keepvip sends no e-mail',
    block: true,
    handle: (st, g) => {
      for (const s of st.block ?? []) g.smtp.emails.push(s.keyword.text);
    },
  },
  notification_email_from: {
    status: 'parsed-unsupported',
    why: 'keepvip sends no e-mail',
    handle: (st, g, ctx) => {
      const t = arg(st, 0, ctx.diags, 'an address');
      if (t) g.smtp.from = t.text;
    },
  },
  smtp_server: {
    status: 'parsed-unsupported',
    why: 'keepvip sends no e-mail',
    handle: (st, g, ctx) => {
      const t = arg(st, 0, ctx.diags, 'a server');
      if (!t) return;
      g.smtp.server = t.text;
      if (st.args[1]) {
        const p = intArg(st, 1, 1, 65535, ctx.diags);
        if (p !== undefined) g.smtp.port = p;
      }
    },
  },
  smtp_helo_name: {
    status: 'parsed-unsupported',
    why: 'keepvip sends no e-mail',
    handle: (st, g, ctx) => {
      const t = arg(st, 0, ctx.diags, 'a name');
      if (t) g.smtp.heloName = t.text;
    },
  },
  smtp_connect_timeout: {
    status: 'parsed-unsupported',
    why: 'keepvip sends no e-mail',
    handle: (st, g, ctx) => {
      const v = intArg(st, 0, 1, 3600, ctx.diags);
      if (v !== undefined) g.smtp.connectTimeout = v;
    },
  },
  smtp_alert: {
    status: 'parsed-unsupported',
    why: 'keepvip sends no e-mail',
    handle: (st, g, ctx) => {
      const v = optBoolArg(st, 0, ctx.diags);
      if (v !== undefined) g.smtp.alert = v;
    },
  },
  smtp_alert_vrrp: {
    status: 'parsed-unsupported',
    why: 'keepvip sends no e-mail',
    handle: (st, g, ctx) => {
      const v = boolArg(st, 0, ctx.diags);
      if (v !== undefined) g.smtp.alertVrrp = v;
    },
  },
  vrrp_iptables: {
    status: 'parsed-unsupported',
    why: 'no firewall rules are managed; no_accept is not enforced',
    handle: (st, g) => {
      g.vrrpIptables = st.args.map((a) => a.text);
    },
  },
};

/** Accepted by keepalived 2.2.7 in global_defs, ignored by keepvip. */
export const GLOBAL_UNSUPPORTED = [
  'tmp_config_directory',
  'config_save_dir',
  'process_names',
  'process_name',
  'vrrp_process_name',
  'checker_process_name',
  'bfd_process_name',
  'startup_script',
  'startup_script_timeout',
  'shutdown_script',
  'shutdown_script_timeout',
  'no_email_faults',
  'default_interface',
  'vrrp_garp_extra_if',
  'nftables',
  'nftables_priority',
  'nftables_counters',
  'nftables_ifindex',
  'disable_local_igmp',
  'max_auto_priority',
  'min_auto_priority_delay',
  'vrrp_no_swap',
  'vrrp_cpu_affinity',
  'vrrp_rt_priority',
  'vrrp_rlimit_rttime',
  'bfd_priority',
  'bfd_no_swap',
  'bfd_cpu_affinity',
  'bfd_rt_priority',
  'bfd_rlimit_rttime',
  'snmp_socket',
  'enable_snmp_vrrp',
  'enable_snmp_checker',
  'enable_snmp_rfc',
  'enable_snmp_rfcv2',
  'enable_snmp_rfcv3',
  'enable_traps',
  'enable_dbus',
  'dbus_service_name',
  'fifo_write_vrrp_states_on_reload',
  'vrrp_netlink_cmd_rcv_bufs',
  'vrrp_netlink_cmd_rcv_bufs_force',
  'vrrp_netlink_monitor_rcv_bufs',
  'vrrp_netlink_monitor_rcv_bufs_force',
  'process_monitor_rcv_bufs',
  'process_monitor_rcv_bufs_force',
  'vrrp_rx_bufs_policy',
  'vrrp_rx_bufs_multiplier',
  'umask',
  'log_unknown_vrids',
  'vmac_prefix',
  'vmac_addr_prefix',
  'random_seed',
  'reload_check_config',
  'include_check',
  'reload_time_file',
  'reload_repeat',
  'reload_file',
  'data_use_instance',
];

/** global_defs keywords that belong to LVS / checkers (covered by the single LVS note). */
export const GLOBAL_LVS = [
  'lvs_sync_daemon',
  'lvs_timeouts',
  'lvs_flush',
  'lvs_flush_on_stop',
  'lvs_notify_fifo',
  'lvs_notify_fifo_script',
  'lvs_netlink_cmd_rcv_bufs',
  'lvs_netlink_cmd_rcv_bufs_force',
  'lvs_netlink_monitor_rcv_bufs',
  'lvs_netlink_monitor_rcv_bufs_force',
  'smtp_alert_checker',
  'checker_log_all_failures',
  'checker_priority',
  'checker_no_swap',
  'checker_cpu_affinity',
  'checker_rt_priority',
  'checker_rlimit_rttime',
  'rs_init_notifies',
  'no_checker_emails',
  'nftables_ipvs',
  'nftables_ipvs_priority',
  'nftables_ipvs_start_fwmark',
];

export const GLOBAL_TABLE: KeywordTable<G> = {
  ...SUPPORTED,
  ...many<G>(GLOBAL_UNSUPPORTED, { status: 'unsupported' }),
  ...many<G>(GLOBAL_LVS, { status: 'lvs' }),
};

export function parseGlobalDefs(st: Statement, g: G, ctx: Ctx): void {
  walk(st.block ?? [], GLOBAL_TABLE, g, ctx, 'global_defs');
}
