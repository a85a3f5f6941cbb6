import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/cloud/huaweicloud/signer.js';
import { HuaweiCloudProvider } from '../../src/cloud/huaweicloud/provider.js';
import { parseCloudError } from '../../src/cloud/errors.js';
import type { CloudSim } from '../../src/cloud/sim/server.js';
import { AK, Capture, guardSecrets, OS_PASSWORD, OS_USER, PORT_VIP, PROJECT, SK, SRV_A, startSim, world } from './helpers.js';

const capture = new Capture();
let sim: CloudSim;
guardSecrets(capture, () => (sim ? [sim] : []));

beforeAll(async () => {
  sim = await startSim(world());
});
afterAll(async () => {
  await sim.close();
});

/** A signed request to the simulator, with knobs to break it. */
async function signedFetch(
  path: string,
  opts: { ak?: string; sk?: string; date?: Date; token?: string; method?: string; body?: string; tamper?: (h: Record<string, string>) => void } = {},
) {
  const url = new URL(sim.url);
  const s = signRequest(
    { method: opts.method ?? 'GET', host: url.host, path, headers: { 'Content-Type': 'application/json' }, ...(opts.body ? { body: opts.body } : {}) },
    { ak: opts.ak ?? AK, sk: opts.sk ?? SK, ...(opts.token ? { securityToken: opts.token } : {}) },
    { date: opts.date ?? new Date(), projectId: PROJECT },
  );
  const headers = { ...s.headers };
  delete (headers as Record<string, string>).host;
  opts.tamper?.(headers);
  const res = await fetch(`${sim.url}${s.pathAndQuery}`, { method: opts.method ?? 'GET', headers, ...(opts.body ? { body: opts.body } : {}) });
  const text = await res.text();
  const err = res.ok ? undefined : parseCloudError(res.status, text, res.headers);
  if (err) capture.add(err);
  capture.sink({ type: 'http', api: 'test', method: opts.method ?? 'GET', path, status: res.status, latencyMs: 0 });
  return { status: res.status, text, err, requestId: res.headers.get('x-request-id') };
}

