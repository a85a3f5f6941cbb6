/**
 * Simulated OpenStack Neutron under /neutron/v2.0: ports (list, get, update) and floating
 * IPs (list, get, update), scoped to the Keystone token's project. An unknown or expired
 * X-Auth-Token is answered 401 as keystonemiddleware does.
 */
import { neutronError, unauthorizedKeystone, type SimContext } from './context.js';
import { getFloatingIp, getPort, listFloatingIps, listPorts, neutronFlavour, updateFloatingIp, updatePort } from './ports-api.js';
import type { SimState } from './state.js';

export function handleNeutron(ctx: SimContext, state: SimState, nowMs: number): void {
  const token = ctx.req.headers['x-auth-token'];
  const rec = typeof token === 'string' ? state.keystoneTokens.get(token) : undefined;
  if (!rec || nowMs >= rec.expiresAt) return unauthorizedKeystone(ctx);
  const projectId = rec.projectId;
  const segs = ctx.path.split('/').filter(Boolean); // neutron, v2.0, coll, id
  if (segs[1] === 'v2.0' && segs.length <= 4) {
    const [, , coll, id] = segs;
    if (coll === 'ports') {
      if (id === undefined && ctx.method === 'GET') return listPorts(ctx, state, projectId);
      if (id !== undefined && ctx.method === 'GET') return getPort(ctx, state, projectId, id, neutronFlavour);
      if (id !== undefined && ctx.method === 'PUT') return updatePort(ctx, state, projectId, id, neutronFlavour);
    }
    if (coll === 'floatingips') {
      if (id === undefined && ctx.method === 'GET') return listFloatingIps(ctx, state);
      if (id !== undefined && ctx.method === 'GET') return getFloatingIp(ctx, state, id, neutronFlavour);
      if (id !== undefined && ctx.method === 'PUT') return updateFloatingIp(ctx, state, projectId, id, neutronFlavour);
    }
  }
  neutronError(ctx, 404, 'HTTPNotFound', 'The resource could not be found.');
}
