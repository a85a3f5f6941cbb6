/**
 * Send one hand-made VRRP advert from a lab namespace (run with
 * `ip netns exec NS node --import tsx inject-advert.ts '<json>'`). The advert is encoded
 * with the codec (src/core/codec/vrrp.ts) and sent on a raw socket of the shell
 * (src/shell/net/rawsock.ts) whose TTL / hop limit is set as asked, so that receivers can
 * be shown packets that break one rule at a time:
 *   ttl             RFC 9568 §7.1 / RFC 3768 §7.1: must be 255
 *   badChecksum     RFC 9568 §5.2.8 / RFC 3768 §5.3.8: the checksum field is corrupted
 * Prints {"sent":<bytes>} on success.
 */
import { encodeAdvert } from '../../src/core/codec/vrrp.js';
import type { Family } from '../../src/core/ip.js';
import { VrrpSocket } from '../../src/shell/net/rawsock.js';

export interface InjectSpec {
  family: Family;
  version: 2 | 3;
  vrid: number;
  priority: number;
  intervalCs: number;
  addresses: string[];
  /** Source address: the sender's IPv4, or its IPv6 link-local address. */
  src: string;
  /** Destination: the VRRP group, or a unicast peer. */
  dst: string;
  ifname: string;
  ttl: number;
  badChecksum?: boolean;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as InjectSpec;
const payload = encodeAdvert(
  {
    version: spec.version,
    vrid: spec.vrid,
    priority: spec.priority,
    addresses: spec.addresses,
    intervalCs: spec.intervalCs,
    family: spec.family,
  },
  { src: spec.src, dst: spec.dst },
);
if (spec.badChecksum) payload.writeUInt16BE(payload.readUInt16BE(6) ^ 0x5a5a, 6);
const sock = VrrpSocket.open({ family: spec.family, ifname: spec.ifname, multicast: false, ttl: spec.ttl, multicastTtl: spec.ttl });
try {
  const n = sock.send(payload, spec.dst, spec.src);
  process.stdout.write(`${JSON.stringify({ sent: n })}\n`);
} finally {
  sock.close();
}
