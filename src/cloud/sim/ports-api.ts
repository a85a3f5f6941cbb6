/**
 * Port and floating-IP operations shared by the simulated Huawei VPC API (v2.0 and v1)
 * and Neutron; only the error format differs, so it is passed in.
 */
import { canonicalIp, familyOf } from '../../core/ip.js';
import type { AddressPair, FloatingIp, Port } from '../ports.js';
import { VIP_DEVICE_OWNER } from '../ports.js';
import type { SimState } from './state.js';
import { first, neutronError, parseJson, send, vpcError, type SimContext } from './context.js';

export interface ErrorFlavour {
  notFound(ctx: SimContext, what: 'port' | 'floatingip', id: string): void;
  badRequest(ctx: SimContext, message: string): void;
  conflict(ctx: SimContext, message: string): void;
}

export const neutronFlavour: ErrorFlavour = {
  notFound: (ctx, what, id) =>
    what === 'port'
      ? neutronError(ctx, 404, 'PortNotFound', `Port ${id} could not be found.`)
      : neutronError(ctx, 404, 'FloatingIPNotFound', `Floating IP ${id} could not be found.`),
  badRequest: (ctx, message) => neutronError(ctx, 400, 'HTTPBadRequest', message),
  conflict: (ctx, message) => neutronError(ctx, 409, 'AddressPairAndPortSecurityRequired', message),
};

/** Huawei-native (v1) format; the specific VPC.xxxx numbers are placeholders. */
export const vpcV1Flavour: ErrorFlavour = {
  notFound: (ctx, what, id) => vpcError(ctx, 404, 'VPC.0114', `${what === 'port' ? 'port' : 'publicip'} ${id} does not exist`),
  badRequest: (ctx, message) => vpcError(ctx, 400, 'VPC.0002', message),
  conflict: (ctx, message) => vpcError(ctx, 409, 'VPC.0115', message),
};

function visible(port: Port | undefined, projectId: string | undefined): Port | undefined {
  if (!port) return undefined;
  if (projectId && port.project_id !== projectId) return undefined;
  return port;
}

function page<T extends { id: string }>(ctx: SimContext, items: T[]): T[] {
  const marker = first(ctx, 'marker');
  let out = items;
  if (marker) {
    const i = out.findIndex((x) => x.id === marker);
    out = i < 0 ? [] : out.slice(i + 1);
  }
  const limit = Number(first(ctx, 'limit') ?? '0');
  if (limit > 0) out = out.slice(0, limit);
  return out;
}

export function listPorts(ctx: SimContext, state: SimState, projectId: string | undefined): void {
  send(ctx, 200, { ports: page(ctx, state.filterPorts(ctx.query, projectId)) });
}

export function getPort(ctx: SimContext, state: SimState, projectId: string | undefined, id: string, f: ErrorFlavour): void {
  const port = visible(state.getPort(id), projectId);
  if (!port) return f.notFound(ctx, 'port', id);
  send(ctx, 200, { port });
}

function validPairAddress(text: string): boolean {
  const [addr, len, extra] = text.split('/');
  if (extra !== undefined || !addr) return false;
  const fam = familyOf(addr);
  if (!fam) return false;
  if (len === undefined) return true;
  if (!/^\d{1,3}$/.test(len)) return false;
  return Number(len) <= (fam === 4 ? 32 : 128);
}

export function updatePort(ctx: SimContext, state: SimState, projectId: string | undefined, id: string, f: ErrorFlavour): void {
  const port = visible(state.getPort(id), projectId);
  if (!port) return f.notFound(ctx, 'port', id);
  const body = parseJson(ctx) as { port?: Record<string, unknown> } | undefined;
  if (!body || typeof body.port !== 'object' || body.port === null) return f.badRequest(ctx, 'Request body must contain a "port" object.');
  for (const key of Object.keys(body.port)) {
    if (key !== 'allowed_address_pairs' && key !== 'name') return f.badRequest(ctx, `Attribute '${key}' cannot be updated here.`);
  }
  let pairs: AddressPair[] | undefined;
  if ('allowed_address_pairs' in body.port) {
    const raw = body.port.allowed_address_pairs;
    if (!Array.isArray(raw)) return f.badRequest(ctx, 'allowed_address_pairs must be a list.');
    pairs = [];
    for (const p of raw as unknown[]) {
      const o = p as Record<string, unknown>;
      if (!o || typeof o.ip_address !== 'string' || !validPairAddress(o.ip_address)) {
        return f.badRequest(ctx, `Invalid input for allowed_address_pairs: ${JSON.stringify(o?.ip_address ?? null)} is not a valid IP address or CIDR.`);
      }
      if (o.mac_address !== undefined && typeof o.mac_address !== 'string') return f.badRequest(ctx, 'mac_address must be a string.');
      pairs.push({ ip_address: o.ip_address, ...(typeof o.mac_address === 'string' ? { mac_address: o.mac_address } : {}) });
    }
    if (pairs.length > 0 && port.port_security_enabled === false) {
      return f.conflict(ctx, 'Port Security must be enabled in order to have allowed address pairs on a port.');
    }
    if (port.device_owner === VIP_DEVICE_OWNER && pairs.length > state.maxVipPairs) {
      return f.badRequest(ctx, `A virtual IP can be bound to at most ${state.maxVipPairs} NICs.`);
    }
  }
  if (pairs) port.allowed_address_pairs = pairs;
  if (typeof body.port.name === 'string') port.name = body.port.name;
  send(ctx, 200, { port });
}

