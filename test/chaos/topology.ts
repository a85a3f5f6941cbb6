/**
 * The chaos lab: three nodes on one bridge with the cloud simulator on the switch
 * (test/integration/helpers-cloud.ts).
 *
 *   a  keepvip     priority 150, cloud_vip, vrrp_script weight -60 (a file the harness toggles)
 *   b  keepvip     priority 120, cloud_vip, vrrp_script weight -60
 *   k  keepalived  priority  50, no cloud (keepalived 2.2.7 has none)
 *
 * With every fault healed, a (150) is the one MASTER. A failing script takes a to 90 (b,
 * 120, takes over) or b to 60 (still above k). keepalived only becomes MASTER when both
 * keepvip nodes are gone (the outage fault).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VrrpStateName } from '../helpers/vrrp-lab.js';
import { masterDownIntervalMs, MODES, renderConfig, vipAddress, type VrrpDaemon, type VrrpMode } from '../helpers/vrrp-lab.js';
import { CloudLab } from '../integration/helpers-cloud.js';
import type { NodeName } from './plan.js';

export const NODES: ReadonlyArray<{ name: NodeName; impl: 'keepvip' | 'keepalived'; priority: number }> = [
  { name: 'a', impl: 'keepvip', priority: 150 },
  { name: 'b', impl: 'keepvip', priority: 120 },
  { name: 'k', impl: 'keepalived', priority: 50 },
];
export const KEEPVIP_NODES: NodeName[] = ['a', 'b'];
/** With every fault healed, the highest priority wins (preempt is keepalived's default). */
export const EXPECTED_MASTER: NodeName = 'a';
/** vrrp_script: weight and interval (s). */
export const HEALTH_WEIGHT = -60;
export const HEALTH_INTERVAL_S = 1;
/** cloud_provider timeout (s): a hung request is given up after this. */
export const CLOUD_TIMEOUT_S = 2;