describe('API gateway authentication (AK/SK)', () => {
  it('accepts a correctly signed request', async () => {
    const r = await signedFetch(`/v2.0/ports/${PORT_VIP}`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).port.id).toBe(PORT_VIP);
    expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects a bad signature with APIGW.0301 in the gateway format', async () => {
    const r = await signedFetch(`/v2.0/ports/${PORT_VIP}`, { sk: `${SK}x` });
    expect(r.status).toBe(401);
    expect(r.err).toMatchObject({ code: 'APIGW.0301', status: 401, format: 'apigw' });
    expect(r.err!.requestId).toBe(r.requestId);
    expect(JSON.parse(r.text)).toMatchObject({ error_code: 'APIGW.0301', request_id: r.requestId });
  });

  it('rejects a header changed after signing', async () => {
    const r = await signedFetch(`/v2.0/ports/${PORT_VIP}`, { tamper: (h) => (h['X-Project-Id'] = 'ffffffffffffffffffffffffffffffff') });
    expect(r.err).toMatchObject({ code: 'APIGW.0301', status: 401 });
  });

  it('rejects an unknown access key', async () => {
    const r = await signedFetch(`/v2.0/ports/${PORT_VIP}`, { ak: 'NOSUCHKEY00000000000' });
    expect(r.err).toMatchObject({ code: 'APIGW.0301', status: 401 });
  });

  it('rejects X-Sdk-Date more than 15 minutes off, either way; accepts 14 minutes', async () => {
    const now = Date.now();
    expect((await signedFetch(`/v2.0/ports/${PORT_VIP}`, { date: new Date(now - 16 * 60_000) })).err).toMatchObject({ code: 'APIGW.0301' });
    expect((await signedFetch(`/v2.0/ports/${PORT_VIP}`, { date: new Date(now + 16 * 60_000) })).err).toMatchObject({ code: 'APIGW.0301' });
    expect((await signedFetch(`/v2.0/ports/${PORT_VIP}`, { date: new Date(now - 14 * 60_000) })).status).toBe(200);
    const skew = await signedFetch(`/v2.0/ports/${PORT_VIP}`, { date: new Date(now - 16 * 60_000) });
    expect(skew.err!.message).toMatch(/15 minutes/);
  });

  it('temporary keys need the right, signed, unexpired security token', async () => {
    const key = (await (await fetch(`${sim.url}/_instance/${SRV_A}/openstack/latest/securitykey`)).json()) as { credential: unknown };
    const c = key.credential as { access: string; secret: string; securitytoken: string; expires_at: string };
    capture.add(`securitykey expires ${c.expires_at}`);
    const good = await signedFetch(`/v2.0/ports/${PORT_VIP}`, { ak: c.access, sk: c.secret, token: c.securitytoken });
    expect(good.status).toBe(200);
    const missing = await signedFetch(`/v2.0/ports/${PORT_VIP}`, { ak: c.access, sk: c.secret });
    expect(missing.err).toMatchObject({ code: 'APIGW.0301', status: 401 });
    expect(missing.err!.message).toMatch(/X-Security-Token/);
    const wrong = await signedFetch(`/v2.0/ports/${PORT_VIP}`, { ak: c.access, sk: c.secret, token: 'not-the-token' });
    expect(wrong.err!.message).toMatch(/security token is invalid/);
    sim.clockOffsetMs = Date.parse(c.expires_at) - Date.now() + 1000;
    try {
      const expired = await signedFetch(`/v2.0/ports/${PORT_VIP}`, { ak: c.access, sk: c.secret, token: c.securitytoken, date: new Date(sim.now()) });
      expect(expired.err!.message).toMatch(/expired/);
    } finally {
      sim.clockOffsetMs = 0;
    }
  });

  it('answers an unknown route with APIGW.0101 and a missing port with NeutronError (v2.0) or VPC.xxxx (v1)', async () => {
    const route = await signedFetch('/v2.0/routers');
    expect(route.err).toMatchObject({ code: 'APIGW.0101', status: 404, format: 'apigw' });
    const v2 = await signedFetch('/v2.0/ports/no-such-port');
    expect(v2.err).toMatchObject({ code: 'PortNotFound', status: 404, format: 'neutron' });
    const v1 = await signedFetch(`/v1/${PROJECT}/ports/no-such-port`);
    expect(v1.err).toMatchObject({ status: 404, format: 'vpc' });
    expect(v1.err!.code).toMatch(/^VPC\.\d{4}$/);
  });

  it('validates allowed_address_pairs updates', async () => {
    const bad = await signedFetch(`/v2.0/ports/${PORT_VIP}`, {
      method: 'PUT',
      body: JSON.stringify({ port: { allowed_address_pairs: [{ ip_address: 'not-an-ip' }] } }),
    });
    expect(bad.err).toMatchObject({ status: 400, format: 'neutron' });
    const tooMany = await signedFetch(`/v2.0/ports/${PORT_VIP}`, {
      method: 'PUT',
      body: JSON.stringify({ port: { allowed_address_pairs: Array.from({ length: 11 }, (_, i) => ({ ip_address: `192.0.2.${20 + i}` })) } }),
    });
    expect(tooMany.err).toMatchObject({ status: 400 });
    expect(sim.state.getPort(PORT_VIP)!.allowed_address_pairs).toHaveLength(1);
  });
});

