/**
 * Codec throughput: encode and decode rates (packets/s) for VRRPv2, VRRPv3 over IPv4 and
 * VRRPv3 over IPv6, each with 1 and 8 addresses. Run with `npm run bench:codec`.
 * Each cell runs for about BENCH_MS milliseconds (default 400) after a warm-up.
 */
import type { PacketMeta } from '../src/core/codec/types.js';
import { decodeAdvert, encodeAdvert, passAuthData, type AdvertFields, type EncodeOptions } from '../src/core/codec/vrrp.js';

const BENCH_MS = Number(process.env.BENCH_MS ?? 400);

interface Case {
  name: string;
  fields: AdvertFields;
  opts: EncodeOptions;
  meta: PacketMeta;
}

function v4s(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `192.0.2.${100 + i}`);
}
function v6s(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `2001:db8::${(0x100 + i).toString(16)}`);
}

const meta4: PacketMeta = { family: 4, src: '192.0.2.10', dst: '224.0.0.18', ttl: 255, ifname: 'eth0' };
const meta6: PacketMeta = { family: 6, src: 'fe80::1', dst: 'ff02::12', ttl: 255, ifname: 'eth0' };

const cases: Case[] = [];
for (const n of [1, 8]) {
  cases.push(
    {
      name: `v2 IPv4 PASS, ${n} addr`,
      fields: { version: 2, vrid: 51, priority: 150, addresses: v4s(n), intervalCs: 100, authType: 1, authData: passAuthData('secret') },
      opts: {},
      meta: meta4,
    },
    {
      name: `v3 IPv4, ${n} addr`,
      fields: { version: 3, vrid: 52, priority: 150, addresses: v4s(n), intervalCs: 100 },
      opts: { src: meta4.src, dst: meta4.dst },
      meta: meta4,
    },
    {
      name: `v3 IPv6, ${n} addr`,
      fields: { version: 3, vrid: 53, priority: 150, addresses: v6s(n), intervalCs: 100 },
      opts: { src: meta6.src, dst: meta6.dst },
      meta: meta6,
    },
  );
}

let sink = 0;

/** Packets per second for `fn`, timed in batches until BENCH_MS has passed. */
function rate(fn: () => void): number {
  const batch = 1000;
  for (let i = 0; i < 20 * batch; i++) fn(); // warm-up (JIT)
  const budget = BigInt(BENCH_MS) * 1_000_000n;
  const start = process.hrtime.bigint();
  let n = 0;
  let elapsed = 0n;
  do {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return (n * 1e9) / Number(elapsed);
}

function fmt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

const rows: Array<[string, string, string, string]> = [];
for (const c of cases) {
  const packet = encodeAdvert(c.fields, c.opts);
  const check = decodeAdvert(packet, c.meta);
  if (!check.ok) throw new Error(`${c.name}: ${check.reason} ${check.detail}`);
  const enc = rate(() => {
    sink += encodeAdvert(c.fields, c.opts).length;
  });
  const dec = rate(() => {
    const r = decodeAdvert(packet, c.meta);
    sink += r.ok ? r.advert.priority : 0;
  });
  rows.push([c.name, String(packet.length), fmt(enc), fmt(dec)]);
}

const head: [string, string, string, string] = ['variant', 'bytes', 'encode pkt/s', 'decode pkt/s'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
console.log(`node ${process.version}, ${BENCH_MS} ms per cell`);
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
if (sink === 0) console.log('');
