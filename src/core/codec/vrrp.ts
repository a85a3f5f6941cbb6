/**
 * VRRP advertisement encoder and decoder (pure: bytes in, typed values out).
 *
 * VRRPv2, RFC 3768 §5.1 ("VRRP Packet Format"), IPv4 only:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Auth Type   |   Adver Int   |          Checksum             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         IP Address (1)                        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                            .                                  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         IP Address (n)                        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                     Authentication Data (1)                   |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                     Authentication Data (2)                   |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *    Version 2, Type 1; Auth Type 0 (none), 1 (simple text password), 2 (IP AH);
 *    Adver Int in whole seconds; length = 8 + 4n + 8.
 *
 * VRRPv3, RFC 9568 §5.1 ("VRRP Packet Format"), IPv4 or IPv6:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |(rsvd) |     Max Adver Int     |          Checksum             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                                                               |
 *    +                                                               +
 *    |                       IPvX Address(es)                        |
 *    +                                                               +
 *    |                                                               |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *    Version 3, Type 1; rsvd 4 bits (sent as 0, ignored on receive); Max Adver Int
 *    12 bits in centiseconds; addresses 4 or 16 bytes each; length = 8 + 4n or 8 + 16n.
 *
 * The buffer handed to decodeAdvert is the VRRP message alone (the IP header is already
 * stripped); its IP facts (family, source, destination) come in PacketMeta.
 *
 * Validation tier: structure only (length, version, type, address count, checksum, AH).
 * TTL belongs to the shell; VRID, interval, password and address list to the instance.
 */
import { familyOf, type Family } from '../ip.js';
import { addrLen, formatIp, writeIp } from './addr.js';
import { fold16, formPrefixSum, sum16, vrrpChecksum } from './checksum.js';
import { EncodeError } from './encode-error.js';
import type { DecodeError, DropReason } from './errors.js';
import {
  AUTH_AH,
  AUTH_NONE,
  type Advert,
  type ChecksumForm,
  type PacketMeta,
  type VrrpVersion,
} from './types.js';

/** RFC 3768 §5.3.2 / RFC 9568 §5.2.2 ("Type"): the only defined type. */
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** Fixed header: version/type, VRID, priority, count, auth type or rsvd/interval, checksum. */
export const VRRP_HEADER_LEN = 8;
/** RFC 3768 §5.3.10 ("Authentication Data"): always 8 bytes in v2. */
export const VRRP_AUTH_LEN = 8;
/** RFC 3768 §5.3.7 ("Advertisement Interval"): 8 bits of seconds. */
export const V2_MAX_ADVER_INT_S = 255;
/** RFC 9568 §5.2.7 ("Maximum Advertisement Interval"): 12 bits of centiseconds. */
export const V3_MAX_ADVER_INT_CS = 0x0fff;
/** RFC 3768 §5.3.5 / RFC 9568 §5.2.5: the count is one byte. */
export const MAX_ADDRESSES = 255;

/** What encodeAdvert needs; the checksum is computed, the type defaults to ADVERTISEMENT. */
export interface AdvertFields {
  version: VrrpVersion;
  vrid: number;
  priority: number;
  addresses: readonly string[];
  /** Centiseconds. v2 needs a whole number of seconds (a multiple of 100). */
  intervalCs: number;
  /** Family of the list; taken from the first address when omitted (needed for an empty list). */
  family?: Family;
  /** v2 only: 0 none (default), 1 PASS, 2 AH. */
  authType?: number;
  /** v2 only: up to 8 bytes (zero padded, longer input truncated); see passAuthData. */
  authData?: Uint8Array;
  /** Defaults to 1. Other values exist only to test receivers. */
  type?: number;
}

export interface EncodeOptions {
  /** IP source and destination the packet will carry (v3: the pseudo-header needs them). */
  src?: string;
  dst?: string;
  /**
   * v3 checksum form: 'pseudo' (default, RFC 9568 §5.2.8), 'v2' (IPv4 only: keepalived
   * `v3_checksum_as_v2`), 'old-unicast' (IPv4 only: keepalived `old_unicast_checksum`).
   * Ignored for v2, whose checksum is always over the message only.
   */
  checksumForm?: ChecksumForm;
  /** Allow an empty address list (keepalived without vrrp_strict); RFC 9568 §5.2.5 says >= 1. */
  allowZeroCount?: boolean;
}

export interface DecodeOptions {
  /**
   * v3 checksum forms accepted, tried in this order; default DEFAULT_V3_FORMS. 'v2' and
   * 'old-unicast' apply to IPv4 only; an IPv6 advert verifies with 'pseudo' or not at all.
   */
  v3Forms?: readonly ChecksumForm[];
  /** Accept a count of 0 (keepalived without vrrp_strict sends it for an instance with no VIP). */
  allowZeroCount?: boolean;
}

/**
 * keepalived 2.2.7's receive behaviour: the RFC form, then (it auto-detects unless
 * `old_unicast_checksum never`) the old unicast form.
 */
