import http from 'node:http';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloudApiError, CloudError } from '../../src/cloud/errors.js';
import { HuaweiCloudProvider } from '../../src/cloud/huaweicloud/provider.js';
import type { CloudProviderConfig, CloudVip } from '../../src/cloud/config.js';
import type { CloudSim } from '../../src/cloud/sim/server.js';
import { cloudStatus } from '../../src/cloud/status.js';
import {
  AK,
  Capture,
  EIP,
  FIP,
  guardSecrets,
  IP_A,
  IP_B,
  MAC_A,
  NET,
  PORT_A,
  PORT_B,
  PORT_VIP,
  PROJECT,
  SK,
  SRV_A,
  SRV_B,
  startSim,
  SUBNET,
  VIP,
  world,
  type WorldOptions,
} from './helpers.js';

const spyOrig = http.request.bind(http);
const capture = new Capture();
const sims: CloudSim[] = [];
const providers: HuaweiCloudProvider[] = [];
guardSecrets(capture, () => sims, () => providers);

afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

const signal = () => AbortSignal.timeout(10_000);

async function setup(o: WorldOptions = {}, cfg: Partial<CloudProviderConfig> = {}, env: NodeJS.ProcessEnv = { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK }) {
  const sim = await startSim(world(o));
  sims.push(sim);
  const provider = new HuaweiCloudProvider({
    config: { name: 'hw', type: 'huaweicloud', endpoint: sim.url, metadataUrl: `${sim.url}/_instance/${SRV_A}`, requestTimeoutMs: 2000, ...cfg },
    env,
    events: capture.sink,
  });
  providers.push(provider);
  return { sim, provider };
}

function vip(o: Partial<CloudVip> = {}): CloudVip {
  return { provider: 'hw', address: VIP, mode: 'exclusive', releaseOnBackup: false, disableSourceCheck: false, interfaceMac: MAC_A, ...o };
}

const pairs = (sim: CloudSim, id: string) => (sim.state.getPort(id)!.allowed_address_pairs ?? []).map((p) => p.ip_address);
const writes = (sim: CloudSim) => sim.log.all().filter((e) => e.method === 'PUT' && e.api === 'vpc');

describe('discovery', () => {
  it('finds the project (metadata), this NIC (by MAC) and the VIP port (by address)', async () => {
    const { sim, provider } = await setup();
    const d = await provider.discover(vip({ interfaceMac: 'FA-16-3E-00-00-0A' }), signal());
    expect(d).toMatchObject({ vipPortId: PORT_VIP, nic: { portId: PORT_A, ip: IP_A, mac: MAC_A, networkId: NET } });
    const paths = sim.log.all().map((e) => `${e.method} ${e.path}${e.query ? `?${e.query}` : ''}`);
    expect(paths).toContain('GET /openstack/latest/meta_data.json');
    expect(paths).toContain('GET /openstack/latest/network_data.json');
    expect(paths).toContain(`GET /v2.0/ports?fixed_ips=ip_address%3D${VIP}&limit=200`);
    // Every VPC request carried the project and passed the gateway.
    expect(sim.log.all().filter((e) => e.api === 'vpc').every((e) => e.status === 200)).toBe(true);
  });

  it('uses configured port ids without searching', async () => {
    const { sim, provider } = await setup({}, { projectId: PROJECT });
    const d = await provider.discover(vip({ nicPortId: PORT_A, vipPortId: PORT_VIP, interfaceMac: undefined }), signal());
    expect(d.nic.ip).toBe(IP_A);
    expect(sim.log.all().filter((e) => e.api === 'metadata')).toEqual([]);
    expect(sim.log.all().some((e) => e.query.includes('fixed_ips'))).toBe(false);
  });

  it('reports an address that is not a VIP port, an unknown VIP, and an ambiguous NIC', async () => {
    const { sim, provider } = await setup();
    await expect(provider.discover(vip({ address: IP_B }), signal())).rejects.toMatchObject({ code: 'NOT_A_VIP_PORT' });
    await expect(provider.discover(vip({ address: '192.0.2.200' }), signal())).rejects.toMatchObject({ code: 'VIP_PORT_NOT_FOUND' });
    sim.createPort({ network_id: NET, subnet_id: SUBNET, ip: '192.0.2.21', device_id: SRV_A, device_owner: 'compute:x' });
    const err = await provider.discover(vip({ interfaceMac: undefined }), signal()).catch((e) => e);
    capture.add(err);
    expect(err).toMatchObject({ code: 'NIC_AMBIGUOUS' });
    expect(err.message).toMatch(/2 NICs/);
  });

  it('a configured vip_port_id that does not exist is a PortNotFound error, not retried', async () => {
    const { provider } = await setup();
    const err = await provider.claim(vip({ vipPortId: 'e0000000-0000-4000-8000-0000000000ff' }), signal()).catch((e) => e);
    capture.add(err);
    expect(err).toBeInstanceOf(CloudApiError);
    expect(err).toMatchObject({ code: 'PortNotFound', status: 404, retryable: false, format: 'neutron' });
    expect(err.requestId).toMatch(/[0-9a-f-]{36}/);
  });
});

