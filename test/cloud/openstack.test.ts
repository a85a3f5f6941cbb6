import { describe, expect, it } from 'vitest';
import type { CloudVip } from '../../src/cloud/config.js';
import { KeystoneClient, selectEndpoint, v3Url } from '../../src/cloud/openstack/keystone.js';
import { NeutronClient } from '../../src/cloud/openstack/neutron.js';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.js';
import { loadKeystoneCredentials } from '../../src/cloud/credentials.js';
import type { CloudSim } from '../../src/cloud/sim/server.js';
import {
  APP_CRED_ID,
  APP_CRED_SECRET,
  cloudTestRig,
  EIP,
  FIP,
  IP_A,
  MAC_A,
  OS_PASSWORD,
  OS_USER,
  PORT_A,
  PORT_B,
  PROJECT,
  SRV_A,
  startSim,
  VIP,
  world,
  type WorldOptions,
} from './helpers.js';

const { capture, sims, objects } = cloudTestRig();

const signal = () => AbortSignal.timeout(10_000);

function passwordEnv(sim: CloudSim): NodeJS.ProcessEnv {
  return {
    OS_AUTH_URL: `${sim.url}/v3/`,
    OS_USERNAME: OS_USER,
    OS_PASSWORD,
    OS_PROJECT_ID: PROJECT,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'sim-region-1',
    OS_INTERFACE: 'public',
  };
}

async function setup(o: WorldOptions = {}, env?: (sim: CloudSim) => NodeJS.ProcessEnv) {
  const sim = await startSim(world(o));
  sims.push(sim);
  const provider = new OpenStackProvider({
    config: { name: 'os', type: 'openstack', metadataUrl: `${sim.url}/_instance/${SRV_A}`, requestTimeoutMs: 2000 },
    env: (env ?? passwordEnv)(sim),
    events: capture.sink,
  });
  objects.push(provider);
  return { sim, provider };
}

function vip(o: Partial<CloudVip> = {}): CloudVip {
  return { provider: 'os', address: VIP, mode: 'shared', releaseOnBackup: false, disableSourceCheck: false, interfaceMac: MAC_A, ...o };
}

const pairs = (sim: CloudSim, id: string) => (sim.state.getPort(id)!.allowed_address_pairs ?? []).map((p) => p.ip_address);

describe('Keystone v3', () => {
  it('normalises the auth URL', () => {
    expect(v3Url('https://k:5000')).toBe('https://k:5000/v3');
    expect(v3Url('https://k:5000/v3/')).toBe('https://k:5000/v3');
  });

  it('password auth: token from X-Subject-Token, network endpoint chosen by interface and region', async () => {
    const { sim } = await setup();
    const credentials = await loadKeystoneCredentials({ env: passwordEnv(sim) });
    const ks = new KeystoneClient({ credentials, events: capture.sink });
    objects.push(ks, credentials);
    const t = await ks.token(signal());
    expect(t.expiresAt).toBeGreaterThan(Date.now());
    expect(t.projectId).toBe(PROJECT);
    expect(await ks.endpoint('network')).toBe(`${sim.url}/neutron`);
    expect(selectEndpoint(t.catalog, 'network', 'internal', 'sim-region-1')).toBe(`${sim.url}/neutron/`);
    expect(selectEndpoint(t.catalog, 'network', 'publicURL', 'sim-other-region')).toBe(`${sim.url}/unreachable-region`);
    expect(() => selectEndpoint(t.catalog, 'network', 'public', 'nowhere')).toThrow(/no network endpoint with interface public in region nowhere.*available: public@sim-region-1/);
    expect(sim.log.all().filter((e) => e.api === 'keystone')).toHaveLength(1);
  });

  it('application credential auth', async () => {
    const { sim } = await setup();
    const credentials = await loadKeystoneCredentials({
      env: { OS_AUTH_URL: sim.url, OS_APPLICATION_CREDENTIAL_ID: APP_CRED_ID, OS_APPLICATION_CREDENTIAL_SECRET: APP_CRED_SECRET },
    });
    const ks = new KeystoneClient({ credentials, events: capture.sink });
    objects.push(ks);
    expect((await ks.token()).projectId).toBe(PROJECT);
    const bad = new KeystoneClient({ credentials: { ...credentials, applicationCredentialId: 'nope' }, events: capture.sink });
    const err = await bad.token().catch((e) => e);
    capture.add(err);
    expect(err).toMatchObject({ status: 401, format: 'keystone' });
  });

  it('caches the token and renews it before expiry', async () => {
    const { sim } = await setup({ tokenTtlSeconds: 600 });
    let now = Date.now();
    const credentials = await loadKeystoneCredentials({ env: passwordEnv(sim) });
    const ks = new KeystoneClient({ credentials, now: () => now, events: capture.sink });
    objects.push(ks);
    const first = await ks.token();
    now += 4 * 60_000;
    expect(await ks.token()).toBe(first);
    expect(ks.issued).toBe(1);
    now += 61_000; // inside the 5-minute margin before the 10-minute lifetime ends
    const second = await ks.token();
    expect(second).not.toBe(first);
    expect(ks.issued).toBe(2);
    expect(second.value.reveal()).not.toBe(first.value.reveal());
    expect(sim.log.all().filter((e) => e.api === 'keystone' && e.status === 201)).toHaveLength(2);
  });

  it('a revoked token is replaced after one 401 and the call succeeds', async () => {
    const { sim } = await setup();
    const credentials = await loadKeystoneCredentials({ env: passwordEnv(sim) });
    const ks = new KeystoneClient({ credentials, events: capture.sink });
    const neutron = new NeutronClient({ keystone: ks, events: capture.sink });
    objects.push(neutron);
    await neutron.getPort(PORT_A);
    sim.revokeTokens();
    expect((await neutron.getPort(PORT_A)).id).toBe(PORT_A);
    const seq = sim.log.all().map((e) => `${e.api}:${e.status}`);
    expect(seq).toEqual(['keystone:201', 'neutron:200', 'neutron:401', 'keystone:201', 'neutron:200']);
  });
});

