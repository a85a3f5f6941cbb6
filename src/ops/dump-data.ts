/**
 * The SIGUSR1 data dump (/tmp/keepalived.data), in keepalived 2.2.7's layout for the
 * VRRP parts: section rulers `------< Name >------`, one-space-indented objects and
 * three-space-indented `Key = value` lines, in keepalived's order. Lines for features
 * keepvip does not have (LVS, SNMP, DBus, sockpool fds, interfaces) are left out; a
 * parser of keepalived's file finds every line it knows where it expects it.
 *
 * Differences from keepalived, on purpose:
 * - no `Password = ...` line: keepalived prints the PASS password; keepvip never does;
 * - `Cloud claim = ...` is added to an instance that claims its VIP through a cloud API.
 */
import type { InstanceStatus, StatusSnapshot, TrackerStatus } from './status.js';
import { keepalivedTime, quoteArgv, secs } from './dump-format.js';

/** A VIP as keepalived lists it: `192.0.2.100/24 dev eth0 scope global set`. */
export function vipLine(i: InstanceStatus, vip: string): string {
  // IPv6 addresses are added with infinite lifetimes, which keepalived shows.
  const lft = i.family === 6 ? ' preferred_lft forever' : '';
  return `${vip} dev ${i.ifname} scope global${lft}${i.vipsSet ? ' set' : ''}`;
}

const ruler = (name: string) => `------< ${name} >------`;
const onOff = (b: boolean) => (b ? 'enabled' : 'disabled');

function globals(s: StatusSnapshot): string[] {
  const g = s.daemon.globals ?? {};
  const out = [ruler('Global definitions'), ' Network namespace = (default)', ` Router ID = ${s.daemon.routerId}`];
  const opt = (label: string, v: string | number | boolean | undefined) => {
    if (v !== undefined) out.push(` ${label} = ${v}`);
  };
  opt('VRRP IPv4 mcast group', g.mcastGroup4);
  opt('VRRP IPv6 mcast group', g.mcastGroup6);
  opt('Gratuitous ARP delay', g.garpDelayMs === undefined ? undefined : secs(g.garpDelayMs));
  opt('Gratuitous ARP repeat', g.garpRepeat);
  opt('Gratuitous ARP refresh timer', g.garpRefreshMs === undefined ? undefined : secs(g.garpRefreshMs));
  opt('Gratuitous ARP refresh repeat', g.garpRefreshRepeat);
  opt('Num adverts before down', g.downTimerAdverts);
  opt('VRRP default protocol version', g.vrrpVersion);
  opt('VRRP check unicast_src', g.checkUnicastSrc);
  opt('VRRP skip check advert addresses', g.skipCheckAdvAddr);
  opt('VRRP strict mode', g.strictMode);
  if (g.scriptSecurity !== undefined) out.push(` Script security ${g.scriptSecurity ? 'enabled' : 'disabled'}`);
  if (g.scriptUser !== undefined) out.push(` Default script uid:gid ${g.scriptUser}`);
  return out;
}

function trackersOf(s: StatusSnapshot, inst: string, kind: TrackerStatus['kind']): string[] {
  return s.trackers
    .filter((t) => t.kind === kind)
    .flatMap((t) => t.instances.filter((i) => i.name === inst).map((i) => `     ${t.name} weight ${i.weight}`));
}

