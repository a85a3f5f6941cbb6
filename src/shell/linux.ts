/**
 * The Linux platform: raw VRRP sockets (native addon), AF_PACKET for gratuitous ARP and
 * unsolicited NA frames, rtnetlink for VIPs, /proc/sys for IP forwarding.
 */
import { buildGarpFrame } from '../core/codec/arp.js';
import { buildUnsolicitedNaFrame } from '../core/codec/ndisc.js';
import type { Family } from '../core/ip.js';
import { openAddressBackend, resolveVip, type AddressBackend, type VipSpec as NetVipSpec } from './net/addresses.js';
import { ifMac } from './net/iface.js';
import { PacketSocket } from './net/packet.js';
import { VrrpSocket, type ReceivedMeta } from './net/rawsock.js';
import { ForwardingManager, type ForwardingTarget } from './net/sysctl.js';
import type { Platform, PlatformInstance, VipSpec } from './runtime-types.js';

export interface LinuxPlatformOptions {
  /** Manage forwarding per interface instead of globally (keepvip_defs ip_forward_scope). */
  forwardScope: 'global' | 'interface';
  /** Receive buffer for the VRRP sockets (bytes). */
  recvBufSize?: number;
  /** Called with every received VRRP packet. */
  onPacket(payload: Buffer, meta: ReceivedMeta): void;
  onSocketError(ifname: string, err: Error): void;
  /** Forwarding was turned off, or back to its start-up value (scope key: family or family/interface). */
  onForwarding?(scope: string, enabled: boolean, instance: string): void;
}

interface SocketInfo {
  sock: VrrpSocket;
  /** Multicast groups joined. */
  groups: Set<string>;
}

export function netSpec(v: VipSpec): NetVipSpec {
  return v.net ?? { address: v.address, prefixLen: v.prefixLen, dev: v.dev, label: v.label, scope: v.scope as NetVipSpec['scope'], brd: v.brd };
}

