/**
 * The simulator's in-memory world: projects, access keys, Keystone users and application
 * credentials, servers (for the metadata service), ports and floating IPs (EIPs).
 * Seeded from a JSON fixture (SimFixture) or built through the API (createPort, ...).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { canonicalIp, familyOf } from '../../core/ip.js';
import type { AddressPair, FixedIp, FloatingIp, Port } from '../ports.js';

export interface SimProject {
  id: string;
  name: string;
  domain?: string;
}

export interface SimAccessKey {
  ak: string;
  sk: string;
  /** Project the key belongs to (default: the first project). */
  projectId?: string;
}

export interface SimUser {
  id?: string;
  name: string;
  password: string;
  domain?: string;
  projectId?: string;
}

export interface SimAppCredential {
  id: string;
  secret: string;
  userName: string;
  projectId?: string;
}

export interface SimServer {
  id: string;
  name?: string;
  projectId?: string;
  availabilityZone?: string;
  /** Whether an agency is attached (the securitykey document exists). */
  agency?: boolean;
  /** Source addresses whose metadata requests are this server's. */
  metadataClients?: string[];
  vpcId?: string;
}

export type MetadataTokenMode = 'optional' | 'required' | 'unsupported-404' | 'unsupported-405';

export interface SimFixture {
  region?: string;
  projects?: SimProject[];
  accessKeys?: SimAccessKey[];
  users?: SimUser[];
  applicationCredentials?: SimAppCredential[];
  servers?: SimServer[];
  ports?: Array<Partial<Port> & { id?: string }>;
  floatingips?: Array<Partial<FloatingIp> & { floating_ip_address: string }>;
  metadataTokens?: MetadataTokenMode;
  /** Keystone token lifetime (default 3600 s). */
  tokenTtlSeconds?: number;
  /** Metadata security key lifetime (default 3600 s); rotated 10 min before expiry. */
  securityKeyTtlSeconds?: number;
  /** Allowed-address-pair entries a VIP port accepts (Huawei: 10 NICs per VIP). */
  maxVipPairs?: number;
}

export interface TempKey {
  ak: string;
  sk: string;
  token: string;
  expiresAt: number;
  serverId: string;
  projectId: string;
}

export interface KeystoneTokenRecord {
  token: string;
  userId: string;
  userName: string;
  projectId: string;
  expiresAt: number;
  methods: string[];
}

export interface CreatePortInput {
  id?: string;
  name?: string;
  network_id?: string;
  subnet_id?: string;
  ip?: string;
  fixed_ips?: FixedIp[];
  mac_address?: string;
  device_id?: string;
  device_owner?: string;
  allowed_address_pairs?: AddressPair[];
  port_security_enabled?: boolean;
  project_id?: string;
}

