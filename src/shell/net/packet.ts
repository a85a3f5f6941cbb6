/**
 * AF_PACKET sender of whole Ethernet frames on one interface (gratuitous ARP,
 * RFC 5227 §2.3). Frames are built by the codec; this only puts them on the wire.
 */
import { native, type NativeHandle } from './addon.js';

export class PacketSocket {
  readonly ifname: string;
  readonly ifindex: number;
  private handle: NativeHandle | undefined;

  private constructor(ifname: string, ifindex: number, handle: NativeHandle) {
    this.ifname = ifname;
    this.ifindex = ifindex;
    this.handle = handle;
  }

  static open(ifname: string): PacketSocket {
    const n = native();
    const ifindex = n.ifNameToIndex(ifname);
    return new PacketSocket(ifname, ifindex, n.packetOpen(ifindex));
  }

  /** Send one frame (destination MAC, source MAC, EtherType, payload). Returns the bytes sent. */
  send(frame: Uint8Array): number {
    if (!this.handle) throw Object.assign(new Error('socket is closed'), { code: 'ERR_HANDLE_CLOSED' });
    return native().packetSend(this.handle, frame);
  }

  close(): void {
    const h = this.handle;
    this.handle = undefined;
    if (h) native().packetClose(h);
  }
}
