/**
 * `npm run demo` (as root): a lab of three hosts in network namespaces on one bridge —
 * two keepvip nodes and one keepalived 2.2.7 node — all running the embedded
 * config/keepalived.conf unchanged (each picks its priority with `-i nodeN`). It shows who
 * is MASTER, kills the master, prints the failover time measured on the wire next to the
 * theoretical Master_Down_Interval, shows the VIP moved and forwarding following it, and
 * the cloud following too: a cloud simulator (Huawei Cloud VPC API + ECS metadata) on the
 * lab network, whose VIP port keepvip claims for the new master. Then a graceful handover,
 * and cleanup. Only 192.0.2.0/24, 198.51.100.0/24 and 2001:db8::/64 are used.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { netnsUnavailable, hasBinary } from '../test/helpers/netns.js';
import { masterDownIntervalMs, REPO_ROOT, skewTimeMs, VrrpLab, waitFor, type Impl } from '../test/helpers/vrrp-lab.js';
import { CloudLab, SIM_URL } from '../test/integration/helpers-cloud.js';

const VRID = 51;
const VIP = '192.0.2.100';
const CONFIG = join(REPO_ROOT, 'config', 'keepalived.conf');
const NODES: Array<{ name: string; impl: Impl; priority: number }> = [
  { name: 'node1', impl: 'keepvip', priority: 150 },
  { name: 'node2', impl: 'keepvip', priority: 100 },
  { name: 'node3', impl: 'keepalived', priority: 50 },
];

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s = '') => process.stdout.write(`${s}\n`);

async function table(cl: CloudLab): Promise<void> {
  const vl = cl.vl;
  say(`  ${'node'.padEnd(7)}${'daemon'.padEnd(12)}${'priority'.padEnd(10)}${'state'.padEnd(9)}${'VIP'.padEnd(6)}ip_forward`);
  for (const n of NODES) {
    const d = vl.daemons.get(n.name);
    const state = d?.running ? (d.state() ?? 'INIT') : 'stopped';
    const vip = vl.lab.addresses(n.name).includes(VIP) ? 'yes' : '-';
    say(`  ${n.name.padEnd(7)}${n.impl.padEnd(12)}${String(n.priority).padEnd(10)}${state.padEnd(9)}${vip.padEnd(6)}${vl.forwarding(n.name, 4)}`);
  }
  const pairs = await cl.vipPairs();
  say(`  cloud: the VIP port's allowed_address_pairs name ${pairs.length ? pairs.map((ip) => `${ip} (${cl.nodeOfIp(ip) ?? '?'})`).join(', ') : 'nobody'}`);
}

async function main(): Promise<number> {
  const why = netnsUnavailable() ?? (hasBinary('keepalived') ? undefined : 'needs keepalived (apt-get install keepalived)') ?? (hasBinary('tcpdump') ? undefined : 'needs tcpdump (apt-get install tcpdump)');
  if (why) {
    process.stderr.write(`demo: ${why}\n`);
    return 2;
  }
  const config = readFileSync(CONFIG, 'utf8');
  say(bold('keepvip demo: two keepvip nodes and one keepalived 2.2.7 node, one unchanged keepalived.conf'));
  say(`config: ${CONFIG} (VRRPv2, advert_int 1, VRID ${VRID}, VIP ${VIP}/24)`);
  const cl = await CloudLab.create({
    nodes: NODES.map((n) => n.name),
    nodeOptions: Object.fromEntries(NODES.map((n) => [n.name, { credentials: 'agency' as const }])),
  });
  const vl: VrrpLab = cl.vl;
  try {
    say(`lab: namespaces ${[...vl.lab.nodes.values()].map((n) => n.ns).join(', ')} on bridge br0 in ${vl.lab.switchNs}`);
    say(`cloud simulator: ${SIM_URL} (VPC API and ECS metadata; the VIP port starts with no allowed_address_pairs)`);
    for (const n of NODES) {
      await vl.start(n.name, n.impl, config, { configId: n.name });
    }
    const master = await waitFor(() => (vl.vipHolders(VIP).length === 1 && vl.daemon('node1').state() === 'MASTER' ? 'node1' : undefined), 15_000, 'node1 to become MASTER');
    say();
    await cl.waitHolder('node1', 10_000);
    say(bold(`1. Election: ${master} (priority 150) is MASTER and holds the VIP in the cloud`));
    await table(cl);

    // 2. Crash the master.
    say();
    say(bold('2. SIGKILL the master (node1): no goodbye advert; the backups wait Master_Down_Interval'));
    const t0 = Date.now();
    await vl.kill('node1');
    // A crashed host keeps its addresses until it comes back; a restarted keepvip removes
    // leftovers at start-up. Remove it now so the table shows where the VIP lives.
    vl.lab.tryExec(vl.node('node1').ns, ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
    const src1 = vl.srcOf('node1', 4);
    const src2 = vl.srcOf('node2', 4);
    const f = await waitFor(() => vl.capture.failover({ vrid: VRID, from: src1, to: src2, after: t0 }), 10_000, 'node2 to take over', {
      explain: () => vl.explain(t0),
    });
    await waitFor(() => vl.vipHolders(VIP).includes('node2'), 5_000, 'the VIP on node2');
    const theory = masterDownIntervalMs(2, 100, 1);
    say(`   failover measured on the bridge (last advert of node1 -> first advert of node2): ${f.gapMs.toFixed(2)} ms`);
    say(`   theoretical Master_Down_Interval for priority 100 (3 x 1 s + 156/256 s):       ${theory.toFixed(2)} ms`);
    say(`   difference: ${(f.gapMs - theory >= 0 ? '+' : '') + (f.gapMs - theory).toFixed(2)} ms`);
    const garp = vl.capture.announcementsOf(VIP, { after: f.firstNew - 1 })[0];
    if (garp) say(`   first gratuitous ARP for ${VIP}: ${(garp.t - f.firstNew).toFixed(2)} ms after node2's first advert`);
    const claimed = await cl.waitHolder('node2', 10_000);
    say(`   cloud: the VIP port names node2 ${(claimed - f.firstNew).toFixed(0)} ms (or less: polled) after its first advert`);
    await table(cl);

    // 3. node1 comes back and preempts.
    say();
    say(bold('3. node1 restarts: higher priority, preempts back'));
    await vl.start('node1', 'keepvip', config, { configId: 'node1' });
    await waitFor(() => vl.daemon('node1').state() === 'MASTER' && vl.vipHolders(VIP).join() === 'node1', 15_000, 'node1 MASTER again', {
      explain: () => vl.explain(t0),
    });
    await cl.waitHolder('node1', 10_000);
    await table(cl);

    // 4. Graceful handover.
    say();
    say(bold('4. SIGTERM on node1: it sends priority 0, node2 takes over after Skew_Time'));
    const t1 = Date.now();
    await vl.terminate('node1');
    const h = await waitFor(() => vl.capture.handover({ vrid: VRID, from: src1, to: src2, after: t1 }), 10_000, 'the handover');
    await waitFor(() => vl.vipHolders(VIP).join() === 'node2', 5_000, 'the VIP on node2 only');
    const skew = skewTimeMs(2, 100, 1);
    say(`   priority-0 advert -> node2's first advert: ${h.gapMs.toFixed(2)} ms (Skew_Time ${skew.toFixed(2)} ms, difference ${(h.gapMs - skew).toFixed(2)} ms)`);
    await cl.waitHolder('node2', 10_000);
    await table(cl);
    say();
    say('Done: the namespaces are being removed.');
    return 0;
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await cl.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${String(err)}\n`);
    process.exit(1);
  },
);