export const CHAOS_MODES = { v3: MODES.v3, v2: MODES.v2 } as const;
export type ChaosModeName = keyof typeof CHAOS_MODES;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ChaosLab {
  private constructor(
    readonly cl: CloudLab,
    readonly mode: VrrpMode,
  ) {}

  static async create(mode: VrrpMode, simSeed: number): Promise<ChaosLab> {
    const cl = await CloudLab.create({ nodes: NODES.map((n) => n.name), seed: simSeed });
    return new ChaosLab(cl, mode);
  }

  get vl() {
    return this.cl.vl;
  }

  get lab() {
    return this.cl.lab;
  }

  get vip(): string {
    return vipAddress(this.mode);
  }

  /** Master_Down_Interval of the lowest-priority node: the longest a takeover may wait. */
  get maxMasterDownMs(): number {
    return Math.max(...NODES.map((n) => masterDownIntervalMs(this.mode.version, n.priority, this.mode.advertInt)));
  }

  healthFile(name: NodeName): string {
    return join(this.vl.dir, `${name}.healthy`);
  }

  /** The health script passes (the file exists) or fails. */
  setHealthy(name: NodeName, ok: boolean): void {
    const f = this.healthFile(name);
    if (ok) writeFileSync(f, 'ok\n');
    else if (existsSync(f)) rmSync(f);
  }

  config(name: NodeName): string {
    const spec = NODES.find((n) => n.name === name)!;
    if (spec.impl === 'keepalived') return renderConfig(this.mode, this.vl.peerView(name), { priority: spec.priority });
    const text = this.cl.config(name, {
      mode: this.mode,
      priority: spec.priority,
      extra: ['track_script {', '    chk_health', '}'],
      providerExtra: [`timeout ${CLOUD_TIMEOUT_S}`],
    });
    // Scripts are not run through a shell: argv is split and executed directly.
    const script = [
      'vrrp_script chk_health {',
      `    script "/usr/bin/test -e ${this.healthFile(name)}"`,
      `    interval ${HEALTH_INTERVAL_S}`,
      `    weight ${HEALTH_WEIGHT}`,
      '    fall 1',
      '    rise 1',
      '}',
    ].join('\n');
    return text.replace(/^vrrp_instance /m, `${script}\nvrrp_instance `);
  }

  /**
   * Start (or restart) a node's daemon. Nothing is cleaned up before: keepvip, like
   * keepalived ("(VI_1) removing VIPs."), removes a VIP its killed predecessor left behind
   * at start-up, and V4 checks that it did.
   */
  async start(name: NodeName): Promise<VrrpDaemon> {
    const spec = NODES.find((n) => n.name === name)!;
    return this.vl.start(name, spec.impl, this.config(name), { startTimeoutMs: 30_000 });
  }

  daemon(name: NodeName): VrrpDaemon | undefined {
    return this.vl.daemons.get(name);
  }

  /** The pid to SIGSTOP/SIGCONT: keepvip's own, keepalived's VRRP child. */
  workerPid(name: NodeName): number | undefined {
    const d = this.daemon(name);
    if (!d?.running) return undefined;
    return d.impl === 'keepalived' ? d.vrrpPid() : d.pid;
  }

  signal(name: NodeName, sig: 'SIGSTOP' | 'SIGCONT'): void {
    const pid = this.workerPid(name);
    if (pid === undefined) throw new Error(`node ${name}: no running daemon to ${sig}`);
    process.kill(pid, sig);
  }

  /** Bridge port isolation of a node's switch port (isolated ports cannot reach each other). */
  isolate(name: NodeName, on: boolean): void {
    this.lab.exec(this.lab.switchNs, ['bridge', 'link', 'set', 'dev', this.lab.portOf(name), 'isolated', on ? 'on' : 'off']);
  }

  /** The state a node's daemon logged last ('DOWN' when it is not running). */
  state(name: NodeName): VrrpStateName | 'DOWN' {
    const d = this.daemon(name);
    if (!d?.running) return 'DOWN';
    return d.state() ?? 'INIT';
  }

  /** Start every node; resolves once a is MASTER and the cloud names it. */
  async startAll(timeoutMs = 30_000): Promise<void> {
    for (const n of NODES) this.setHealthy(n.name, true);
    for (const n of NODES) await this.start(n.name);
    const deadline = Date.now() + timeoutMs;
    while (this.state(EXPECTED_MASTER) !== 'MASTER') {
      if (Date.now() > deadline) throw new Error(`a did not become MASTER\n${this.vl.explain()}`);
      await sleep(50);
    }
    await this.cl.waitHolder(EXPECTED_MASTER, Math.max(1000, deadline - Date.now()), () => this.vl.explain());
  }

  /**
   * Undo every fault the harness can leave behind (used after an unexpected error or a
   * violation that does not heal by itself), then restart every daemon.
   */
  async resetAll(): Promise<void> {
    await this.cl.clearFaults().catch(() => undefined);
    for (const n of NODES) {
      this.setHealthy(n.name, true);
      this.lab.tryExec(this.lab.switchNs, ['bridge', 'link', 'set', 'dev', this.lab.portOf(n.name), 'isolated', 'off']);
      const node = this.vl.node(n.name);
      this.lab.tryExec(node.ns, ['tc', 'qdisc', 'del', 'dev', node.ifname, 'root']);
      this.lab.tryExec(this.lab.switchNs, ['tc', 'qdisc', 'del', 'dev', this.lab.portOf(n.name), 'root']);
      this.lab.tryExec(node.ns, ['ip', 'link', 'set', node.ifname, 'up']);
      const pid = this.workerPid(n.name);
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          /* gone */
        }
      }
      if (this.daemon(n.name)?.running) await this.vl.kill(n.name);
      this.cl.flushAddress(n.name, this.mode.vip);
    }
    await this.startAll();
  }

  async close(): Promise<void> {
    await this.cl.close();
  }
}