export class LinuxPlatform implements Platform {
  private sockets = new Map<string, SocketInfo>();
  private packetSockets = new Map<string, PacketSocket>();
  private macs = new Map<string, string>();
  private frames = new Map<string, Buffer>();
  private addresses: AddressBackend;
  /** One manager per forwarding scope key (family, or family/interface). */
  private forwarding = new Map<string, ForwardingManager>();
  /** Instances currently wanting forwarding on, per forwarding target key. */
  private forwardWanted = new Map<string, Set<string>>();
  private forwardState = new Map<string, boolean>();
  private forwardChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: LinuxPlatformOptions) {
    this.addresses = openAddressBackend('auto');
  }

  /**
   * Open one raw socket per (family, interface) and join the multicast groups the
   * instances use. Throws a typed syscall error (EPERM without CAP_NET_RAW, ENODEV ...).
   */
  openSockets(instances: ReadonlyArray<{ family: Family; ifname: string; group?: string; unicastTtl?: number }>): void {
    for (const i of instances) {
      const key = `${i.family}/${i.ifname}`;
      let info = this.sockets.get(key);
      if (!info) {
        const sock = VrrpSocket.open({
          family: i.family,
          ifname: i.ifname,
          multicast: false,
          ttl: i.unicastTtl ?? 255,
          recvBufSize: this.opts.recvBufSize ?? 1 << 20,
          onPacket: (payload, meta) => this.opts.onPacket(payload, meta),
          onError: (err) => this.opts.onSocketError(i.ifname, err),
        });
        info = { sock, groups: new Set() };
        this.sockets.set(key, info);
        // Open the GARP / NA socket and read the MAC now, so that becoming MASTER sends its
        // first frame without socket() / bind() / ioctl() on the way.
        try {
          this.packetSocket(i.ifname);
          this.mac(i.ifname);
        } catch {
          /* opened on first use, where an error is reported */
        }
      }
      if (i.group && !info.groups.has(i.group)) {
        info.sock.joinGroup(i.ifname, i.group);
        info.groups.add(i.group);
      }
    }
  }

  /**
   * Record forwarding values at start-up for the families / interfaces in use. Called again
   * on reload for the new configuration: a target already recorded keeps the value found at
   * start-up (re-reading it now would record a standby's 0 as the value to restore).
   */
  async initForwarding(targets: ForwardingTarget[]): Promise<void> {
    const unique = new Map<string, ForwardingTarget>();
    for (const t of targets) {
      const key = this.forwardKey(t);
      unique.set(key, this.opts.forwardScope === 'interface' ? t : { family: t.family });
    }
    for (const [key, t] of unique) {
      if (!this.forwarding.has(key)) this.forwarding.set(key, await ForwardingManager.create([t]));
    }
  }

  sendVrrp(inst: PlatformInstance, payload: Buffer, dst: string): void {
    const info = this.sockets.get(`${inst.params.family}/${inst.params.ifname}`);
    if (!info) throw Object.assign(new Error(`no VRRP socket for ${inst.params.ifname}`), { code: 'ERR_NO_SOCKET' });
    info.sock.send(payload, dst, inst.params.primaryIp);
  }

  private mac(ifname: string): string {
    let m = this.macs.get(ifname);
    if (!m) {
      m = ifMac(ifname);
      this.macs.set(ifname, m);
    }
    return m;
  }

  private packetSocket(ifname: string): PacketSocket {
    let s = this.packetSockets.get(ifname);
    if (!s) {
      s = PacketSocket.open(ifname);
      this.packetSockets.set(ifname, s);
    }
    return s;
  }

  /** keepalived's gratuitous ARP (an ARP request for the VIP) or an unsolicited NA to ff02::1. */
  sendGarp(inst: PlatformInstance, vip: VipSpec): void {
    const dev = vip.dev || inst.params.ifname;
    const router = vip.family === 6 && (this.forwardState.get(this.forwardKey({ family: 6, ifname: dev })) ?? false);
    this.packetSocket(dev).send(this.announcement(dev, vip, router));
  }

  /** The GARP / unsolicited NA frame of a VIP, built once (MAC, address and NA flags are fixed). */
  private announcement(dev: string, vip: VipSpec, router: boolean): Buffer {
    const key = `${dev}|${vip.address}|${router ? 1 : 0}`;
    let frame = this.frames.get(key);
    if (!frame) {
      const mac = this.mac(dev);
      frame = vip.family === 4 ? buildGarpFrame(mac, vip.address) : buildUnsolicitedNaFrame(vip.address, mac, { router });
      this.frames.set(key, frame);
    }
    return frame;
  }

  /**
   * Build an instance's GARP / NA frames ahead (the runtime calls this at start), so the
   * first MASTER transition sends prepared frames.
   */
  prepareAnnouncements(inst: PlatformInstance, vips: VipSpec[]): void {
    for (const vip of vips) {
      const dev = vip.dev || inst.params.ifname;
      try {
        this.announcement(dev, vip, false);
        if (vip.family === 6) this.announcement(dev, vip, true);
      } catch {
        /* built on first use, where an error is reported */
      }
    }
  }

  async addAddresses(vips: VipSpec[]): Promise<void> {
    await Promise.all(vips.map((v) => this.addresses.add(resolveVip(netSpec(v), v.dev))));
  }

  async removeAddresses(vips: VipSpec[]): Promise<void> {
    await Promise.all(vips.map((v) => this.addresses.del(resolveVip(netSpec(v), v.dev))));
  }

  /** Addresses present on an interface (for status and for re-adding a VIP deleted by someone else). */
  async listAddresses(ifname: string, family?: Family): Promise<string[]> {
    return (await this.addresses.list(ifname, family)).map((a) => a.address);
  }

  private forwardKey(t: ForwardingTarget): string {
    return this.opts.forwardScope === 'interface' && t.ifname ? `${t.family}/${t.ifname}` : `${t.family}`;
  }

  /**
   * Forwarding follows the cloud vendor's HA guidance: off while no instance is MASTER,
   * the start-up value back as soon as one is. With several instances the rule applies
   * per forwarding scope (globally, or per interface).
   */
  setForwarding(inst: PlatformInstance, enabled: boolean): Promise<void> {
    const key = this.forwardKey({ family: inst.params.family, ifname: inst.params.ifname });
    const fm = this.forwarding.get(key);
    if (!fm) return Promise.resolve();
    let wanted = this.forwardWanted.get(key);
    if (!wanted) this.forwardWanted.set(key, (wanted = new Set()));
    if (enabled) wanted.add(inst.name);
    else wanted.delete(inst.name);
    const on = wanted.size > 0;
    if (this.forwardState.get(key) === on) return Promise.resolve();
    this.forwardState.set(key, on);
    const p = this.forwardChain.then(async () => {
      await (on ? fm.restore() : fm.disable());
      this.opts.onForwarding?.(key, on, inst.name);
    });
    this.forwardChain = p.catch(() => undefined);
    return p.then(() => undefined);
  }

  async restoreForwarding(): Promise<void> {
    for (const fm of this.forwarding.values()) await fm.restoreOnExit();
  }

  restoreForwardingSync(): void {
    for (const fm of this.forwarding.values()) fm.restoreOnExitSync();
  }

  close(): void {
    for (const { sock } of this.sockets.values()) sock.close();
    for (const s of this.packetSockets.values()) s.close();
    this.sockets.clear();
    this.packetSockets.clear();
    this.addresses.close();
  }
}
