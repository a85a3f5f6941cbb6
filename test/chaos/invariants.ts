/**
 * What must hold once a fault has healed, read from every independent source the lab has:
 * the daemons' logs, the capture on the bridge, the nodes' addresses and sysctls, and the
 * simulator's port state.
 *
 * VRRP (deadline: heal + Master_Down_Interval of the lowest priority + 1 s):
 *   V1 exactly one MASTER among the daemons' logged states; every other node BACKUP
 *      (none FAULT, INIT or down);
 *   V2 that MASTER is the highest-priority node (a): preemption, keepalived's default;
 *   V3 on the wire, the MASTER sent the last advert (priority > 0), within the last
 *      advert_int + 150 ms, and no other node advertised since its first advert in that window;
 *   V4 the VIP is on exactly one interface, the MASTER's (so none on a BACKUP/FAULT node);
 *   V5 IP forwarding on the keepvip MASTER, off on every keepvip standby.
 * Cloud (deadline: the VRRP bound + 1 s (a claim lands in well under a second once the
 * new MASTER is in place); plus the request timeout + the backoff ceiling when the fault
 * touched the cloud path (cloud API faults, lost packets, a link or both links down: a
 * claim may be waiting out a backoff or a hung request when the fault heals); plus one
 * MASTER verification interval (src/shell/cloud.ts) when two keepvip nodes may have been
 * MASTER at once with the API reachable, or a write may land late (stop, partition, loss,
 * delay, cloud): the loser may have stepped down on the winner's first advert without
 * advertising again, so the winner hears nothing that says its claim was overwritten):
 *   C1 when the MASTER is a keepvip node, the VIP port's allowed_address_pairs name exactly
 *      that node's NIC;
 *   C2 always: the port never names more than one NIC (exclusive mode).
 * When keepalived is MASTER (only during the outage fault) the cloud cannot follow it
 * (keepalived has no cloud support, and the keepvip nodes are cut off from the API), so C1
 * is not asked there: the port keeps naming the last keepvip MASTER. keepvip nodes cut off
 * from everything must still be FAULT with no VIP and forwarding off (checked mid-fault).
 * After convergence, a hold period re-checks everything: no late cloud write, no backup
 * advertising.
 */
import { DEFAULT_VRID, type VrrpStateName } from '../helpers/vrrp-lab.js';
import { KEEPVIP_NODES, NODES, type ChaosLab } from './topology.js';
import type { NodeName } from './plan.js';

export interface Snapshot {
  t: number;
  states: Record<NodeName, VrrpStateName | 'DOWN'>;
  /** Nodes with the VIP on their interface. */
  vipOn: NodeName[];
  /** keepvip nodes' IP forwarding (IPv4, or IPv6 for an IPv6 mode). */
  forwarding: Partial<Record<NodeName, number>>;
  /** Nodes acting as MASTER on the bridge now (see V3). */
  advertisers: NodeName[];
  /** The NICs (node names, or raw IPs of unknown ones) the VIP port names. */
  pairs?: string[];
  /** Why the simulator could not be read, when it could not. */
  pairsError?: string;
}

export async function snapshot(cl: ChaosLab, opts: { cloud: boolean }): Promise<Snapshot> {
  const t = Date.now();
  const states = {} as Snapshot['states'];
  for (const n of NODES) states[n.name] = cl.state(n.name);
  const vipOn = cl.vl.vipHolders(cl.vip) as NodeName[];
  const forwarding: Snapshot['forwarding'] = {};
  for (const n of KEEPVIP_NODES) forwarding[n] = cl.vl.forwarding(n, cl.mode.family);
  // Who acts as MASTER on the wire now: the source of the last advert (priority > 0) within
  // advert_int + 150 ms, and every other source heard since that one's first advert in the
  // window (a takeover counts from the new MASTER's first advert, not a window later).
  const windowMs = cl.mode.advertInt * 1000 + 150;
  const recent = cl.vl.capture.advertsWhere({ vrid: DEFAULT_VRID, after: t - windowMs, before: t + 1, minPriority: 1 });
  const lastSrc = recent.at(-1)?.src;
  const since = recent.find((a) => a.src === lastSrc)?.t ?? t;
  const advertisers = [...new Set(recent.filter((a) => a.t >= since).map((a) => a.src))].map((src) => (cl.vl.nodeOf(src) ?? src) as NodeName);
  const s: Snapshot = { t, states, vipOn, forwarding, advertisers };
  if (opts.cloud) {
    try {
      s.pairs = (await cl.cl.vipPairs()).map((ip) => cl.cl.nodeOfIp(ip) ?? ip);
    } catch (e) {
      s.pairsError = (e as Error).message;
    }
  }
  return s;
}