describe('Keystone and Neutron authentication', () => {
  const auth = (password: string) =>
    fetch(`${sim.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: { identity: { methods: ['password'], password: { user: { name: OS_USER, domain: { name: 'Default' }, password } } }, scope: { project: { id: PROJECT } } },
      }),
    });

  it('rejects a wrong password and an unknown token in the Keystone format', async () => {
    const res = await auth(`${OS_PASSWORD}x`);
    const err = parseCloudError(res.status, await res.text(), res.headers);
    capture.add(err);
    expect(err).toMatchObject({ status: 401, code: 'KEYSTONE.Unauthorized', format: 'keystone' });
    const n = await fetch(`${sim.url}/neutron/v2.0/ports`, { headers: { 'X-Auth-Token': 'bogus' } });
    expect(parseCloudError(n.status, await n.text(), n.headers)).toMatchObject({ status: 401, format: 'keystone' });
  });

  it('issues a token usable on Neutron until it expires', async () => {
    const res = await auth(OS_PASSWORD);
    expect(res.status).toBe(201);
    const token = res.headers.get('x-subject-token')!;
    const body = (await res.json()) as any;
    expect(Date.parse(body.token.expires_at)).toBeGreaterThan(Date.now());
    expect(body.token.catalog.find((c: { type: string }) => c.type === 'network').endpoints.length).toBeGreaterThan(0);
    const ok = await fetch(`${sim.url}/neutron/v2.0/ports?device_owner=neutron%3AVIP_PORT`, { headers: { 'X-Auth-Token': token } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).ports.map((p: { id: string }) => p.id)).toEqual([PORT_VIP]);
    sim.clockOffsetMs = 3601_000;
    try {
      const late = await fetch(`${sim.url}/neutron/v2.0/ports`, { headers: { 'X-Auth-Token': token } });
      expect(late.status).toBe(401);
    } finally {
      sim.clockOffsetMs = 0;
    }
  });
});

describe('fault injection and request log', () => {
  it('injects 429 with Retry-After in the gateway format, counted', async () => {
    sim.setFaults([{ api: 'vpc', throttleRate: 1, retryAfterSeconds: 3, count: 2 }]);
    const a = await signedFetch(`/v2.0/ports/${PORT_VIP}`);
    const b = await signedFetch(`/v2.0/ports/${PORT_VIP}`);
    const c = await signedFetch(`/v2.0/ports/${PORT_VIP}`);
    expect(a.err).toMatchObject({ status: 429, code: 'APIGW.0308', retryAfterMs: 3000, retryable: true });
    expect(b.err?.status).toBe(429);
    expect(c.status).toBe(200);
    expect(sim.faults.list()).toEqual([]);
  });

  it('a rule with `from` acts only on requests from that client address', async () => {
    // The test client connects from 127.0.0.1.
    sim.setFaults([
      { api: 'vpc', from: '192.0.2.99', errorRate: 1, errorStatus: 503, count: 1 },
      { api: 'vpc', from: '127.0.0.1', errorRate: 1, errorStatus: 500, count: 1 },
    ]);
    expect((await signedFetch(`/v2.0/ports/${PORT_VIP}`)).status).toBe(500);
    expect((await signedFetch(`/v2.0/ports/${PORT_VIP}`)).status).toBe(200);
    // The rule for another client is still there, unused.
    expect(sim.faults.list()).toEqual([{ api: 'vpc', from: '192.0.2.99', errorRate: 1, errorStatus: 503, count: 1 }]);
    sim.clearFaults();
  });

  it('injects 5xx at a seeded rate, latency, and wrong credentials; controllable over HTTP', async () => {
    const put = await fetch(`${sim.url}/_sim/faults`, { method: 'PUT', body: JSON.stringify([{ api: 'vpc', errorRate: 0.5, errorStatus: 503 }]) });
    expect(put.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await signedFetch(`/v2.0/ports/${PORT_VIP}`)).status);
    const failed = statuses.filter((s) => s === 503).length;
    expect(failed).toBeGreaterThan(8);
    expect(failed).toBeLessThan(32);
    await fetch(`${sim.url}/_sim/faults`, { method: 'PUT', body: JSON.stringify([{ api: 'vpc', latencyMs: 150, rejectCredentials: true, count: 1 }]) });
    const t0 = performance.now();
    const rejected = await signedFetch(`/v2.0/ports/${PORT_VIP}`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(rejected.err).toMatchObject({ status: 401, code: 'APIGW.0301' });
    expect(((await fetch(`${sim.url}/_sim/faults`).then((r) => r.json())) as any).faults).toEqual([]);
  });

  it('logs requests with timestamps, status, code and fault labels, and no secrets', async () => {
    sim.log.clear();
    sim.setFaults([{ api: 'vpc', errorRate: 1, errorStatus: 500, count: 1 }]);
    const before = performance.timeOrigin + performance.now();
    await signedFetch(`/v2.0/ports/${PORT_VIP}`);
    await signedFetch(`/v2.0/ports/${PORT_VIP}`);
    const entries = ((await fetch(`${sim.url}/_sim/log`).then((r) => r.json())) as any).entries as Array<Record<string, unknown>>;
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ method: 'GET', path: `/v2.0/ports/${PORT_VIP}`, api: 'vpc', status: 500, code: 'HTTPInternalServerError', faults: ['500'] });
    expect(entries[1]).toMatchObject({ status: 200, faults: [] });
    expect(entries[0]!.at as number).toBeGreaterThanOrEqual(before - 1);
    expect(entries[1]!.at as number).toBeGreaterThan(entries[0]!.at as number);
  });

  it('a hang holds the answer until the client gives up', async () => {
    sim.setFaults([{ api: 'vpc', hangRate: 1, count: 1 }]);
    const url = new URL(sim.url);
    const s = signRequest({ method: 'GET', host: url.host, path: `/v2.0/ports/${PORT_VIP}` }, { ak: AK, sk: SK });
    const h = { ...s.headers };
    delete (h as Record<string, string>).host;
    await expect(fetch(`${sim.url}${s.pathAndQuery}`, { headers: h, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    const entry = await sim.log.waitFor((e) => e.faults.includes('hang-before'), 2000);
    expect(entry.status).toBe(0);
  });
});

describe('standalone CLI', () => {
  it('serves the shipped two-node fixture; a claim runs against it', async () => {
    const fixture = 'src/cloud/sim/fixtures/two-nodes.json';
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cloud/sim/main.ts', '--listen', '127.0.0.1:0', '--state', fixture], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout! });
        rl.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
        setTimeout(() => reject(new Error('no output')), 20_000);
      });
      const { url, pid } = JSON.parse(line) as { url: string; pid: number };
      expect(pid).toBe(child.pid);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const provider = new HuaweiCloudProvider({
        config: { name: 'demo', type: 'huaweicloud', endpoint: url, metadataUrl: `${url}/_instance/${SRV_A}` },
        env: { HUAWEICLOUD_SDK_AK: 'SIMDEMOACCESSKEY0001', HUAWEICLOUD_SDK_SK: 'sim-demo-secret-key-not-a-real-one' },
        events: capture.sink,
      });
      const v = { provider: 'demo', address: '192.0.2.100', mode: 'exclusive' as const, releaseOnBackup: false, disableSourceCheck: false, interfaceMac: 'fa:16:3e:00:00:0a' };
      expect(await provider.claim(v, AbortSignal.timeout(10_000))).toMatchObject({ changed: true, nicIp: '192.0.2.11', holders: ['192.0.2.11'] });
      const state = (await (await fetch(`${url}/_sim/state`)).json()) as any;
      expect(state.ports.find((p: { id: string }) => p.id === PORT_VIP).allowed_address_pairs).toEqual([{ ip_address: '192.0.2.11' }]);
      const status = await provider.status(v, AbortSignal.timeout(10_000));
      expect(status.eips.map((e) => e.address)).toEqual(['198.51.100.50']);
      const log = (await (await fetch(`${url}/_sim/log`)).json()) as any;
      expect(log.entries.filter((e: { method: string; api: string }) => e.method === 'PUT' && e.api === 'vpc')).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
