/**
 * Link impairments for the loss and delay faults. netem (sch_netem) is the real tool; where
 * the kernel lacks it (`tc qdisc add ... netem` answers "Specified qdisc kind is unknown"),
 * loss is emulated by flapping a blackhole qdisc on both ends of the node's veth (its eth0
 * and the switch port) in random slots, and delay by NFQUEUE: iptables in the node's
 * namespace queue every IPv4 and IPv6 packet it sends or receives to nfq-delay.ts, which
 * holds each for the delay (± jitter) before letting it through. ARP and neighbour
 * discovery frames that are not IP (ARP) are not delayed. Without netem, iptables or
 * nfnetlink_queue, the delay kind is skipped and the run says so.
 */
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasBinary, type Lab } from '../helpers/netns.js';
import type { Random } from '../../src/core/sim/rng.js';

const NFQ_DELAY = join(dirname(fileURLToPath(import.meta.url)), 'nfq-delay.ts');
/** The NFQUEUE number the delayer binds (one namespace, one delayer at a time). */
const NFQ_QUEUE = 112;

export interface NetemProbe {
  available: boolean;
  /** Why not (the tc error), when not available. */
  reason?: string;
}

/** Try netem on a node's interface (and take it off again). */
export function probeNetem(lab: Lab, node: string): NetemProbe {
  const n = lab.node(node);
  const r = lab.tryExec(n.ns, ['tc', 'qdisc', 'add', 'dev', n.ifname, 'root', 'netem', 'delay', '1ms']);
  if (r.status !== 0) return { available: false, reason: (r.stderr || r.stdout).trim().split('\n')[0] || `tc exited ${r.status}` };
  lab.tryExec(n.ns, ['tc', 'qdisc', 'del', 'dev', n.ifname, 'root']);
  return { available: true };
}

/** The two ends of a node's link: its eth0, and the bridge port in the switch namespace. */
function ends(lab: Lab, node: string): Array<[string, string]> {
  const n = lab.node(node);
  return [
    [n.ns, n.ifname],
    [lab.switchNs, lab.portOf(node)],
  ];
}

/** netem on both ends (loss or delay each way). */
export function netemOn(lab: Lab, node: string, args: string[]): void {
  for (const [ns, dev] of ends(lab, node)) lab.exec(ns, ['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'netem', ...args]);
}

/** Remove whatever root qdisc the impairment left (both ends; quiet when there is none). */
export function clearQdisc(lab: Lab, node: string): void {
  for (const [ns, dev] of ends(lab, node)) lab.tryExec(ns, ['tc', 'qdisc', 'del', 'dev', dev, 'root']);
}

/**
 * Emulated loss: for `durationMs`, in slots of `slotMs`, each slot drops everything both
 * ways with probability percent/100 (a blackhole qdisc on both ends). Bursty by nature:
 * a lost slot of 100 ms at advert_int 0.2 s is a lost advert half the time.
 * Returns how many slots were lost.
 */
export async function flapLoss(lab: Lab, node: string, o: { percent: number; slotMs: number; durationMs: number; random: Random }): Promise<{ slots: number; lost: number }> {
  const end = Date.now() + o.durationMs;
  let slots = 0;
  let lost = 0;
  let dropping = false;
  try {
    while (Date.now() < end) {
      const drop = o.random() * 100 < o.percent;
      slots++;
      if (drop) lost++;
      if (drop !== dropping) {
        for (const [ns, dev] of ends(lab, node)) {
          if (drop) lab.exec(ns, ['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'blackhole']);
          else lab.tryExec(ns, ['tc', 'qdisc', 'del', 'dev', dev, 'root']);
        }
        dropping = drop;
      }
      await new Promise((r) => setTimeout(r, o.slotMs));
    }
  } finally {
    clearQdisc(lab, node);
  }
  return { slots, lost };
}

/** How delay is applied here: netem, NFQUEUE, or not at all (with the reason). */
export type DelayMethod = { method: 'netem' } | { method: 'nfqueue' } | { method: 'none'; reason: string };

/** Pick the delay method: netem when the kernel has it, else NFQUEUE when it works. */
export async function probeDelay(lab: Lab, node: string, netem: NetemProbe): Promise<DelayMethod> {
  if (netem.available) return { method: 'netem' };
  if (!hasBinary('iptables') || !hasBinary('ip6tables')) return { method: 'none', reason: `sch_netem unavailable (${netem.reason}) and iptables missing` };
  try {
    const stop = await nfqDelayOn(lab, node, { ms: 1, jitterMs: 0, seed: 1 });
    await stop();
    return { method: 'nfqueue' };
  } catch (e) {
    return { method: 'none', reason: `sch_netem unavailable (${netem.reason}); NFQUEUE failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

const NFQ_RULES = (op: '-I' | '-D') =>
  ['iptables', 'ip6tables'].flatMap((cmd) =>
    ['INPUT', 'OUTPUT'].map((chain) => [cmd, op, chain, '-j', 'NFQUEUE', '--queue-num', String(NFQ_QUEUE), '--queue-bypass']),
  );

/**
 * Delay every IP packet a node sends or receives by `ms` ± `jitterMs` (NFQUEUE). Resolves,
 * once the delay is in force, with a function that removes it and lets held packets go.
 */
export async function nfqDelayOn(lab: Lab, node: string, o: { ms: number; jitterMs: number; seed: number }): Promise<() => Promise<string>> {
  const ns = lab.node(node).ns;
  const child = lab.spawn(ns, ['node', '--import', 'tsx', NFQ_DELAY, '--queue', String(NFQ_QUEUE), '--ms', String(o.ms), '--jitter-ms', String(o.jitterMs), '--seed', String(o.seed)]);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 10_000;
  while (!out.includes('ready')) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGKILL');
      throw new Error(`nfq-delay did not start: ${(err || out).trim() || 'timed out'}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const removeRules = () => {
    for (const rule of NFQ_RULES('-D')) lab.tryExec(ns, rule);
  };
  try {
    for (const rule of NFQ_RULES('-I')) lab.exec(ns, rule);
  } catch (e) {
    removeRules();
    child.kill('SIGTERM');
    throw e;
  }
  return async () => {
    removeRules();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
    return out.trim().split('\n').at(-1) ?? '';
  };
}
