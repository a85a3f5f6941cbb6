/**
 * Simulated ECS metadata service: meta_data.json, network_data.json, securitykey and the
 * optional session token (PUT /meta-data/latest/api/token with
 * X-Metadata-Token-Ttl-Seconds, then X-Metadata-Token on GETs). The token mode is
 * optional, required, or unsupported (the PUT answers 404 or 405).
 * Which server is asking: a /_instance/{server_id} path prefix, else the source address
 * listed in a server's metadataClients, else the first server.
 */
import { randomBytes } from 'node:crypto';
import { send, type SimContext } from './context.js';
import type { SimServer, SimState, TempKey } from './state.js';

/** The service issues a new security key when the current one has less than this left. */
export const ROTATE_BEFORE_MS = 10 * 60 * 1000;

function text(ctx: SimContext, status: number, body: string, code?: string): void {
  if (code) ctx.code = code;
  send(ctx, status, body);
}

export function resolveServer(state: SimState, instance: string | undefined, remote: string | undefined): SimServer | undefined {
  if (instance) return state.findServer(instance);
  const addr = remote?.replace(/^::ffff:/, '');
  return state.servers.find((s) => addr && s.metadataClients?.includes(addr)) ?? state.servers[0];
}

/** The current temporary key of a server, issuing a new one when close to expiry. */
export function securityKeyFor(state: SimState, server: SimServer, nowMs: number, force = false): TempKey {
  const current = state.tempKeys.filter((k) => k.serverId === server.id).sort((a, b) => b.expiresAt - a.expiresAt)[0];
  if (current && !force && current.expiresAt - nowMs > ROTATE_BEFORE_MS) return current;
  const key: TempKey = {
    ak: `TMP${randomBytes(10).toString('hex').toUpperCase()}`,
    sk: randomBytes(20).toString('base64url'),
    token: randomBytes(48).toString('base64url'),
    expiresAt: nowMs + state.securityKeyTtlSeconds * 1000,
    serverId: server.id,
    projectId: server.projectId ?? state.defaultProjectId,
  };
  state.tempKeys.push(key);
  state.issuedSecrets.push(key.ak, key.sk, key.token);
  // Keys past expiry are useless; keep the list short.
  state.tempKeys = state.tempKeys.filter((k) => k.expiresAt > nowMs);
  return key;
}

export function handleMetadata(ctx: SimContext, state: SimState, nowMs: number, path: string, instance: string | undefined): void {
  const server = resolveServer(state, instance, ctx.req.socket.remoteAddress);
  if (server) ctx.entry.instance = server.id;
  const mode = state.metadataTokens;

  if (path === '/meta-data/latest/api/token') {
    if (mode === 'unsupported-404') return text(ctx, 404, 'Not Found', 'HTTP_404');
    if (mode === 'unsupported-405') return text(ctx, 405, 'Method Not Allowed', 'HTTP_405');
    if (ctx.method !== 'PUT') return text(ctx, 405, 'Method Not Allowed', 'HTTP_405');
    const ttl = Number(ctx.req.headers['x-metadata-token-ttl-seconds']);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return text(ctx, 400, 'X-Metadata-Token-Ttl-Seconds must be 1..21600', 'HTTP_400');
    if (!server) return text(ctx, 404, 'Not Found', 'HTTP_404');
    const token = randomBytes(32).toString('base64url');
    state.metadataSessionTokens.set(token, { serverId: server.id, expiresAt: nowMs + ttl * 1000 });
    state.issuedSecrets.push(token);
    return text(ctx, 200, token);
  }

  if (ctx.method !== 'GET') return text(ctx, 405, 'Method Not Allowed', 'HTTP_405');
  if (mode === 'optional' || mode === 'required') {
    const given = ctx.req.headers['x-metadata-token'];
    if (typeof given === 'string') {
      const rec = state.metadataSessionTokens.get(given);
      if (!rec || rec.expiresAt <= nowMs || rec.serverId !== server?.id) return text(ctx, 401, 'Unauthorized', 'HTTP_401');
    } else if (mode === 'required') {
      return text(ctx, 401, 'Unauthorized', 'HTTP_401');
    }
  }
  if (!server) return text(ctx, 404, 'Not Found', 'HTTP_404');

  switch (path) {
    case '/openstack/latest/meta_data.json':
      return send(ctx, 200, {
        uuid: server.id,
        name: server.name ?? server.id,
        hostname: server.name ?? server.id,
        project_id: server.projectId ?? state.defaultProjectId,
        availability_zone: server.availabilityZone ?? `${state.region}a`,
        meta: { ...(server.vpcId ? { vpc_id: server.vpcId } : {}) },
        launch_index: 0,
      });
    case '/openstack/latest/network_data.json':
      return send(ctx, 200, {
        links: state.portsOfServer(server.id).map((p) => ({
          id: `tap${p.id.slice(0, 11)}`,
          vif_id: p.id,
          ethernet_mac_address: p.mac_address,
          mtu: 1500,
          type: 'ovs',
        })),
        networks: [],
        services: [],
      });
    case '/openstack/latest/securitykey': {
      if (!server.agency) return text(ctx, 401, 'Unauthorized: no agency is attached to this server', 'HTTP_401');
      const key = securityKeyFor(state, server, nowMs);
      return send(ctx, 200, {
        credential: {
          access: key.ak,
          secret: key.sk,
          securitytoken: key.token,
          expires_at: new Date(key.expiresAt).toISOString(),
        },
      });
    }
    default:
      return text(ctx, 404, 'Not Found', 'HTTP_404');
  }
}
