/**
 * Find what a Huawei Cloud claim acts on:
 *  - this node's NIC port and fixed IP: the configured nic_port_id, else the
 *    network_data.json link whose MAC is the interface's (vif_id = port id), else the
 *    server's ports (GET /v2.0/ports?device_id={uuid}) matched by MAC;
 *  - the VIP port: the configured vip_port_id, else GET /v2.0/ports?fixed_ips=
 *    ip_address%3D{vip}, keeping ports whose device_owner is neutron:VIP_PORT and
 *    preferring the one in the NIC's network.
 */
import { canonicalIp, familyOf } from '../../core/ip.js';
import { CloudError } from '../errors.js';
import { fixedIpOfFamily, normaliseMac, VIP_DEVICE_OWNER, type Port } from '../ports.js';
import type { MetadataClient } from './metadata.js';

/** The two port reads discovery needs (the Huawei VPC client and Neutron both offer them). */
export interface PortReader {
  getPort(id: string, signal?: AbortSignal): Promise<Port>;
  portsByDevice(deviceId: string, signal?: AbortSignal): Promise<Port[]>;
}

export interface PortSearcher extends PortReader {
  portsByFixedIp(ip: string, signal?: AbortSignal): Promise<Port[]>;
}

export interface NicInfo {
  port: Port;
  portId: string;
  ip: string;
  mac?: string;
  networkId?: string;
}

export interface NicQuery {
  nicPortId?: string;
  interfaceMac?: string;
  /** Family of the VIP: the NIC's fixed IP of the same family is used. */
  family: 4 | 6;
}

function nicFromPort(port: Port, family: 4 | 6): NicInfo {
  const fixed = fixedIpOfFamily(port, family);
  if (!fixed) throw new CloudError('NIC_NOT_FOUND', `port ${port.id} has no IPv${family} fixed IP`);
  return {
    port,
    portId: port.id,
    ip: canonicalIp(fixed.ip_address),
    ...(port.mac_address ? { mac: normaliseMac(port.mac_address) } : {}),
    ...(port.network_id ? { networkId: port.network_id } : {}),
  };
}

export async function findNic(
  vpc: PortReader,
  metadata: MetadataClient | undefined,
  q: NicQuery,
  signal?: AbortSignal,
): Promise<NicInfo> {
  if (q.nicPortId) return nicFromPort(await vpc.getPort(q.nicPortId, signal), q.family);
  if (!metadata) throw new CloudError('NIC_NOT_FOUND', 'nic_port_id is not set and no metadata service is available');
  const mac = q.interfaceMac ? normaliseMac(q.interfaceMac) : undefined;
  const { links } = await metadata.networkData(signal);
  const withPort = links.filter((l) => l.vif_id);
  let link = mac ? withPort.find((l) => l.ethernet_mac_address && normaliseMac(l.ethernet_mac_address) === mac) : undefined;
  if (!link && !mac && withPort.length === 1) link = withPort[0];
  if (!link && !mac && withPort.length > 1) {
    throw new CloudError('NIC_AMBIGUOUS', `the server has ${withPort.length} NICs: set nic_port_id or give the interface MAC`);
  }
  if (link) return nicFromPort(await vpc.getPort(link.vif_id!, signal), q.family);
  // Fall back to the server's ports, matched by MAC.
  const md = await metadata.metaData(signal);
  const ports = await vpc.portsByDevice(md.uuid, signal);
  const byMac = mac ? ports.filter((p) => p.mac_address && normaliseMac(p.mac_address) === mac) : ports;
  if (byMac.length === 1) return nicFromPort(byMac[0]!, q.family);
  if (byMac.length > 1) throw new CloudError('NIC_AMBIGUOUS', `server ${md.uuid} has ${byMac.length} ports: set nic_port_id or give the interface MAC`);
  throw new CloudError('NIC_NOT_FOUND', `no NIC of server ${md.uuid} has MAC ${mac ?? '(none given)'}`);
}

export interface VipPortQuery {
  vipPortId?: string;
  address: string;
  /** Prefer a VIP port in this network when several match. */
  networkId?: string;
}

export async function findVipPort(vpc: PortSearcher, q: VipPortQuery, signal?: AbortSignal): Promise<Port> {
  if (q.vipPortId) {
    const port = await vpc.getPort(q.vipPortId, signal);
    if (port.device_owner !== VIP_DEVICE_OWNER) {
      throw new CloudError('NOT_A_VIP_PORT', `port ${port.id} has device_owner ${port.device_owner ?? '(none)'}, not ${VIP_DEVICE_OWNER}`);
    }
    return port;
  }
  if (!familyOf(q.address)) throw new CloudError('CONFIG_INVALID', `cloud_vip address ${q.address} is not an IP address`);
  const ports = await vpc.portsByFixedIp(canonicalIp(q.address), signal);
  const vips = ports.filter((p) => p.device_owner === VIP_DEVICE_OWNER);
  if (vips.length === 0) {
    if (ports.length > 0) {
      throw new CloudError(
        'NOT_A_VIP_PORT',
        `${q.address} belongs to port ${ports[0]!.id} (device_owner ${ports[0]!.device_owner ?? 'none'}), not to a virtual IP port`,
      );
    }
    throw new CloudError('VIP_PORT_NOT_FOUND', `no virtual IP port has the address ${q.address}`);
  }
  if (vips.length === 1) return vips[0]!;
  const sameNet = vips.filter((p) => q.networkId && p.network_id === q.networkId);
  if (sameNet.length === 1) return sameNet[0]!;
  throw new CloudError(
    'VIP_PORT_AMBIGUOUS',
    `${vips.length} virtual IP ports have the address ${q.address} (${vips.map((p) => p.id).join(', ')}): set vip_port_id`,
  );
}