describe('credentials written in the cloud_provider block', () => {
  it('user/password/domain/project_id with auth_url and region', async () => {
    const sim = await startSim(world());
    sims.push(sim);
    const provider = new OpenStackProvider({
      config: {
        name: 'os',
        type: 'openstack',
        authUrl: sim.url,
        region: 'sim-region-1',
        interface: 'internal',
        user: OS_USER,
        password: OS_PASSWORD,
        domain: 'Default',
        projectId: PROJECT,
        metadataUrl: `${sim.url}/_instance/${SRV_A}`,
      },
      env: {},
      events: capture.sink,
    });
    objects.push(provider);
    await provider.claim(vip(), signal());
    expect(pairs(sim, PORT_A)).toEqual([VIP]);
    expect(sim.log.all().filter((e) => e.api === 'keystone').map((e) => e.status)).toEqual([201]);
  });
});

describe('Neutron claim (VIP on the server port)', () => {
  it('shared: merges the VIP into this port, leaves other holders, verifies, is idempotent', async () => {
    const { sim, provider } = await setup({ portsHoldingVip: [PORT_B] });
    const r = await provider.claim(vip(), signal());
    capture.add(r);
    expect(r).toMatchObject({ changed: true, portId: PORT_A, nicIp: IP_A });
    expect(pairs(sim, PORT_A)).toEqual([VIP]);
    expect(pairs(sim, PORT_B)).toEqual([VIP]);
    expect((await provider.claim(vip(), signal())).changed).toBe(false);
    expect(sim.log.all().filter((e) => e.method === 'PUT' && e.api === 'neutron')).toHaveLength(1);
  });

  it('exclusive: also removes the VIP from the other ports that hold it', async () => {
    const { sim, provider } = await setup({ portsHoldingVip: [PORT_B] });
    const r = await provider.claim(vip({ mode: 'exclusive' }), signal());
    expect(r.holders).toEqual([IP_A]);
    expect(pairs(sim, PORT_A)).toEqual([VIP]);
    expect(pairs(sim, PORT_B)).toEqual([]);
  });

  it('reports a 409 (port security disabled) clearly', async () => {
    const { sim, provider } = await setup({ portSecurityA: false });
    const err = await provider.claim(vip(), signal()).catch((e) => e);
    capture.add(err);
    expect(err).toMatchObject({ code: 'PORT_SECURITY_DISABLED', retryable: false });
    expect(err.message).toMatch(/port security is disabled.*AddressPairAndPortSecurityRequired/);
    expect(sim.log.all().some((e) => e.method === 'PUT' && e.status === 409)).toBe(true);
  });

  it('moves a floating IP to this port when asked', async () => {
    const { sim, provider } = await setup();
    await provider.claim(vip({ floatingIpId: FIP }), signal());
    expect(sim.state.floatingips.get(FIP)).toMatchObject({ port_id: PORT_A, fixed_ip_address: IP_A });
    const st = await provider.status(vip({ floatingIpId: FIP }), signal());
    expect(st.eips).toEqual([expect.objectContaining({ id: FIP, address: EIP, portId: PORT_A, fixedIp: IP_A })]);
  });

  it('release removes the VIP from this port; status lists the holders', async () => {
    const { sim, provider } = await setup({ portsHoldingVip: [PORT_B] });
    await provider.claim(vip(), signal());
    const st = await provider.status(vip(), signal());
    expect(st.holders.map((h) => [h.portId, h.self]).sort()).toEqual([
      [PORT_A, true],
      [PORT_B, false],
    ]);
    expect(st.heldByThisNode).toBe(true);
    const rel = await provider.release(vip(), signal());
    expect(rel).toMatchObject({ changed: true });
    expect(pairs(sim, PORT_A)).toEqual([]);
  });
});
