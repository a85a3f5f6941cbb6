/**
 * Throws hostile VRRP packets at a lab node, from a namespace of the lab:
 *
 *   ip netns exec NS node --import tsx test/hardening/flood-sender.ts '<SenderSpec JSON>'
 *
 * Packets are made by the mutation catalogue (model.ts: wrong TTL, version, type, length,
 * auth, interval, address count, checksum, VRID, cast, truncated, oversized, random bytes),
 * encoded with the codec and sent on raw sockets of the shell (src/shell/net/rawsock.ts):
 * one with TTL 255, and one per wrong TTL asked for. The rate is held by sending, every
 * millisecond, what the elapsed time calls for. Prints one JSON line (FloodReport): exactly
 * how many packets of each kind went out (a send that fails is not counted) and, from the
 * catalogue's expectations, where each must be counted by the receiver.
 */
import { seededRandom } from '../../src/core/sim/rng.js';
import { VrrpSocket } from '../../src/shell/net/rawsock.js';
import { applicableKinds, craft, type Crafted, type ModelInstance, type MutationKind } from './model.js';

export interface SenderSpec {
  ifname: string;
  /** The sender's own address: every packet carries it (the kernel refuses foreign sources). */
  src: string;
  targets: Array<{ inst: ModelInstance; usedVrids: number[] }>;
  /** Mutations to use (those that do not apply to a target, or need another source, are skipped). */
  kinds: MutationKind[];
  /** Packets per second. */
  rate: number;
  durationMs?: number;
  /** Stop after this many packets (instead of, or before, durationMs). */
  count?: number;
  /** TTLs used for the 'ttl' mutation (one socket each; default [254]). */
  wrongTtls?: number[];
  seed: number;
  /** The priority every packet carries (default: a mix, 0 and 255 included). */
  priority?: number;
  /** Distinct packets made up front and sent in a random order (default 20000). */
  pool?: number;
}

export interface FloodReport {
  sent: number;
  failed: number;
  firstError?: string;
  /** Date.now() when the first packet went out. */
  startedAt: number;
  elapsedMs: number;
  /** Sent per `<instance>/<kind>`. */
  byKind: Record<string, number>;
  /**
   * Sent per expected verdict: `<instance>:<reason>` (counted on the instance),
   * `-:<reason>` (counted globally), `kernel` (dropped by the socket filter), `accept`,
   * `<instance>:?` / `-:?` (random bytes: counted there, reason unknown).
   */
  byExpectation: Record<string, number>;
}

function expectationKey(p: Crafted, instance: string, byVrid: ReadonlyMap<number, string>): string {
  const e = p.expect;
  if (e.verdict === 'accept') return 'accept';
  if (e.kernelFiltered) return 'kernel';
  if (e.verdict === 'drop') return `${e.scope === 'global' ? '-' : instance}:${e.reason}`;
  // Random bytes go to whichever instance their second byte names.
  return `${e.scope === 'global' ? '-' : byVrid.get(p.bytes[1]!)}:?`;
}

function main(): void {
  const spec = JSON.parse(process.argv[2] ?? '{}') as SenderSpec;
  const rnd = seededRandom(spec.seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const wrongTtls = spec.wrongTtls ?? [254];

  // The pool: each entry a packet, its socket TTL and its two report keys.
  const plans = spec.targets.map((t) => {
    const target = { inst: t.inst, src: spec.src, usedVrids: t.usedVrids, ...(spec.priority !== undefined ? { priority: spec.priority } : {}) };
    return { target, kinds: applicableKinds(target, spec.kinds) };
  });
  const byVrid = new Map(spec.targets.map((t) => [t.inst.params.vrid, t.inst.params.name]));
  const pool: Array<{ bytes: Buffer; dst: string; ttl: number; kindKey: string; expectKey: string }> = [];
  for (let tries = 0; pool.length < (spec.pool ?? 20_000) && tries < 10 * (spec.pool ?? 20_000); tries++) {
    const plan = plans[int(plans.length)]!;
    const kind = plan.kinds[int(plan.kinds.length)]!;
    const p = craft(plan.target, kind, [int(2 ** 31), int(2 ** 31), int(2 ** 31), int(2 ** 31)]);
    if (p.meta.src !== spec.src) continue;
    const ttl = kind === 'ttl' ? wrongTtls[int(wrongTtls.length)]! : p.meta.ttl;
    if (ttl !== 255 && kind !== 'ttl') throw new Error(`${kind} crafted with TTL ${ttl}`);
    const name = plan.target.inst.params.name;
    pool.push({ bytes: p.bytes, dst: p.meta.dst, ttl, kindKey: `${name}/${kind}`, expectKey: expectationKey(p, name, byVrid) });
  }
  if (!pool.length) throw new Error('no packet could be made for these targets and kinds');

  const family = spec.targets[0]!.inst.params.family;
  const sockets = new Map<number, VrrpSocket>();
  for (const ttl of [255, ...wrongTtls]) {
    sockets.set(ttl, VrrpSocket.open({ family, ifname: spec.ifname, multicast: false, ttl, multicastTtl: ttl }));
  }

  const report: FloodReport = { sent: 0, failed: 0, startedAt: Date.now(), elapsedMs: 0, byKind: {}, byExpectation: {} };
  const limit = spec.count ?? Infinity;
  const duration = spec.durationMs ?? Infinity;
  const t0 = performance.now();
  const sendOne = (): void => {
    const p = pool[int(pool.length)]!;
    try {
      sockets.get(p.ttl)!.send(p.bytes, p.dst, spec.src);
    } catch (e) {
      report.failed++;
      report.firstError ??= String((e as Error).message ?? e);
      return;
    }
    report.sent++;
    report.byKind[p.kindKey] = (report.byKind[p.kindKey] ?? 0) + 1;
    report.byExpectation[p.expectKey] = (report.byExpectation[p.expectKey] ?? 0) + 1;
  };
  const finish = (): void => {
    report.elapsedMs = Math.round(performance.now() - t0);
    for (const s of sockets.values()) s.close();
    process.stdout.write(`${JSON.stringify(report)}\n`);
  };
  const tick = (): void => {
    const elapsed = performance.now() - t0;
    const due = Math.min(limit, Math.floor((Math.min(elapsed, duration) * spec.rate) / 1000));
    // Failed sends are retried by the next ticks: `due` counts attempts that succeeded.
    for (let n = 0; report.sent < due && n < spec.rate; n++) sendOne();
    if (report.sent >= limit || elapsed >= duration) finish();
    else setTimeout(tick, 1);
  };
  tick();
}

main();
