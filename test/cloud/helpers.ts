/**
 * Shared fixtures for the cloud tests: a simulated world (two servers, a VIP port with an
 * EIP, Keystone users), and a capture of everything the cloud code emitted, checked at
 * the end of each test file for credentials that must never appear in logs or events.
 */
import { inspect } from 'node:util';
import { afterAll, expect, vi } from 'vitest';
import { CloudSim } from '../../src/cloud/sim/server.js';
import type { SimFixture } from '../../src/cloud/sim/state.js';
import type { CloudEvent } from '../../src/cloud/events.js';

export const PROJECT = '0a1b2c3d4e5f40718293a4b5c6d7e8f9';
export const NET = 'b1d2e3f4-0000-4000-8000-00000000a001';
export const SUBNET = 'b1d2e3f4-0000-4000-8000-00000000a002';
export const SRV_A = 'c0ffee00-0000-4000-8000-00000000000a';
export const SRV_B = 'c0ffee00-0000-4000-8000-00000000000b';
export const PORT_A = 'd0000000-0000-4000-8000-00000000000a';
export const PORT_B = 'd0000000-0000-4000-8000-00000000000b';
export const PORT_VIP = 'e0000000-0000-4000-8000-000000000100';
export const FIP = 'f0000000-0000-4000-8000-000000000050';
export const MAC_A = 'fa:16:3e:00:00:0a';
export const MAC_B = 'fa:16:3e:00:00:0b';
export const IP_A = '192.0.2.11';
export const IP_B = '192.0.2.12';
export const VIP = '192.0.2.100';
export const EIP = '198.51.100.50';

/** Distinctive credentials, so a leak is found by a plain substring search. */
export const AK = 'KVAKPERM7Q2W9E4R6T8Y';
export const SK = 'kvSkPerm3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e';
export const OS_USER = 'kvuser';
export const OS_PASSWORD = 'kvPassw0rdZx9Qm27Lp';
export const APP_CRED_ID = 'appcred-0001';
export const APP_CRED_SECRET = 'kvAppCredSecret88af1c0e';
/** The shipped demo fixture's (fake) keys, used by the standalone CLI test. */
export const DEMO_SECRETS = ['SIMDEMOACCESSKEY0001', 'sim-demo-secret-key-not-a-real-one'];
export const STATIC_SECRETS = [AK, SK, OS_PASSWORD, APP_CRED_SECRET, ...DEMO_SECRETS];

export interface WorldOptions {
  /** Pairs on the VIP port at the start (Huawei direction). */
  vipPairs?: string[];
  /** OpenStack direction: ports (by id) that list the VIP in their own pairs. */
  portsHoldingVip?: string[];
  agency?: boolean;
  metadataTokens?: SimFixture['metadataTokens'];
  tokenTtlSeconds?: number;
  securityKeyTtlSeconds?: number;
  portSecurityA?: boolean;
}

export function world(o: WorldOptions = {}): SimFixture {
  const pairsFor = (id: string) => ((o.portsHoldingVip ?? []).includes(id) ? [{ ip_address: VIP }] : []);
  return {
    region: 'sim-region-1',
    projects: [{ id: PROJECT, name: 'sim-region-1' }],
    accessKeys: [{ ak: AK, sk: SK, projectId: PROJECT }],
    users: [{ id: 'u-0001', name: OS_USER, password: OS_PASSWORD, domain: 'Default', projectId: PROJECT }],
    applicationCredentials: [{ id: APP_CRED_ID, secret: APP_CRED_SECRET, userName: OS_USER, projectId: PROJECT }],
    servers: [
      { id: SRV_A, name: 'node-a', projectId: PROJECT, availabilityZone: 'sim-region-1a', agency: o.agency ?? true },
      { id: SRV_B, name: 'node-b', projectId: PROJECT, availabilityZone: 'sim-region-1b', agency: o.agency ?? true },
    ],
    ports: [
      {
        id: PORT_A,
        network_id: NET,
        mac_address: MAC_A,
        device_id: SRV_A,
        device_owner: 'compute:sim-region-1a',
        fixed_ips: [{ subnet_id: SUBNET, ip_address: IP_A }],
        allowed_address_pairs: pairsFor(PORT_A),
        port_security_enabled: o.portSecurityA ?? true,
      },
      {
        id: PORT_B,
        network_id: NET,
        mac_address: MAC_B,
        device_id: SRV_B,
        device_owner: 'compute:sim-region-1b',
        fixed_ips: [{ subnet_id: SUBNET, ip_address: IP_B }],
        allowed_address_pairs: pairsFor(PORT_B),
      },
      {
        id: PORT_VIP,
        network_id: NET,
        device_owner: 'neutron:VIP_PORT',
        fixed_ips: [{ subnet_id: SUBNET, ip_address: VIP }],
        allowed_address_pairs: (o.vipPairs ?? [IP_B]).map((ip) => ({ ip_address: ip })),
      },
    ],
    floatingips: [{ id: FIP, floating_ip_address: EIP, port_id: PORT_VIP, fixed_ip_address: VIP }],
    metadataTokens: o.metadataTokens ?? 'optional',
    tokenTtlSeconds: o.tokenTtlSeconds ?? 3600,
    securityKeyTtlSeconds: o.securityKeyTtlSeconds ?? 3600,
  };
}