function randomMac(): string {
  const b = randomBytes(3);
  return `fa:16:3e:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

export class SimState {
  region = 'sim-region-1';
  projects: SimProject[] = [];
  accessKeys: SimAccessKey[] = [];
  users: SimUser[] = [];
  applicationCredentials: SimAppCredential[] = [];
  servers: SimServer[] = [];
  ports = new Map<string, Port>();
  floatingips = new Map<string, FloatingIp>();
  metadataTokens: MetadataTokenMode = 'optional';
  tokenTtlSeconds = 3600;
  securityKeyTtlSeconds = 3600;
  maxVipPairs = 10;
  /** Issued credentials (not part of the fixture). */
  tempKeys: TempKey[] = [];
  keystoneTokens = new Map<string, KeystoneTokenRecord>();
  metadataSessionTokens = new Map<string, { serverId: string; expiresAt: number }>();
  /** Every secret the simulator has issued (temporary keys, tokens): lets tests prove none leaked. */
  issuedSecrets: string[] = [];

  constructor(fixture: SimFixture = {}) {
    this.load(fixture);
  }

  load(f: SimFixture): void {
    this.region = f.region ?? 'sim-region-1';
    this.projects = f.projects?.length ? f.projects.map((p) => ({ ...p })) : [{ id: randomUUID().replace(/-/g, ''), name: this.region }];
    this.accessKeys = (f.accessKeys ?? []).map((k) => ({ ...k }));
    this.users = (f.users ?? []).map((u) => ({ ...u, id: u.id ?? randomUUID().replace(/-/g, '') }));
    this.applicationCredentials = (f.applicationCredentials ?? []).map((a) => ({ ...a }));
    this.servers = (f.servers ?? []).map((s) => ({ ...s }));
    this.metadataTokens = f.metadataTokens ?? 'optional';
    this.tokenTtlSeconds = f.tokenTtlSeconds ?? 3600;
    this.securityKeyTtlSeconds = f.securityKeyTtlSeconds ?? 3600;
    this.maxVipPairs = f.maxVipPairs ?? 10;
    this.ports.clear();
    this.floatingips.clear();
    this.tempKeys = [];
    this.keystoneTokens.clear();
    this.metadataSessionTokens.clear();
    this.issuedSecrets = [];
    for (const p of f.ports ?? []) this.createPort(p as CreatePortInput);
    for (const fip of f.floatingips ?? []) {
      const id = fip.id ?? randomUUID();
      this.floatingips.set(id, {
        id,
        floating_ip_address: fip.floating_ip_address,
        port_id: fip.port_id ?? null,
        fixed_ip_address: fip.fixed_ip_address ?? null,
        status: fip.port_id ? 'ACTIVE' : 'DOWN',
      });
    }
  }

  get defaultProjectId(): string {
    return this.projects[0]!.id;
  }

  createPort(input: CreatePortInput): Port {
    const id = input.id ?? randomUUID();
    if (this.ports.has(id)) throw new Error(`port ${id} exists`);
    const fixed: FixedIp[] =
      input.fixed_ips ?? (input.ip ? [{ ip_address: input.ip, ...(input.subnet_id ? { subnet_id: input.subnet_id } : {}) }] : []);
    const port: Port = {
      id,
      name: input.name ?? '',
      network_id: input.network_id ?? 'net-0',
      mac_address: input.mac_address ?? randomMac(),
      device_id: input.device_id ?? '',
      device_owner: input.device_owner ?? '',
      status: input.device_id ? 'ACTIVE' : 'DOWN',
      fixed_ips: fixed.map((f) => ({ ...f, ip_address: canonicalIp(f.ip_address) })),
      allowed_address_pairs: (input.allowed_address_pairs ?? []).map((p) => ({ ...p })),
      port_security_enabled: input.port_security_enabled ?? true,
      project_id: input.project_id ?? this.defaultProjectId,
      tenant_id: input.project_id ?? this.defaultProjectId,
    };
    this.ports.set(id, port);
    return port;
  }

  /** Convenience for tests: a Huawei virtual IP port. */
  createVipPort(ip: string, opts: Omit<CreatePortInput, 'ip' | 'device_owner'> = {}): Port {
    return this.createPort({ ...opts, ip, device_owner: 'neutron:VIP_PORT' });
  }

  /** Convenience for tests: a server with one NIC port; returns both. */
  createServer(server: SimServer, nic: CreatePortInput): { server: SimServer; port: Port } {
    const s = { ...server };
    this.servers.push(s);
    const port = this.createPort({ device_owner: 'compute:nova', ...nic, device_id: s.id, project_id: s.projectId ?? nic.project_id });
    return { server: s, port };
  }

  getPort(id: string): Port | undefined {
    return this.ports.get(id);
  }

  setPairs(id: string, pairs: AddressPair[]): Port {
    const port = this.ports.get(id);
    if (!port) throw new Error(`no port ${id}`);
    port.allowed_address_pairs = pairs.map((p) => ({ ...p }));
    return port;
  }

  findServer(id: string): SimServer | undefined {
    return this.servers.find((s) => s.id === id);
  }

  portsOfServer(id: string): Port[] {
    return [...this.ports.values()].filter((p) => p.device_id === id);
  }

  /** Ports matching Neutron-style filters (fixed_ips=ip_address=X, device_id, ...). */
  filterPorts(q: Map<string, string[]>, projectId?: string): Port[] {
    let out = [...this.ports.values()];
    if (projectId) out = out.filter((p) => p.project_id === projectId);
    for (const [key, values] of q) {
      if (key === 'limit' || key === 'marker' || key === 'fields') continue;
      if (key === 'fixed_ips') {
        for (const v of values) {
          const [k, val] = v.split('=', 2) as [string, string | undefined];
          if (val === undefined) continue;
          const want = k === 'ip_address' && familyOf(val) ? canonicalIp(val) : val;
          out = out.filter((p) => (p.fixed_ips ?? []).some((f) => (f as unknown as Record<string, string>)[k] === want));
        }
        continue;
      }
      out = out.filter((p) => values.includes(String((p as unknown as Record<string, unknown>)[key] ?? '')));
    }
    return out;
  }

  toFixture(): SimFixture {
    return {
      region: this.region,
      projects: this.projects,
      accessKeys: this.accessKeys,
      users: this.users,
      applicationCredentials: this.applicationCredentials,
      servers: this.servers,
      ports: [...this.ports.values()],
      floatingips: [...this.floatingips.values()],
      metadataTokens: this.metadataTokens,
      tokenTtlSeconds: this.tokenTtlSeconds,
      securityKeyTtlSeconds: this.securityKeyTtlSeconds,
      maxVipPairs: this.maxVipPairs,
    };
  }
}
