import { describe, expect, it } from 'vitest';
import { MetadataClient } from '../../src/cloud/huaweicloud/metadata.js';
import type { CloudSim } from '../../src/cloud/sim/server.js';
import type { SimFixture } from '../../src/cloud/sim/state.js';
import { cloudTestRig, MAC_A, PORT_A, PROJECT, SRV_A, SRV_B, startSim, world } from './helpers.js';

const { capture, sims, objects } = cloudTestRig();

async function client(mode: SimFixture['metadataTokens'], opts: { now?: () => number; tokenTtlSeconds?: number; server?: string } = {}) {
  const sim = await startSim(world({ metadataTokens: mode }), opts.now ? { now: opts.now } : {});
  sims.push(sim);
  const md = new MetadataClient({
    baseUrl: `${sim.url}/_instance/${opts.server ?? SRV_A}`,
    events: capture.sink,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.tokenTtlSeconds ? { tokenTtlSeconds: opts.tokenTtlSeconds } : {}),
  });
  objects.push(md);
  return { sim, md };
}

const tokenPuts = (sim: CloudSim) => sim.log.all().filter((e) => e.path === '/meta-data/latest/api/token');
const gets = (sim: CloudSim) => sim.log.all().filter((e) => e.method === 'GET');

describe('metadata documents', () => {
  it('meta_data.json and network_data.json describe this server', async () => {
    const { md } = await client('optional');
    expect(await md.metaData()).toMatchObject({ uuid: SRV_A, project_id: PROJECT, availability_zone: 'sim-region-1a' });
    expect((await md.networkData()).links).toEqual([expect.objectContaining({ vif_id: PORT_A, ethernet_mac_address: MAC_A })]);
  });

  it('selects the server by path prefix or by source address', async () => {
    const { sim } = await client('optional');
    sim.state.findServer(SRV_B)!.metadataClients = ['127.0.0.1'];
    const bySource = new MetadataClient({ baseUrl: sim.url, events: capture.sink });
    expect((await bySource.metaData()).uuid).toBe(SRV_B);
  });
});

describe('metadata session tokens', () => {
  it('optional: negotiates one token and sends it on every GET', async () => {
    const { sim, md } = await client('optional');
    await md.metaData();
    await md.networkData();
    await md.metaData();
    expect(md.usesTokens).toBe(true);
    expect(tokenPuts(sim)).toHaveLength(1);
    expect(tokenPuts(sim)[0]).toMatchObject({ method: 'PUT', status: 200 });
    expect(gets(sim).map((e) => e.status)).toEqual([200, 200, 200]);
  });

  it('required: a GET without the token is refused, the client succeeds', async () => {
    const { sim, md } = await client('required');
    const raw = await fetch(`${sim.url}/_instance/${SRV_A}/openstack/latest/meta_data.json`);
    expect(raw.status).toBe(401);
    expect((await md.metaData()).uuid).toBe(SRV_A);
  });

  it.each(['unsupported-404', 'unsupported-405'] as const)('%s: falls back to plain GETs and stops asking', async (mode) => {
    const { sim, md } = await client(mode);
    await md.metaData();
    await md.networkData();
    expect(md.usesTokens).toBe(false);
    expect(tokenPuts(sim)).toHaveLength(1);
    expect(tokenPuts(sim)[0]!.status).toBe(mode === 'unsupported-404' ? 404 : 405);
    expect(gets(sim).every((e) => e.status === 200)).toBe(true);
  });

  it('renews the token before its TTL ends', async () => {
    let now = Date.now();
    const { sim, md } = await client('required', { now: () => now, tokenTtlSeconds: 120 });
    await md.metaData();
    now += 50_000;
    await md.metaData();
    expect(tokenPuts(sim)).toHaveLength(1);
    now += 15_000; // past half the 120 s lifetime: renewed early
    await md.metaData();
    expect(tokenPuts(sim)).toHaveLength(2);
    expect(gets(sim).every((e) => e.status === 200)).toBe(true);
  });

  it('a revoked token is replaced after one 401', async () => {
    const { sim, md } = await client('required');
    await md.metaData();
    sim.state.metadataSessionTokens.clear();
    expect((await md.metaData()).uuid).toBe(SRV_A);
    expect(gets(sim).map((e) => e.status)).toEqual([200, 401, 200]);
    expect(tokenPuts(sim)).toHaveLength(2);
  });

  it('the security key needs an agency', async () => {
    const sim = await startSim(world({ agency: false }));
    sims.push(sim);
    const md = new MetadataClient({ baseUrl: `${sim.url}/_instance/${SRV_A}`, events: capture.sink });
    const err = await md.securityKey().catch((e) => e);
    capture.add(err);
    expect(err).toMatchObject({ status: 401, retryable: false });
  });
});