export const DEFAULT_V3_FORMS: readonly ChecksumForm[] = Object.freeze(['pseudo', 'old-unicast'] as const);

export interface DecodeOk {
  ok: true;
  advert: Advert;
  /** The form the checksum verified with ('v2' for every VRRPv2 advert). */
  checksumForm: ChecksumForm;
}

export type DecodeResult = DecodeOk | DecodeError;

const EMPTY = Buffer.alloc(0);

/** The 8 v2 auth bytes for a PASS password: its first 8 UTF-8 bytes, zero padded (RFC 3768 §5.3.10). */
export function passAuthData(password: string): Buffer {
  const out = Buffer.alloc(VRRP_AUTH_LEN);
  // Byte-wise, like keepalived's copy of auth_pass: a multi-byte character that straddles
  // the 8-byte cut keeps its first bytes (Buffer.write would drop the whole character, and
  // the receiver, comparing the first 8 UTF-8 bytes, would refuse our own adverts).
  Buffer.from(password, 'utf8').copy(out, 0, 0, VRRP_AUTH_LEN);
  return out;
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new EncodeError('ERR_CODEC_FIELD', `${name} ${v} outside ${min}..${max}`);
  }
}

/** Encode an advertisement. Throws EncodeError on a field that cannot go on the wire. */
export function encodeAdvert(fields: AdvertFields, opts: EncodeOptions = {}): Buffer {
  const { version, addresses } = fields;
  if (version !== 2 && version !== 3) throw new EncodeError('ERR_CODEC_FIELD', `version ${String(version)} is not 2 or 3`);
  checkInt('vrid', fields.vrid, 1, 255);
  checkInt('priority', fields.priority, 0, 255);
  const type = fields.type ?? VRRP_TYPE_ADVERTISEMENT;
  checkInt('type', type, 0, 15);
  const count = addresses.length;
  checkInt('address count', count, opts.allowZeroCount ? 0 : 1, MAX_ADDRESSES);
  const family = fields.family ?? (count > 0 ? familyOf(addresses[0]!) : undefined);
  if (family !== 4 && family !== 6) throw new EncodeError('ERR_CODEC_ADDRESS', 'cannot tell the address family');
  if (version === 2 && family !== 4) throw new EncodeError('ERR_CODEC_FAMILY', 'VRRPv2 carries IPv4 only (RFC 3768)');

  let intervalField: number;
  if (version === 2) {
    if (fields.intervalCs % 100 !== 0) {
      throw new EncodeError('ERR_CODEC_FIELD', `v2 interval ${fields.intervalCs} cs is not whole seconds`);
    }
    intervalField = fields.intervalCs / 100;
    checkInt('v2 advert interval (s)', intervalField, 0, V2_MAX_ADVER_INT_S);
  } else {
    intervalField = fields.intervalCs;
    checkInt('v3 max advert interval (cs)', intervalField, 0, V3_MAX_ADVER_INT_CS);
  }
  const authType = version === 2 ? (fields.authType ?? AUTH_NONE) : 0;
  checkInt('auth type', authType, 0, 255);

  const alen = addrLen(family);
  const len = VRRP_HEADER_LEN + count * alen + (version === 2 ? VRRP_AUTH_LEN : 0);
  const buf = Buffer.alloc(len);
  buf[0] = (version << 4) | type;
  buf[1] = fields.vrid;
  buf[2] = fields.priority;
  buf[3] = count;
  if (version === 2) {
    buf[4] = authType; // RFC 3768 §5.3.6 ("Auth Type")
    buf[5] = intervalField; // RFC 3768 §5.3.7 ("Advertisement Interval")
  } else {
    buf[4] = intervalField >> 8; // RFC 9568 §5.2.6 ("Rsvd") stays 0
    buf[5] = intervalField & 0xff; // RFC 9568 §5.2.7 ("Maximum Advertisement Interval")
  }
  for (let i = 0; i < count; i++) {
    if (!writeIp(addresses[i]!, family, buf, VRRP_HEADER_LEN + i * alen)) {
      throw new EncodeError('ERR_CODEC_ADDRESS', `not an IPv${family} address: ${String(addresses[i])}`);
    }
  }
  if (version === 2 && fields.authData) {
    const n = Math.min(VRRP_AUTH_LEN, fields.authData.length);
    for (let i = 0; i < n; i++) buf[len - VRRP_AUTH_LEN + i] = fields.authData[i]!;
  }

  // RFC 3768 §5.3.8 / RFC 9568 §5.2.8 ("Checksum"), computed with the field at zero.
  const form: ChecksumForm = version === 2 ? 'v2' : (opts.checksumForm ?? 'pseudo');
  if (form !== 'pseudo' && form !== 'v2' && form !== 'old-unicast') {
    throw new EncodeError('ERR_CODEC_FIELD', `unknown checksum form ${String(form)}`);
  }
  if (form !== 'pseudo' && version === 3 && family === 6) {
    throw new EncodeError('ERR_CODEC_FAMILY', `checksum form '${form}' exists for IPv4 only`);
  }
  const sum = vrrpChecksum(buf, form, family, opts.src ?? '', opts.dst ?? '');
  if (sum < 0) {
    throw new EncodeError(
      'ERR_CODEC_PSEUDO_HEADER',
      `v3 checksum form '${form}' needs IPv${family} src and dst (got ${String(opts.src)} -> ${String(opts.dst)})`,
    );
  }
  buf.writeUInt16BE(sum, 6);
  return buf;
}

