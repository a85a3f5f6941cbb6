/**
 * `npm run chaos [-- --rounds N --seed S --duration-min M --mode v3|v2 --hold-ms H]` (as root):
 * randomised, seeded fault rounds against a three-node lab (two keepvip nodes claiming the
 * VIP through the cloud simulator, one keepalived 2.2.7 node), checking after every heal
 * that exactly one MASTER holds the VIP, forwarding and the cloud follow it. Prints the
 * seed first and with every violation; exits 1 when there was any violation.
 * The schedule, bounds and invariants are described in test/chaos/.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hasBinary, netnsUnavailable } from '../test/helpers/netns.js';
import { parseSeed } from '../test/chaos/plan.js';
import { runChaos } from '../test/chaos/runner.js';
import { CHAOS_MODES, type ChaosModeName } from '../test/chaos/topology.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      seed: { type: 'string' },
      'duration-min': { type: 'string' },
      mode: { type: 'string', default: 'v3' },
      'hold-ms': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run chaos -- [--rounds N] [--seed S] [--duration-min M] [--mode v3|v2] [--hold-ms H] [--out DIR]\n' +
        '  --rounds N        stop after N rounds (default 20, or unlimited with --duration-min)\n' +
        '  --seed S          schedule seed (decimal or 0x hex; default random, printed)\n' +
        '  --duration-min M  stop starting rounds after M minutes\n' +
        '  --mode v3|v2      VRRPv3 advert_int 0.2 s (default) or VRRPv2 advert_int 1 s\n' +
        '  --hold-ms H       how long the converged state must hold after each round (default 1000)\n' +
        '  --out DIR         where violation details (logs, pcap) go (default a temp dir)\n',
    );
    return 0;
  }
  const why =
    netnsUnavailable() ??
    ['keepalived', 'tcpdump', 'tc', 'bridge'].filter((b) => !hasBinary(b)).map((b) => `needs ${b}`)[0];
  if (why) {
    process.stderr.write(`chaos: ${why}\n`);
    return 2;
  }
  const mode = values.mode as ChaosModeName;
  if (!(mode in CHAOS_MODES)) throw new Error(`--mode must be one of ${Object.keys(CHAOS_MODES).join(', ')}`);
  const num = (s: string | undefined, what: string) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a positive number, got '${s}'`);
    return n;
  };
  const seed = values.seed !== undefined ? parseSeed(values.seed) : randomInt(0, 2 ** 32);
  const rounds = num(values.rounds, '--rounds');
  const minutes = num(values['duration-min'], '--duration-min');
  const holdMs = num(values['hold-ms'], '--hold-ms');
  const summary = await runChaos({
    seed,
    mode,
    ...(rounds !== undefined ? { rounds: Math.floor(rounds) } : {}),
    ...(minutes !== undefined ? { durationMs: minutes * 60_000 } : {}),
    ...(holdMs !== undefined ? { holdMs } : {}),
    ...(values.out ? { outDir: values.out } : {}),
  });
  return summary.violations.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
