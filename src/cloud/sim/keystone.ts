/**
 * Simulated Keystone v3: POST /v3/auth/tokens with the password or application_credential
 * method; 201 with X-Subject-Token and a body holding expires_at and a catalog whose
 * network endpoints (public, internal, admin in the simulator's region; public in a second
 * region) point back at the simulator's /neutron prefix.
 */
import { randomBytes } from 'node:crypto';
import { keystoneError, parseJson, send, unauthorizedKeystone, type SimContext } from './context.js';
import type { SimState, SimUser } from './state.js';

export const OTHER_REGION = 'sim-other-region';

interface AuthRequest {
  auth?: {
    identity?: {
      methods?: string[];
      password?: { user?: { id?: string; name?: string; password?: string; domain?: { name?: string; id?: string } } };
      application_credential?: { id?: string; name?: string; secret?: string; user?: { name?: string } };
    };
    scope?: { project?: { id?: string; name?: string } };
  };
}

export function handleKeystone(ctx: SimContext, state: SimState, nowMs: number): void {
  if (ctx.path !== '/v3/auth/tokens' || ctx.method !== 'POST') {
    return keystoneError(ctx, 404, 'Not Found', 'The resource could not be found.');
  }
  const body = parseJson(ctx) as AuthRequest | undefined;
  const identity = body?.auth?.identity;
  if (!identity || !Array.isArray(identity.methods)) {
    return keystoneError(ctx, 400, 'Bad Request', 'Expecting to find identity in auth.');
  }
  let user: SimUser | undefined;
  let projectId: string | undefined;
  const methods = identity.methods;
  if (methods.includes('application_credential')) {
    const ac = identity.application_credential;
    const cred = state.applicationCredentials.find((a) => (ac?.id ? a.id === ac.id : false));
    if (!cred || cred.secret !== ac?.secret) return unauthorizedKeystone(ctx);
    if (body?.auth?.scope) return keystoneError(ctx, 401, 'Unauthorized', 'Application credentials cannot request a scope.');
    user = state.users.find((u) => u.name === cred.userName);
    projectId = cred.projectId ?? user?.projectId ?? state.defaultProjectId;
  } else if (methods.includes('password')) {
    const u = identity.password?.user;
    user = state.users.find(
      (x) => (u?.id ? x.id === u.id : x.name === u?.name && (x.domain ?? 'Default') === (u?.domain?.name ?? u?.domain?.id ?? 'Default')),
    );
    if (!user || user.password !== u?.password) return unauthorizedKeystone(ctx);
    const scope = body?.auth?.scope?.project;
    if (scope?.id) projectId = scope.id;
    else if (scope?.name) projectId = state.projects.find((p) => p.name === scope.name)?.id;
    else projectId = user.projectId;
    if (!projectId || !state.projects.some((p) => p.id === projectId)) return unauthorizedKeystone(ctx);
  } else {
    return keystoneError(ctx, 400, 'Bad Request', 'No supported authentication method in identity.methods.');
  }
  if (!user) return unauthorizedKeystone(ctx);

  const token = randomBytes(24).toString('hex');
  const expiresAt = nowMs + state.tokenTtlSeconds * 1000;
  state.issuedSecrets.push(token);
  state.keystoneTokens.set(token, { token, userId: user.id!, userName: user.name, projectId, expiresAt, methods });
  const neutron = `${ctx.baseUrl}/neutron`;
  const project = state.projects.find((p) => p.id === projectId)!;
  send(
    ctx,
    201,
    {
      token: {
        methods,
        issued_at: new Date(nowMs).toISOString(),
        expires_at: new Date(expiresAt).toISOString(),
        user: { id: user.id, name: user.name, domain: { id: 'default', name: user.domain ?? 'Default' } },
        project: { id: project.id, name: project.name, domain: { id: 'default', name: project.domain ?? 'Default' } },
        catalog: [
          {
            type: 'network',
            name: 'neutron',
            endpoints: [
              { id: 'n-pub', interface: 'public', region_id: state.region, region: state.region, url: neutron },
              { id: 'n-int', interface: 'internal', region_id: state.region, region: state.region, url: `${neutron}/` },
              { id: 'n-adm', interface: 'admin', region_id: state.region, region: state.region, url: `${neutron}/v2.0` },
              { id: 'n-other', interface: 'public', region_id: OTHER_REGION, region: OTHER_REGION, url: `${ctx.baseUrl}/unreachable-region` },
            ],
          },
          {
            type: 'identity',
            name: 'keystone',
            endpoints: [{ id: 'k-pub', interface: 'public', region_id: state.region, region: state.region, url: `${ctx.baseUrl}/v3` }],
          },
        ],
      },
    },
    { 'X-Subject-Token': token },
  );
}
