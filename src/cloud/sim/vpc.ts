/**
 * Simulated Huawei VPC API behind the API gateway: AK/SK signatures verified as the
 * gateway does (15-minute skew window; temporary keys need a signed X-Security-Token),
 * then ports (v2.0 and v1/{project_id}), v2.0 floating IPs and v1 publicips.
 * Gateway errors use the APIGW format; v2.0 answers NeutronError; v1 the VPC.xxxx format.
 */
import { verifySdkSignature } from './verify.js';
import { apigwError, type SimContext } from './context.js';
import {
  getFloatingIp,
  getPort,
  listFloatingIps,
  listPorts,
  listPublicIps,
  neutronFlavour,
  updatePort,
  vpcV1Flavour,
} from './ports-api.js';
import type { SimState } from './state.js';

export const AUTH_ERROR = 'APIGW.0301';
export const THROTTLED = 'APIGW.0308';
export const NO_ROUTE = 'APIGW.0101';

/** Verify the request's AK/SK signature; answers and returns undefined when it fails. */
export function authenticateAkSk(ctx: SimContext, state: SimState, nowMs: number): { projectId: string } | undefined {
  const temp = new Map(state.tempKeys.map((k) => [k.ak, k]));
  const perm = new Map(state.accessKeys.map((k) => [k.ak, k]));
  const v = verifySdkSignature(
    { method: ctx.method, url: ctx.url, headers: ctx.req.headers, body: ctx.body },
    (ak) => perm.get(ak)?.sk ?? temp.get(ak)?.sk,
    nowMs,
  );
  if (!v.ok) {
    apigwError(ctx, 401, AUTH_ERROR, `Incorrect IAM authentication information: ${v.message}`);
    return undefined;
  }
  const t = temp.get(v.ak);
  if (t) {
    const token = ctx.req.headers['x-security-token'];
    if (typeof token !== 'string' || !v.signedHeaders.includes('x-security-token')) {
      apigwError(ctx, 401, AUTH_ERROR, 'Incorrect IAM authentication information: temporary credentials need a signed X-Security-Token');
      return undefined;
    }
    if (token !== t.token) {
      apigwError(ctx, 401, AUTH_ERROR, 'Incorrect IAM authentication information: the security token is invalid');
      return undefined;
    }
    if (nowMs >= t.expiresAt) {
      apigwError(ctx, 401, AUTH_ERROR, 'Incorrect IAM authentication information: the security token has expired');
      return undefined;
    }
    return { projectId: t.projectId };
  }
  return { projectId: perm.get(v.ak)!.projectId ?? state.defaultProjectId };
}

export function handleVpc(ctx: SimContext, state: SimState, nowMs: number): void {
  const segs = ctx.path.split('/').filter(Boolean);
  const auth = authenticateAkSk(ctx, state, nowMs);
  if (!auth) return;
  const known = (id: string): boolean => state.projects.some((p) => p.id === id);

  if (segs[0] === 'v2.0') {
    const header = ctx.req.headers['x-project-id'];
    const projectId = typeof header === 'string' ? header : auth.projectId;
    if (!known(projectId)) return apigwError(ctx, 401, AUTH_ERROR, 'Incorrect IAM authentication information: unknown project');
    const [, coll, id, extra] = segs;
    if (coll === 'ports' && extra === undefined) {
      if (id === undefined && ctx.method === 'GET') return listPorts(ctx, state, projectId);
      if (id !== undefined && ctx.method === 'GET') return getPort(ctx, state, projectId, id, neutronFlavour);
      if (id !== undefined && ctx.method === 'PUT') return updatePort(ctx, state, projectId, id, neutronFlavour);
    }
    if (coll === 'floatingips' && extra === undefined) {
      if (id === undefined && ctx.method === 'GET') return listFloatingIps(ctx, state);
      if (id !== undefined && ctx.method === 'GET') return getFloatingIp(ctx, state, id, neutronFlavour);
    }
  } else if (segs[0] === 'v1' && segs[1]) {
    const projectId = segs[1];
    if (!known(projectId)) return vpcV1Flavour.badRequest(ctx, `project ${projectId} does not exist`);
    const [, , coll, id, extra] = segs;
    if (coll === 'ports' && extra === undefined) {
      if (id === undefined && ctx.method === 'GET') return listPorts(ctx, state, projectId);
      if (id !== undefined && ctx.method === 'GET') return getPort(ctx, state, projectId, id, vpcV1Flavour);
      if (id !== undefined && ctx.method === 'PUT') return updatePort(ctx, state, projectId, id, vpcV1Flavour);
    }
    if (coll === 'publicips' && id === undefined && ctx.method === 'GET') return listPublicIps(ctx, state);
  }
  apigwError(ctx, 404, NO_ROUTE, 'The API does not exist or has not been published in the environment');
}