export async function startSim(fixture: SimFixture, opts: { seed?: number; now?: () => number } = {}): Promise<CloudSim> {
  const sim = new CloudSim({ fixture, ...opts });
  await sim.listen(0, '127.0.0.1');
  return sim;
}

/** Collects events, results, errors and console output for the end-of-file secret check. */
export class Capture {
  readonly events: CloudEvent[] = [];
  private readonly texts: string[] = [];
  readonly sink = (e: CloudEvent): void => {
    this.events.push(e);
  };

  /** Record anything that might end up in a log: results, errors, objects. */
  add(x: unknown): void {
    if (typeof x === 'string') this.texts.push(x);
    else {
      this.texts.push(inspect(x, { depth: 12 }));
      try {
        this.texts.push(JSON.stringify(x) ?? '');
      } catch {
        /* cyclic: inspect covered it */
      }
      if (x instanceof Error) this.texts.push(String(x), x.stack ?? '');
    }
  }

  text(): string {
    return [...this.events.map((e) => JSON.stringify(e)), ...this.texts].join('\n');
  }
}

/** Names (not values) of the secrets found in text. */
export function leakedSecrets(text: string, secrets: string[]): string[] {
  return secrets.filter((s) => s.length >= 8 && text.includes(s)).map((s) => `${s.slice(0, 3)}…(${s.length} chars)`);
}

/**
 * Register the end-of-file check: everything captured (events, errors, results, console
 * output, the simulators' request logs, inspect() of live objects) must be free of the
 * static credentials and of every token or key the simulators issued.
 */
export function guardSecrets(capture: Capture, sims: () => CloudSim[], objects: () => unknown[] = () => []): void {
  const consoleText: string[] = [];
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const orig = console[m].bind(console);
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      consoleText.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 12 }))).join(' '));
      orig(...args);
    });
  }
  afterAll(() => {
    const live = sims();
    const issued = live.flatMap((s) => s.state.issuedSecrets);
    const logs = live.map((s) => JSON.stringify(s.log.all()));
    for (const o of objects()) capture.add(o);
    const all = [capture.text(), ...consoleText, ...logs].join('\n');
    expect(capture.events.length, 'the guard must have seen events').toBeGreaterThan(0);
    expect(leakedSecrets(all, [...STATIC_SECRETS, ...issued])).toEqual([]);
  });
}

/**
 * The usual rig of a cloud test file: a capture of events, the simulators the file starts
 * (closed after all its tests), other objects to scan, and guardSecrets over all of them.
 */
export function cloudTestRig(): { capture: Capture; sims: CloudSim[]; objects: unknown[] } {
  const rig = { capture: new Capture(), sims: [] as CloudSim[], objects: [] as unknown[] };
  guardSecrets(rig.capture, () => rig.sims, () => rig.objects);
  afterAll(async () => {
    await Promise.all(rig.sims.map((s) => s.close()));
  });
  return rig;
}