const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && [...x].sort().join() === [...y].sort().join();
const list = (x: readonly string[]) => `[${x.join(', ')}]`;

/** The one MASTER by the logs, if exactly one. */
export function masterOf(s: Snapshot): NodeName | undefined {
  const m = NODES.map((n) => n.name).filter((n) => s.states[n] === 'MASTER');
  return m.length === 1 ? m[0] : undefined;
}

/** V1-V5, given the node that must be MASTER. Empty when all hold. */
export function vrrpProblems(s: Snapshot, expected: NodeName): string[] {
  const out: string[] = [];
  const masters = NODES.map((n) => n.name).filter((n) => s.states[n] === 'MASTER');
  if (masters.length !== 1) out.push(`V1 ${masters.length} MASTERs by the logs ${list(masters)}`);
  for (const n of NODES) {
    const st = s.states[n.name];
    if (st !== 'MASTER' && st !== 'BACKUP') out.push(`V1 ${n.name} is ${st}`);
  }
  if (masters.length === 1 && masters[0] !== expected) out.push(`V2 MASTER is ${masters[0]}, expected ${expected} (highest priority)`);
  if (!same(s.advertisers, [expected])) out.push(`V3 adverts on the wire from ${list(s.advertisers)}, expected only ${expected}`);
  if (!same(s.vipOn, [expected])) out.push(`V4 VIP on ${list(s.vipOn)}, expected only ${expected}`);
  for (const n of KEEPVIP_NODES) {
    const want = n === expected ? 1 : 0;
    const f = s.forwarding[n];
    if (f !== want) out.push(`V5 forwarding on ${n} (${s.states[n]}) is ${f}, expected ${want}`);
  }
  return out;
}

/** C1-C2. */
export function cloudProblems(s: Snapshot, master: NodeName | undefined): string[] {
  if (s.pairsError) return [`C? simulator unreadable: ${s.pairsError}`];
  const pairs = s.pairs ?? [];
  const out: string[] = [];
  if (pairs.length > 1) out.push(`C2 the VIP port names ${pairs.length} NICs ${list(pairs)}`);
  if (master && KEEPVIP_NODES.includes(master) && !same(pairs, [master])) out.push(`C1 the VIP port names ${list(pairs)}, MASTER is ${master}`);
  return out;
}

/** During the outage fault: keepalived MASTER alone, the cut-off keepvip nodes FAULT without the VIP. */
export function outageProblems(s: Snapshot): string[] {
  const out: string[] = [];
  if (s.states.k !== 'MASTER') out.push(`O1 k is ${s.states.k}, expected MASTER (both keepvip links down)`);
  for (const n of KEEPVIP_NODES) {
    if (s.states[n] !== 'FAULT') out.push(`O1 ${n} is ${s.states[n]}, expected FAULT (link down)`);
    if (s.forwarding[n] !== 0) out.push(`O3 forwarding on ${n} is ${s.forwarding[n]}, expected 0`);
  }
  if (!same(s.vipOn, ['k'])) out.push(`O2 VIP on ${list(s.vipOn)}, expected only k`);
  if (!same(s.advertisers, ['k'])) out.push(`O2 adverts on the wire from ${list(s.advertisers)}, expected only k`);
  if ((s.pairs?.length ?? 0) > 1) out.push(`C2 the VIP port names ${s.pairs!.length} NICs ${list(s.pairs!)}`);
  return out;
}

export function describeSnapshot(s: Snapshot): string {
  const st = NODES.map((n) => `${n.name}=${s.states[n.name]}`).join(' ');
  const fw = KEEPVIP_NODES.map((n) => `${n}=${s.forwarding[n]}`).join(' ');
  const cloud = s.pairsError ? `unreadable (${s.pairsError})` : s.pairs ? list(s.pairs) : '-';
  return `states ${st}; VIP on ${list(s.vipOn)}; adverts from ${list(s.advertisers)}; forwarding ${fw}; cloud port ${cloud}`;
}
