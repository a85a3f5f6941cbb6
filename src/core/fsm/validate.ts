/**
 * Instance-level advert checks: what the codec cannot know because it depends on the
 * instance's configuration (ARCHITECTURE.md "validation tiers"). Structure, length and
 * checksum are the codec's; these run on a decoded advert with its IP facts.
 *
 * Order follows keepalived's receive path (REFERENCE.md §1): VRID and family (dispatch),
 * TTL, version, type, v2 authentication, interval, address count, unicast/multicast,
 * addresses, unicast source. The first failing check names the drop reason.
 *
 * A dropped advert yields an AdvertDropped action and no state change (instance.ts).
 */
import type { DropReason } from '../codec/errors.js';
import type { Advert, PacketMeta } from '../codec/types.js';
import { AUTH_AH, AUTH_NONE, AUTH_PASS } from '../codec/types.js';
import { canonicalIp } from '../ip.js';
import type { InstanceParams } from './types.js';

export interface AdvertDrop {
  reason: DropReason;
  /** Human detail for logs; never contains a password. */
  detail: string;
}

/** RFC 9568 §5.1.1.2 / §5.1.2.2: the TTL / hop limit a VRRP packet is sent with. */
export const VRRP_TTL = 255;

/** v2 PASS carries 8 bytes of authentication data (RFC 2338 §5.3.10, kept by RFC 3768). */
const AUTH_DATA_LEN = 8;

const utf8 = new TextEncoder();

/** True for an IPv4 class D or an IPv6 ff00::/8 destination. */
export function isMulticast(addr: string): boolean {
  const dot = addr.indexOf('.');
  if (dot > 0 && !addr.includes(':')) {
    const first = Number(addr.slice(0, dot));
    return first >= 224 && first <= 239;
  }
  const colon = addr.indexOf(':');
  const head = colon < 0 ? addr : addr.slice(0, colon);
  return head.length === 4 && (head[0] === 'f' || head[0] === 'F') && (head[1] === 'f' || head[1] === 'F');
}

/**
 * Compare the received 8 authentication bytes with the configured password, zero padded
 * (or cut) to 8 bytes. Constant time in the content: always reads all 8 bytes.
 */
export function passwordMatches(password: string, authData: Uint8Array): boolean {
  const want = utf8.encode(password);
  let diff = authData.length === AUTH_DATA_LEN ? 0 : 1;
  for (let i = 0; i < AUTH_DATA_LEN; i++) {
    diff |= (want[i] ?? 0) ^ (authData[i] ?? 0);
  }
  return diff === 0;
}

function expectedAuthType(params: InstanceParams): number {
  switch (params.auth.type) {
    case 'none':
      return AUTH_NONE;
    case 'pass':
      return AUTH_PASS;
    case 'ah':
      return AUTH_AH;
  }
}

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return canonicalIp(a) === canonicalIp(b);
  } catch {
    return false;
  }
}

function contains(list: readonly string[], addr: string): boolean {
  for (const x of list) if (x === addr) return true;
  for (const x of list) if (sameAddress(x, addr)) return true;
  return false;
}

/** The first check an advert fails, with a log detail, or undefined when it is acceptable. */
export function checkAdvert(params: InstanceParams, meta: PacketMeta, advert: Advert): AdvertDrop | undefined {
  if (advert.vrid !== params.vrid) {
    return { reason: 'vrid', detail: `VRID ${advert.vrid}, instance has ${params.vrid}` };
  }
  if (advert.family !== params.family || meta.family !== params.family) {
    return { reason: 'family', detail: `IPv${advert.family} addresses in IPv${meta.family} packet, instance is IPv${params.family}` };
  }
  const multicastDst = isMulticast(meta.dst);
  // RFC 9568 §7.1 ("Receiving VRRP Packets"): TTL / hop limit must be 255. keepalived
  // enforces it for multicast only (unicast peers may sit behind routers).
  if (multicastDst && meta.ttl !== VRRP_TTL) {
    return { reason: 'ttl', detail: `TTL ${meta.ttl} on multicast, must be ${VRRP_TTL}` };
  }
  // RFC 9568 §7.1: "MUST verify that the VRRP version is 3" (here: the instance's version).
  if (advert.version !== params.version) {
    return { reason: 'version', detail: `version ${advert.version}, instance runs ${params.version}` };
  }
  // RFC 9568 §5.2.2 ("Type"): only 1 (ADVERTISEMENT) is defined.
  if (advert.type !== 1) {
    return { reason: 'type', detail: `type ${advert.type}` };
  }
  if (params.version === 2) {
    // RFC 3768 §7.1 and §5.3.6 ("Auth Type"): the type must match ours; PASS data must match.
    const want = expectedAuthType(params);
    if (advert.authType === AUTH_AH) {
      return { reason: 'auth_ah', detail: 'auth type 2 (IP Authentication Header) is not supported' };
    }
    if (advert.authType !== want) {
      return { reason: 'auth_type', detail: `auth type ${advert.authType}, instance uses ${want}` };
    }
    if (params.auth.type === 'pass' && !passwordMatches(params.auth.password, advert.authData)) {
      return { reason: 'auth_mismatch', detail: 'PASS authentication data differs' };
    }
    // RFC 3768 §7.1: "MUST verify that the Adver Interval in the packet is the same as the
    // locally configured for this virtual router"; keepalived drops and logs it.
    if (advert.intervalCs !== params.intervalCs) {
      return {
        reason: 'interval_mismatch',
        detail: `advert interval ${advert.intervalCs / 100} s, instance uses ${params.intervalCs / 100} s`,
      };
    }
  } else if (advert.intervalCs <= 0) {
    // A zero Max Adver Int would make Master_Down_Interval a bare Skew_Time.
    return { reason: 'interval_mismatch', detail: 'advert interval 0' };
  }
  // RFC 9568 §7.1: "MAY verify that the Count IPvX Addrs and the list of IPvX address(es)
  // match the IPvX Address(es) configured for the VRID"; keepalived checks the count always.
  if (advert.addresses.length !== params.vips.length) {
    return {
      reason: 'address_count',
      detail: `${advert.addresses.length} addresses, instance has ${params.vips.length}`,
    };
  }
  const unicast = params.unicastPeers.length > 0;
  if (unicast === multicastDst) {
    return {
      reason: 'cast_mismatch',
      detail: unicast ? `multicast advert to ${meta.dst} for a unicast instance` : `unicast advert to ${meta.dst} for a multicast instance`,
    };
  }
  if (!params.skipCheckAdvAddr) {
    for (const vip of params.vips) {
      if (!contains(advert.addresses, vip)) {
        return { reason: 'address_mismatch', detail: `virtual address ${vip} missing from advert` };
      }
    }
  }
  if (unicast && params.checkUnicastSrc && !contains(params.unicastPeers, meta.src)) {
    return { reason: 'unicast_src', detail: `source ${meta.src} is not a unicast peer` };
  }
  return undefined;
}

/** The drop reason alone (undefined when the advert is acceptable). */
export function validateAdvert(params: InstanceParams, meta: PacketMeta, advert: Advert): DropReason | undefined {
  return checkAdvert(params, meta, advert)?.reason;
}