describe('exclusive claim', () => {
  it('replaces the VIP port pairs with this NIC, verifies by reading back, and is idempotent', async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B] });
    const r = await provider.claim(vip(), signal());
    capture.add(r);
    expect(r).toMatchObject({ changed: true, portId: PORT_VIP, nicPortId: PORT_A, nicIp: IP_A, holders: [IP_A] });
    expect(pairs(sim, PORT_VIP)).toEqual([IP_A]);
    const vipCalls = sim.log.all().filter((e) => e.path === `/v2.0/ports/${PORT_VIP}`).map((e) => e.method);
    expect(vipCalls).toEqual(['GET', 'PUT', 'GET']);
    const again = await provider.claim(vip(), signal());
    expect(again.changed).toBe(false);
    expect(writes(sim)).toHaveLength(1);
  });

  it("after discovery, hands the VIP port's read to the HTTP client before claim() returns", async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B] });
    const started: string[] = [];
    const spy = vi.spyOn(http, 'request').mockImplementation(((...args: Parameters<typeof http.request>) => {
      started.push(`${(args[0] as http.RequestOptions).method} ${(args[0] as http.RequestOptions).path}`);
      return spyOrig(...args);
    }) as typeof http.request);
    try {
      // Before discovery the first request waits for it (metadata, NIC, VIP port).
      const cold = provider.claim(vip(), signal());
      expect(started).toEqual([]);
      capture.add(await cold);
      started.length = 0;
      sim.state.getPort(PORT_VIP)!.allowed_address_pairs = [{ ip_address: IP_B }];
      const warm = provider.claim(vip(), signal());
      expect(started).toEqual([`GET /v2.0/ports/${PORT_VIP}`]);
      const r = await warm;
      expect(r).toMatchObject({ changed: true, holders: [IP_A] });
      expect(started).toEqual([`GET /v2.0/ports/${PORT_VIP}`, `PUT /v2.0/ports/${PORT_VIP}`, `GET /v2.0/ports/${PORT_VIP}`]);
    } finally {
      spy.mockRestore();
    }
  });

  it('arms the first read ahead (nothing sent), fires it at the transition, and the claim uses it', async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B] });
    await provider.discover(vip());
    const vipCalls = () => sim.log.all().filter((e) => e.path === `/v2.0/ports/${PORT_VIP}`).map((e) => e.method);
    expect(vipCalls()).toEqual([]);
    provider.arm(vip());
    await new Promise((r) => setTimeout(r, 100));
    expect(vipCalls()).toEqual([]);
    expect(provider.fire(vip())).toBe(true);
    const r = await provider.claim(vip(), signal());
    capture.add(r);
    expect(r).toMatchObject({ changed: true, holders: [IP_A] });
    // One read (the fired one), the write, the read-back.
    expect(vipCalls()).toEqual(['GET', 'PUT', 'GET']);
    // The next read is armed again on its own; close() stops it.
    await new Promise((r) => setTimeout(r, 100));
    expect(provider.fire(vip())).toBe(true);
    await provider.claim(vip(), signal());
    expect(vipCalls()).toEqual(['GET', 'PUT', 'GET', 'GET']);
    provider.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(provider.fire(vip())).toBe(false);
    provider.arm(vip());
    expect(provider.fire(vip())).toBe(false);
  });

  it('a fired read answered with an error fails the attempt; one whose connection fails is read again', async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B] });
    await provider.discover(vip());
    provider.arm(vip());
    await new Promise((r) => setTimeout(r, 100));
    // An answer (here a 503) is the attempt's outcome: the claimer retries it with backoff.
    sim.faults.set([{ api: 'vpc', method: 'GET', errorRate: 1, errorStatus: 503, count: 1 }]);
    expect(provider.fire(vip())).toBe(true);
    const err = await provider.claim(vip(), signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudApiError);
    expect((err as CloudApiError).status).toBe(503);
    const calls = () => sim.log.all().filter((e) => e.path === `/v2.0/ports/${PORT_VIP}`).map((e) => `${e.method} ${e.status}`);
    expect(calls()).toEqual(['GET 503']);
    // The server drops the armed connection just as the read is fired: read again at once.
    await new Promise((r) => setTimeout(r, 100));
    (sim as unknown as { server: { closeAllConnections(): void } }).server.closeAllConnections();
    expect(provider.fire(vip())).toBe(true);
    const r = await provider.claim(vip(), signal());
    expect(r).toMatchObject({ changed: true, holders: [IP_A] });
    expect(calls()).toEqual(['GET 503', 'GET 200', 'PUT 200', 'GET 200']);
    provider.close();
  });

  it('fails verification when the write is lost, then succeeds on the next attempt', async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B] });
    sim.setFaults([{ api: 'vpc', ignoreWrites: true, count: 1 }]);
    const err = await provider.claim(vip(), signal()).catch((e) => e);
    capture.add(err);
    expect(err).toBeInstanceOf(CloudError);
    expect(err).toMatchObject({ code: 'VERIFY_MISMATCH', retryable: true });
    expect(err.message).toContain(IP_B);
    expect(pairs(sim, PORT_VIP)).toEqual([IP_B]);
    await provider.claim(vip(), signal());
    expect(pairs(sim, PORT_VIP)).toEqual([IP_A]);
  });

  it('works with the v1 API paths', async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B] }, { apiVersion: 'v1' });
    await provider.claim(vip({ vipPortId: PORT_VIP }), signal());
    expect(pairs(sim, PORT_VIP)).toEqual([IP_A]);
    expect(writes(sim).map((e) => e.path)).toEqual([`/v1/${PROJECT}/ports/${PORT_VIP}`]);
  });

  it('retries once with fresh credentials after a 401', async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B] });
    sim.setFaults([{ api: 'vpc', rejectCredentials: true, count: 1 }]);
    await provider.claim(vip(), signal());
    const statuses = sim.log.all().filter((e) => e.api === 'vpc').map((e) => e.status);
    expect(statuses[0]).toBe(401);
    expect(pairs(sim, PORT_VIP)).toEqual([IP_A]);
  });
});

