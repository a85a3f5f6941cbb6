/**
 * Time to add (and delete) one VIP: netlink backend vs the `ip` (iproute2) fallback.
 * Runs inside a throw-away lab namespace (needs root and iproute2); the work is done by
 * test/netlink/driver.ts inside the namespace. Run with `npx tsx bench/netlink.ts`.
 * BENCH_N sets the number of add+delete pairs per case (default 200).
 */
import { createLab } from '../test/helpers/netns.js';
import { Driver } from '../test/netlink/rpc.js';

const N = Number(process.env.BENCH_N ?? 200);

function stats(us: number[]): string {
  const s = [...us].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `median ${q(0.5).toFixed(0).padStart(6)} us  p95 ${q(0.95).toFixed(0).padStart(6)} us  mean ${mean.toFixed(0).padStart(6)} us`;
}

const lab = createLab({ nodes: ['a'] });
try {
  const d = await Driver.start(lab, lab.node('a').ns);
  try {
    console.log(`VIP add/delete, ${N} pairs per case, in a namespace`);
    for (const backend of ['netlink', 'iproute2']) {
      for (const [fam, line] of [
        ['IPv4', '198.51.100.7/24 label eth0:vip'],
        ['IPv6', '2001:db8::7:1'],
      ] as const) {
        await d.call('bench', { backend, line, n: Math.min(10, N) }); // warm-up
        const r = await d.call<{ addUs: number[]; delUs: number[] }>('bench', { backend, line, n: N });
        console.log(`${backend.padEnd(8)} ${fam} add: ${stats(r.addUs)}`);
        console.log(`${backend.padEnd(8)} ${fam} del: ${stats(r.delUs)}`);
      }
    }
  } finally {
    await d.stop();
  }
} finally {
  await lab.cleanup();
}