function fail(reason: DropReason, detail: string): DecodeError {
  return { ok: false, reason, detail };
}

/**
 * Decode one VRRP message. Never throws: any input (truncated, oversized, garbage, or a
 * meta that cannot form a pseudo-header) gives a DecodeError whose reason is a DropReason.
 * Checks, in order: header length; version; type; v2 over IPv4 only; v2 AH; count;
 * exact length; checksum.
 */
export function decodeAdvert(buf: Uint8Array, meta: PacketMeta, opts: DecodeOptions = {}): DecodeResult {
  if (buf == null || typeof buf.length !== 'number') return fail('length', 'no packet');
  const len = buf.length;
  if (len < VRRP_HEADER_LEN) return fail('length', `${len} bytes, shorter than the ${VRRP_HEADER_LEN}-byte header`);
  const family = meta?.family;
  if (family !== 4 && family !== 6) return fail('family', `packet family ${String(family)} is not 4 or 6`);

  // RFC 3768 §5.3.1 / RFC 9568 §5.2.1 ("Version")
  const version = buf[0]! >> 4;
  if (version !== 2 && version !== 3) return fail('version', `version ${version}`);
  // RFC 3768 §5.3.2 / RFC 9568 §5.2.2 ("Type")
  const type = buf[0]! & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) return fail('type', `type ${type}`);
  if (version === 2 && family !== 4) return fail('family', 'VRRPv2 advert in an IPv6 packet');

  const authType = version === 2 ? buf[4]! : 0;
  // RFC 3768 §5.3.6: type 2 (IP Authentication Header) is recognised and not supported.
  if (version === 2 && authType === AUTH_AH) return fail('auth_ah', 'auth type 2 (IP Authentication Header) is not supported');

  // RFC 3768 §5.3.5 / RFC 9568 §5.2.5 ("Count IPvX Addr")
  const count = buf[3]!;
  if (count === 0 && !opts.allowZeroCount) return fail('address_count', 'count 0 (RFC 9568 §5.2.5: at least 1)');
  const alen = addrLen(family);
  const fixed = VRRP_HEADER_LEN + (version === 2 ? VRRP_AUTH_LEN : 0);
  const expected = fixed + count * alen;
  if (len !== expected) {
    const room = len - fixed;
    // A whole number of addresses, but not `count` of them: the count is what is wrong.
    if (room >= 0 && room % alen === 0) {
      return fail('address_count', `count ${count} but room for ${room / alen} IPv${family} addresses (v${version})`);
    }
    return fail('length', `${len} bytes, expected ${expected} for ${count} IPv${family} addresses (v${version})`);
  }

  // RFC 3768 §5.3.8 / RFC 9568 §5.2.8 ("Checksum")
  const msgSum = sum16(buf, 0, len);
  let form: ChecksumForm | undefined;
  if (version === 2) {
    if (fold16(msgSum) === 0xffff) form = 'v2';
  } else {
    const forms = opts.v3Forms ?? DEFAULT_V3_FORMS;
    for (let i = 0; i < forms.length; i++) {
      const f = forms[i]!;
      const prefix = formPrefixSum(f, family, meta.src, meta.dst, len);
      if (prefix >= 0 && fold16(msgSum + prefix) === 0xffff) {
        form = f;
        break;
      }
    }
  }
  const checksum = (buf[6]! << 8) | buf[7]!;
  if (form === undefined) {
    return fail('checksum', `checksum 0x${checksum.toString(16).padStart(4, '0')} does not verify (v${version}, IPv${family})`);
  }

  const addresses: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) addresses[i] = formatIp(buf, VRRP_HEADER_LEN + i * alen, family);

  let intervalCs: number;
  let authData: Buffer;
  if (version === 2) {
    intervalCs = buf[5]! * 100;
    // A copy, not a view: the shell may reuse its receive buffer.
    authData = Buffer.allocUnsafe(VRRP_AUTH_LEN);
    for (let i = 0; i < VRRP_AUTH_LEN; i++) authData[i] = buf[len - VRRP_AUTH_LEN + i]!;
  } else {
    intervalCs = ((buf[4]! & 0x0f) << 8) | buf[5]!;
    authData = EMPTY;
  }
  const advert: Advert = {
    version,
    type,
    vrid: buf[1]!,
    priority: buf[2]!,
    family,
    addresses,
    intervalCs,
    authType,
    authData,
    checksum,
  };
  return { ok: true, advert, checksumForm: form };
}