describe('shared claim', () => {
  it('merges this NIC into the pairs and keeps the others', async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B] });
    const r = await provider.claim(vip({ mode: 'shared' }), signal());
    expect(pairs(sim, PORT_VIP)).toEqual([IP_B, IP_A]);
    expect(r.holders).toEqual([IP_B, IP_A]);
    expect((await provider.claim(vip({ mode: 'shared' }), signal())).changed).toBe(false);
    expect(writes(sim)).toHaveLength(1);
  });

  it('refuses a merge beyond 10 NICs per VIP with a clear message and writes nothing', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => `192.0.2.${30 + i}`);
    const { sim, provider } = await setup({ vipPairs: ten });
    const err = await provider.claim(vip({ mode: 'shared' }), signal()).catch((e) => e);
    capture.add(err);
    expect(err).toMatchObject({ code: 'VIP_PAIR_LIMIT', retryable: false });
    expect(err.message).toMatch(/already bound to 10 NICs.*limit of 10 NICs per virtual IP/);
    expect(writes(sim)).toEqual([]);
    // Exclusive mode replaces the list, so the limit does not apply.
    await provider.claim(vip({ mode: 'exclusive' }), signal());
    expect(pairs(sim, PORT_VIP)).toEqual([IP_A]);
  });
});

