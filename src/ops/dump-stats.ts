/**
 * The SIGUSR2 stats dump (/tmp/keepalived.stats) in keepalived 2.2.7's layout and counter
 * names, per instance. Our drop reasons (src/core/codec/errors.ts) map onto keepalived's
 * counters as KEEPALIVED_COUNTER_OF says; the reasons keepalived has no counter for in
 * this file (it counts some only for SNMP) are listed after keepalived's lines in an
 * `Other Drops:` block, which keepalived's readers skip.
 */
import type { DropReason } from '../core/codec/errors.js';
import type { InstanceStats, StatusSnapshot } from './status.js';

/** keepalived's stats counter (its JSON name) for each drop reason, or null when none. */
export const KEEPALIVED_COUNTER_OF: Record<DropReason, KeepalivedDropCounter | null> = {
  length: 'packet_len_err',
  ttl: 'ip_ttl_err',
  type: 'invalid_type_rcvd',
  interval_mismatch: 'advert_interval_err',
  address_count: 'addr_list_err',
  address_mismatch: 'addr_list_err',
  auth_ah: 'invalid_authtype',
  auth_type: 'authtype_mismatch',
  auth_mismatch: 'auth_failure',
  version: null,
  vrid: null,
  checksum: null,
  family: null,
  unicast_src: null,
  cast_mismatch: null,
};

export type KeepalivedDropCounter =
  | 'packet_len_err'
  | 'ip_ttl_err'
  | 'invalid_type_rcvd'
  | 'advert_interval_err'
  | 'addr_list_err'
  | 'invalid_authtype'
  | 'authtype_mismatch'
  | 'auth_failure';

/** The `Other Drops:` labels, in the order printed. */
export const OTHER_DROP_LABELS: [DropReason, string][] = [
  ['version', 'Version'],
  ['vrid', 'VRID'],
  ['checksum', 'Checksum'],
  ['family', 'Address Family'],
  ['unicast_src', 'Unicast Source'],
  ['cast_mismatch', 'Unicast/Multicast Mismatch'],
];

/** keepalived's per-instance counters (the names of its JSON dump's "stats" object). */
export interface KeepalivedStats {
  advert_rcvd: number;
  advert_sent: number;
  become_master: number;
  release_master: number;
  packet_len_err: number;
  advert_interval_err: number;
  ip_ttl_err: number;
  invalid_type_rcvd: number;
  addr_list_err: number;
  invalid_authtype: number;
  authtype_mismatch: number;
  auth_failure: number;
  pri_zero_rcvd: number;
  pri_zero_sent: number;
}

export function keepalivedStats(st: InstanceStats): KeepalivedStats {
  const k: KeepalivedStats = {
    advert_rcvd: st.advertRcvd,
    advert_sent: st.advertSent,
    become_master: st.becomeMaster,
    release_master: st.releaseMaster,
    packet_len_err: 0,
    advert_interval_err: 0,
    ip_ttl_err: 0,
    invalid_type_rcvd: 0,
    addr_list_err: 0,
    invalid_authtype: 0,
    authtype_mismatch: 0,
    auth_failure: 0,
    pri_zero_rcvd: st.priZeroRcvd,
    pri_zero_sent: st.priZeroSent,
  };
  for (const [reason, counter] of Object.entries(KEEPALIVED_COUNTER_OF) as [DropReason, KeepalivedDropCounter | null][]) {
    if (counter) k[counter] += st.drops[reason] ?? 0;
  }
  return k;
}

export function formatStatsDump(s: StatusSnapshot): string {
  const out: string[] = [];
  for (const i of s.instances) {
    const k = keepalivedStats(i.stats);
    out.push(
      `VRRP Instance: ${i.name}`,
      '  Advertisements:',
      `    Received: ${k.advert_rcvd}`,
      `    Sent: ${k.advert_sent}`,
      `  Became master: ${k.become_master}`,
      `  Released master: ${k.release_master}`,
      '  Packet Errors:',
      `    Length: ${k.packet_len_err}`,
      `    TTL: ${k.ip_ttl_err}`,
      `    Invalid Type: ${k.invalid_type_rcvd}`,
      `    Advertisement Interval: ${k.advert_interval_err}`,
      `    Address List: ${k.addr_list_err}`,
      '  Authentication Errors:',
      `    Invalid Type: ${k.invalid_authtype}`,
      `    Type Mismatch: ${k.authtype_mismatch}`,
      `    Failure: ${k.auth_failure}`,
      '  Priority Zero:',
      `    Received: ${k.pri_zero_rcvd}`,
      `    Sent: ${k.pri_zero_sent}`,
      '  Other Drops:',
      ...OTHER_DROP_LABELS.map(([r, label]) => `    ${label}: ${i.stats.drops[r] ?? 0}`),
    );
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