function fipMatches(ctx: SimContext, fip: FloatingIp): boolean {
  for (const [key, values] of ctx.query) {
    if (key === 'limit' || key === 'marker' || key === 'fields') continue;
    const v = (fip as unknown as Record<string, unknown>)[key];
    const text = v === null || v === undefined ? '' : String(v);
    const norm = (x: string): string => (familyOf(x) ? canonicalIp(x) : x);
    if (!values.some((want) => norm(want) === norm(text))) return false;
  }
  return true;
}

export function listFloatingIps(ctx: SimContext, state: SimState): void {
  send(ctx, 200, { floatingips: page(ctx, [...state.floatingips.values()].filter((f) => fipMatches(ctx, f))) });
}

export function getFloatingIp(ctx: SimContext, state: SimState, id: string, f: ErrorFlavour): void {
  const fip = state.floatingips.get(id);
  if (!fip) return f.notFound(ctx, 'floatingip', id);
  send(ctx, 200, { floatingip: fip });
}

export function updateFloatingIp(ctx: SimContext, state: SimState, projectId: string | undefined, id: string, f: ErrorFlavour): void {
  const fip = state.floatingips.get(id);
  if (!fip) return f.notFound(ctx, 'floatingip', id);
  const body = parseJson(ctx) as { floatingip?: { port_id?: string | null; fixed_ip_address?: string | null } } | undefined;
  if (!body?.floatingip || typeof body.floatingip !== 'object') return f.badRequest(ctx, 'Request body must contain a "floatingip" object.');
  const { port_id, fixed_ip_address } = body.floatingip;
  if (port_id === null || port_id === undefined) {
    fip.port_id = null;
    fip.fixed_ip_address = null;
    fip.status = 'DOWN';
    return send(ctx, 200, { floatingip: fip });
  }
  const port = visible(state.getPort(port_id), projectId);
  if (!port) return f.notFound(ctx, 'port', port_id);
  const fixed = (port.fixed_ips ?? []).map((x) => x.ip_address);
  let target = fixed_ip_address ?? fixed.find((x) => familyOf(x) === 4);
  if (target && familyOf(target)) target = canonicalIp(target);
  if (!target || !fixed.includes(target)) {
    return f.badRequest(ctx, `Bad floatingip request: Port ${port_id} does not have fixed ip ${fixed_ip_address ?? '(IPv4)'}.`);
  }
  fip.port_id = port_id;
  fip.fixed_ip_address = target;
  fip.status = 'ACTIVE';
  send(ctx, 200, { floatingip: fip });
}

/** Huawei v1 EIP view of the floating IPs: GET /v1/{project_id}/publicips?port_id=... */
export function listPublicIps(ctx: SimContext, state: SimState): void {
  const portIds = ctx.query.get('port_id');
  const list = [...state.floatingips.values()]
    .filter((f) => !portIds || (f.port_id !== null && portIds.includes(f.port_id)))
    .map((f) => ({
      id: f.id,
      type: '5_bgp',
      public_ip_address: f.floating_ip_address,
      ...(f.fixed_ip_address ? { private_ip_address: f.fixed_ip_address } : {}),
      ...(f.port_id ? { port_id: f.port_id } : {}),
      status: f.port_id ? 'ACTIVE' : 'DOWN',
      ip_version: 4,
    }));
  send(ctx, 200, { publicips: page(ctx, list) });
}