function instance(s: StatusSnapshot, i: InstanceStatus): string[] {
  const out = [` VRRP Instance = ${i.name}`];
  const l = (text: string) => out.push(`   ${text}`);
  l(`VRRP Version = ${i.version}`);
  if (i.family === 6) l('Using Native IPv6');
  if (i.syncGroup) l(`Sync group = ${i.syncGroup}`);
  l(`State = ${i.state}`);
  if (i.state !== 'MASTER' && i.master) {
    l(`Master router = ${i.master.ip}`);
    l(`Master priority = ${i.master.priority}`);
    if (i.version === 3) l(`Master advert int = ${(i.master.intervalCs / 100).toFixed(2)} sec`);
  }
  if (i.unicastPeers.length) {
    l('Flags:');
    out.push('     Using unicast');
  } else l('Flags: none');
  l(`Wantstate = ${i.wantState}`);
  l(`Number of interface and track script faults = ${i.faults.length}`);
  if (i.lastTransition) l(`Last transition = ${keepalivedTime(i.lastTransition.at)}`);
  l(`Master down timer = ${Math.round(i.masterDownMs * 1000)} usecs`);
  l(`Interface = ${i.ifname}`);
  l(`Using src_ip = ${i.srcIp}`);
  if (!i.unicastPeers.length) {
    const g = s.daemon.globals;
    l(`Multicast address ${i.family === 6 ? (g?.mcastGroup6 ?? 'ff02::12') : (g?.mcastGroup4 ?? '224.0.0.18')}`);
  }
  l(`Gratuitous ARP delay = ${secs(i.garp.delayMs)}`);
  l(`Gratuitous ARP repeat = ${i.garp.repeat}`);
  l(`Gratuitous ARP refresh = ${secs(i.garp.refreshMs)}`);
  l(`Gratuitous ARP refresh repeat = ${i.garp.refreshRepeat}`);
  l(`Down timer adverts = ${i.downTimerAdverts}`);
  l(`Virtual Router ID = ${i.vrid}`);
  l(`Priority = ${i.priority.base}`);
  l(`Effective priority = ${i.priority.effective}`);
  l(`Total priority = ${i.priority.effective}`);
  if (i.version === 2) l(`Advert interval = ${i.intervalCs / 100} sec`);
  else {
    l(`Advert interval = ${i.intervalCs * 10} milli-sec`);
    l(`Master advert interval = ${(i.master?.intervalCs ?? i.intervalCs) * 10} milli-sec`);
  }
  l(`Preempt = ${onOff(i.preempt)}`);
  if (i.preemptDelayMs > 0) l(`Preempt delay = ${secs(i.preemptDelayMs)} secs`);
  if (i.version === 2) {
    const name = { none: 'none', pass: 'SIMPLE_PASSWORD', ah: 'IPSEC_AH' }[i.authType];
    l(`Authentication type = ${name}`);
  }
  l(`Virtual IP (${i.vips.length}):`);
  for (const v of i.vips) out.push(`     ${vipLine(i, v)}`);
  if (i.unicastPeers.length) {
    l(`Check unicast src : ${i.checkUnicastSrc ? 'yes' : 'no'}`);
    l('Unicast Peer :');
    for (const p of i.unicastPeers) out.push(`     ${p}`);
  }
  const ifs = trackersOf(s, i.name, 'interface');
  if (ifs.length) out.push('   Tracked interfaces :', ...ifs);
  const scripts = trackersOf(s, i.name, 'script');
  if (scripts.length) out.push('   Tracked scripts :', ...scripts);
  const files = trackersOf(s, i.name, 'file');
  if (files.length) out.push('   Tracked files :', ...files);
  if (i.cloud) {
    const err = i.cloud.lastError ? `, last error ${i.cloud.lastError.code}` : '';
    l(`Cloud claim = ${i.cloud.state} (provider ${i.cloud.provider}, attempts ${i.cloud.attempts}${err})`);
  }
  return out;
}

function scripts(s: StatusSnapshot): string[] {
  const list = s.trackers.filter((t) => t.kind === 'script' && t.script);
  if (!list.length) return [];
  const out = [ruler('VRRP Scripts')];
  for (const t of list) {
    const c = t.script!;
    out.push(
      ` VRRP Script = ${t.name}`,
      `   Command = ${quoteArgv(c.command)}`,
      `   Interval = ${secs(c.intervalMs)} sec`,
      `   Timeout = ${secs(c.timeoutMs)} sec`,
      `   Weight = ${c.weight}`,
      `   Rise = ${c.rise}`,
      `   Fall = ${c.fall}`,
      `   Status = ${t.up ? 'GOOD' : 'BAD'}`,
      '   Tracking instances :',
      ...t.instances.map((i) => `     ${i.name}, weight ${i.weight}`),
    );
  }
  return out;
}

function syncGroups(s: StatusSnapshot): string[] {
  if (!s.syncGroups.length) return [];
  const out = [ruler('VRRP Sync groups')];
  for (const g of s.syncGroups) {
    out.push(` VRRP Sync Group = ${g.name}, ${g.state}`, '   VRRP member instances :', ...g.members.map((m) => `     ${m}`));
  }
  return out;
}

export function formatDataDump(s: StatusSnapshot): string {
  const lines = [
    ...globals(s),
    ruler('VRRP Topology'),
    ...s.instances.flatMap((i) => instance(s, i)),
    ...syncGroups(s),
    ...scripts(s),
  ];
  return `${lines.join('\n')}\n`;
}