describe('source/destination check', () => {
  it('adds 1.1.1.1/0 to this NIC once, idempotently', async () => {
    const { sim, provider } = await setup();
    await provider.claim(vip({ disableSourceCheck: true }), signal());
    expect(pairs(sim, PORT_A)).toEqual(['1.1.1.1/0']);
    await provider.claim(vip({ disableSourceCheck: true }), signal());
    const p2 = new HuaweiCloudProvider({
      config: { name: 'hw', type: 'huaweicloud', endpoint: sim.url, metadataUrl: `${sim.url}/_instance/${SRV_A}` },
      env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK },
      events: capture.sink,
    });
    providers.push(p2);
    await p2.claim(vip({ disableSourceCheck: true }), signal());
    expect(writes(sim).filter((e) => e.path.endsWith(PORT_A))).toHaveLength(1);
    expect(pairs(sim, PORT_A)).toEqual(['1.1.1.1/0']);
  });
});

describe('release and status', () => {
  it('release removes only this NIC', async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B] });
    await provider.claim(vip({ mode: 'shared' }), signal());
    const r = await provider.release(vip({ mode: 'shared' }), signal());
    expect(r).toMatchObject({ changed: true, holders: [IP_B] });
    expect(pairs(sim, PORT_VIP)).toEqual([IP_B]);
    expect((await provider.release(vip(), signal())).changed).toBe(false);
  });

  it('status names the holders (with their ports) and the bound EIP', async () => {
    const { provider } = await setup({ vipPairs: [IP_B] });
    const before = await provider.status(vip(), signal());
    expect(before).toMatchObject({
      vip: VIP,
      vipPortId: PORT_VIP,
      nicIp: IP_A,
      heldByThisNode: false,
      holders: [{ ip: IP_B, portId: PORT_B, deviceId: SRV_B, self: false }],
      eips: [{ id: FIP, address: EIP, portId: PORT_VIP }],
    });
    await provider.claim(vip(), signal());
    const all = await cloudStatus(new Map([['hw', provider]]), [vip({ instance: 'VI_1' }), vip({ provider: 'nope' })]);
    capture.add(all);
    expect(all[0]).toMatchObject({ ok: true, instance: 'VI_1', heldByThisNode: true, holders: [{ ip: IP_A, portId: PORT_A, self: true }] });
    expect(all[1]).toMatchObject({ ok: false, code: 'CONFIG_INVALID' });
  });
});

describe('credentials written in the cloud_provider block', () => {
  it('are used first and never kept in plain text', async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B] }, { accessKey: AK, secretKey: SK }, { HUAWEICLOUD_SDK_AK: 'OTHERAKOTHERAK000000', HUAWEICLOUD_SDK_SK: 'other' });
    await provider.claim(vip(), signal());
    expect(pairs(sim, PORT_VIP)).toEqual([IP_A]);
    expect((await provider.credentials.get()).source).toBe('config');
    // The guard at the end of this file inspects the provider for AK/SK.
  });
});

describe('temporary credentials from the ECS metadata security key', () => {
  beforeEach(() => capture.add('temporary-credentials'));

  it('claims with the agency key and its security token', async () => {
    const { sim, provider } = await setup({ vipPairs: [IP_B], metadataTokens: 'required' }, {}, {});
    await provider.claim(vip(), signal());
    expect(pairs(sim, PORT_VIP)).toEqual([IP_A]);
    expect(sim.log.all().filter((e) => e.path === '/openstack/latest/securitykey')).toHaveLength(1);
    expect(sim.log.all().filter((e) => e.path === '/meta-data/latest/api/token')).toHaveLength(1);
    expect((await provider.credentials.get()).source).toBe('metadata');
  });

  it('without an agency there are no credentials: the 401 is reported', async () => {
    const { provider } = await setup({ agency: false }, {}, {});
    const err = await provider.claim(vip(), signal()).catch((e) => e);
    capture.add(err);
    expect(err).toMatchObject({ status: 401 });
  });
});
