/**
 * Hostile packets, made on purpose: a catalogue of single-fault mutations of a valid
 * VRRP advert, each with the verdict the receive path must reach. Shared by the property
 * tests (fuzz.test.ts, scripts/fuzz.ts) and the live flood sender (flood-sender.ts).
 *
 * Each mutation starts from a template that the instance accepts and breaks exactly one
 * rule, so its drop reason is fixed by the order of the checks:
 *   kernel  the raw socket's BPF program: version nibble not 2 or 3 (nothing reaches userspace)
 *   demux   the runtime: under 2 bytes, or no instance for (family, interface, VRID): counted globally
 *   codec   decodeAdvert (src/core/codec/vrrp.ts): length, version, type, auth AH, count, checksum
 *   instance checkAdvert (src/core/fsm/validate.ts): TTL, version, auth, interval, addresses, cast, source
 * The expected reasons come from the RFCs and keepalived's receive checks (REFERENCE.md §1),
 * written down here by hand; nothing is asked of the code under test.
 *
 * Random choices come from "knobs" (a list of unsigned integers), so a case is a plain
 * JSON value that fast-check can shrink and a corpus file can replay.
 */
import type { DropReason } from '../../src/core/codec/errors.js';
import type { ChecksumForm, PacketMeta } from '../../src/core/codec/types.js';
import { encodeAdvert, passAuthData, type AdvertFields, type DecodeOptions, type EncodeOptions } from '../../src/core/codec/vrrp.js';
import type { InstanceParams } from '../../src/core/fsm/types.js';
import { canonicalIp, type Family } from '../../src/core/ip.js';

export const VRRP_GROUP: Record<Family, string> = { 4: '224.0.0.18', 6: 'ff02::12' };

/** One instance as the receive path sees it: the core's parameters and the runtime's checksum option. */
export interface ModelInstance {
  params: InstanceParams;
  /** keepalived v3_checksum_as_v2 (runtime InstanceConfig.v3ChecksumAsV2). */
  v3ChecksumAsV2: boolean;
}

/** What hostile packets are aimed at. */
export interface Target {
  inst: ModelInstance;
  /** Source address of the packets (a unicast peer when the instance checks sources). */
  src: string;
  /** VRIDs configured on the instance's (family, interface): a 'vrid' mutation avoids them. */
  usedVrids: readonly number[];
  /** The priority every packet carries (default: a mix of 0, 1, 254, 255 and others). */
  priority?: number;
}

export type Tier = 'kernel' | 'demux' | 'codec' | 'instance';

export type Expectation =
  | { verdict: 'accept' }
  | {
      verdict: 'drop';
      tier: Tier;
      /** Counted per instance, or globally (hooks.onDrop with instance null). */
      scope: 'instance' | 'global';
      /** The reason userspace reports when no kernel filter stands in front of it. */
      reason: DropReason;
      /** The raw socket's version filter drops it in the kernel (live daemon only). */
      kernelFiltered: boolean;
    }
  /** Random bytes: only where they are counted is known (see classifyRandom). */
  | { verdict: 'unknown'; scope: 'instance' | 'global'; kernelFiltered: boolean };

export interface Crafted {
  kind: MutationKind;
  bytes: Buffer;
  meta: PacketMeta;
  expect: Expectation;
}

/** Reads knobs in turn (wrapping around); `next(n)` is in 0..n-1. */
export class Knobs {
  private i = 0;
  constructor(private readonly k: readonly number[]) {}
  next(n: number): number {
    if (n <= 1 || this.k.length === 0) return 0;
    const v = this.k[this.i++ % this.k.length]!;
    // Mix the position in so that a short knob list still varies from read to read.
    return (((v ^ Math.imul(this.i, 0x9e3779b1)) >>> 0) % n) | 0;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.next(xs.length)]!;
  }
}

/** The decode options the runtime derives for an instance (src/shell/runtime.ts setConfig). */
export function decodeOptsFor(inst: ModelInstance): DecodeOptions {
  return {
    v3Forms: inst.v3ChecksumAsV2 ? ['v2', 'pseudo', 'old-unicast'] : ['pseudo', 'old-unicast'],
    allowZeroCount: inst.params.vips.length === 0,
  };
}

/** The checksum forms the instance accepts (for v3), for choosing a template's form. */
function acceptedForms(inst: ModelInstance): ChecksumForm[] {
  const p = inst.params;
  if (p.version === 2) return ['v2'];
  if (p.family === 6) return ['pseudo'];
  return inst.v3ChecksumAsV2 ? ['v2', 'pseudo', 'old-unicast'] : ['pseudo', 'old-unicast'];
}

function isUnicast(p: InstanceParams): boolean {
  return p.unicastPeers.length > 0;
}

/** An address of the family that is not in `avoid` (canonical comparison). */
export function otherAddress(family: Family, avoid: readonly string[], k: Knobs): string {
  const taken = new Set(avoid.map((a) => canonicalIp(a)));
  for (let i = 0; ; i++) {
    const n = (k.next(250) + i) % 250;
    const a = family === 4 ? `198.51.100.${n + 1}` : `2001:db8:ffff::${(n + 1).toString(16)}`;
    if (!taken.has(a)) return a;
  }
}

interface Template {
  fields: AdvertFields;
  opts: EncodeOptions;
  meta: PacketMeta;
}

/** A valid advert for the target: the instance accepts it. Priorities include 0 and 255. */
export function template(t: Target, k: Knobs): Template {
  const p = t.inst.params;
  const dst = isUnicast(p) ? p.primaryIp : VRRP_GROUP[p.family];
  const mixed = k.pick([0, 1, 254, 255, 1 + k.next(254)]);
  const priority = t.priority ?? mixed;
  const pass = p.version === 2 && p.auth.type === 'pass';
  const fields: AdvertFields = {
    version: p.version,
    vrid: p.vrid,
    priority,
    addresses: [...p.vips],
    // v2 must carry our interval (RFC 3768 §7.1); a v3 master may advertise any non-zero one.
    intervalCs: p.version === 2 ? p.intervalCs : 1 + k.next(4095),
    family: p.family,
    authType: pass ? 1 : 0,
    authData: pass && p.auth.type === 'pass' ? passAuthData(p.auth.password) : undefined,
  };
  const opts: EncodeOptions = { src: t.src, dst, checksumForm: k.pick(acceptedForms(t.inst)) };
  // Rotate the address list: the order of the VIPs in an advert does not matter.
  if (fields.addresses.length > 1) {
    const r = k.next(fields.addresses.length);
    fields.addresses = [...fields.addresses.slice(r), ...fields.addresses.slice(0, r)];
  }
  return { fields, opts, meta: { family: p.family, src: t.src, dst, ttl: 255, ifname: p.ifname } };
}

function encode(tp: Template): Buffer {
  return encodeAdvert(tp.fields, tp.opts);
}

function randomBytes(n: number, k: Knobs): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = k.next(256);
  return b;
}

const drop = (tier: Tier, reason: DropReason, scope: 'instance' | 'global' = 'instance', kernelFiltered = false): Expectation => ({
  verdict: 'drop',
  tier,
  scope,
  reason,
  kernelFiltered,
});

interface MutationDef {
  tier: Tier | 'none' | 'random';
  applies(t: Target): boolean;
  make(t: Target, k: Knobs): { bytes: Buffer; meta: PacketMeta; expect: Expectation };
}

const always = () => true;

/** Every checksum value the instance would accept for this message (all forms, both zeros). */
function acceptedChecksums(tp: Template, inst: ModelInstance): Set<number> {
  const out = new Set<number>();
  const forms: ChecksumForm[] = tp.fields.version === 2 ? ['v2'] : acceptedForms(inst);
  for (const f of forms) {
    const c = encodeAdvert(tp.fields, { ...tp.opts, checksumForm: f }).readUInt16BE(6);
    out.add(c);
    // One's complement has two zeros: 0x0000 and 0xffff verify alike.
    if (c === 0) out.add(0xffff);
    if (c === 0xffff) out.add(0);
  }
  return out;
}

export const MUTATIONS = {
  /** The control: a valid advert, accepted. */
  valid: {
    tier: 'none',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      return { bytes: encode(tp), meta: tp.meta, expect: { verdict: 'accept' } };
    },
  },
  /** RFC 9568 §5.2.1 ("Version"): a nibble other than 2 or 3; the kernel filter drops it. */
  version_nibble: {
    tier: 'kernel',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const b = encode(tp);
      b[0] = (k.pick([0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]) << 4) | (b[0]! & 0x0f);
      return { bytes: b, meta: tp.meta, expect: drop('kernel', 'version', 'instance', true) };
    },
  },
  /** No payload at all: the kernel filter cannot read a version and drops it. */
  empty: {
    tier: 'kernel',
    applies: always,
    make: (t, k) => ({ bytes: Buffer.alloc(0), meta: template(t, k).meta, expect: drop('kernel', 'length', 'global', true) }),
  },
  /** One byte: too short to name a VRID; counted globally. */
  runt: {
    tier: 'demux',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      return { bytes: Buffer.from(encode(tp).subarray(0, 1)), meta: tp.meta, expect: drop('demux', 'length', 'global') };
    },
  },
  /** A VRID with no instance on this interface and family: counted globally. */
  vrid: {
    tier: 'demux',
    applies: (t) => t.usedVrids.length < 256,
    make: (t, k) => {
      const tp = template(t, k);
      const free: number[] = [];
      for (let v = 0; v <= 255; v++) if (!t.usedVrids.includes(v)) free.push(v);
      const v = k.pick(free);
      const b = encodeAdvert({ ...tp.fields, vrid: Math.max(1, v) }, tp.opts);
      b[1] = v;
      return { bytes: b, meta: tp.meta, expect: drop('demux', 'vrid', 'global') };
    },
  },
  /** 2..7 bytes: shorter than the fixed header. */
  truncated_header: {
    tier: 'codec',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      return { bytes: Buffer.from(encode(tp).subarray(0, 2 + k.next(6))), meta: tp.meta, expect: drop('codec', 'length') };
    },
  },
  /** Cut inside the addresses or the auth data, not on an address boundary. */
  truncated: {
    tier: 'codec',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const b = encode(tp);
      const alen = t.inst.params.family === 4 ? 4 : 16;
      const fixed = t.inst.params.version === 2 ? 16 : 8;
      const lens: number[] = [];
      for (let l = 8; l < b.length; l++) if (l < fixed || (l - fixed) % alen !== 0) lens.push(l);
      return { bytes: Buffer.from(b.subarray(0, k.pick(lens))), meta: tp.meta, expect: drop('codec', 'length') };
    },
  },
  /** Trailing bytes that are not a whole number of addresses (up to a full Ethernet frame). */
  oversized: {
    tier: 'codec',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const b = encode(tp);
      const alen = t.inst.params.family === 4 ? 4 : 16;
      let extra = 1 + k.next(Math.max(1, 1400 - b.length));
      if (extra % alen === 0) extra += 1;
      return { bytes: Buffer.concat([b, randomBytes(extra, k)]), meta: tp.meta, expect: drop('codec', 'length') };
    },
  },
  /** Whole extra addresses beyond the count: the count is what is wrong. */
  oversized_whole: {
    tier: 'codec',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const b = encode(tp);
      const alen = t.inst.params.family === 4 ? 4 : 16;
      const extra = alen * (1 + k.next(Math.max(1, Math.floor((1400 - b.length) / alen))));
      return { bytes: Buffer.concat([b, randomBytes(extra, k)]), meta: tp.meta, expect: drop('codec', 'address_count') };
    },
  },
  /** RFC 9568 §5.2.5 ("Count IPvX Addr"): a count that does not match the addresses carried. */
  count_field: {
    tier: 'codec',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const b = encode(tp);
      let c = k.next(256);
      if (c === b[3]) c = (c + 1) % 256;
      b[3] = c;
      return { bytes: b, meta: tp.meta, expect: drop('codec', 'address_count') };
    },
  },
  /** RFC 9568 §5.2.2 ("Type"): anything but 1 (checksum valid). */
  type: {
    tier: 'codec',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const b = encodeAdvert({ ...tp.fields, type: k.pick([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]) }, tp.opts);
      return { bytes: b, meta: tp.meta, expect: drop('codec', 'type') };
    },
  },
  /** RFC 9568 §5.2.8 / RFC 3768 §5.3.8 ("Checksum"): a value no accepted form verifies. */
  checksum: {
    tier: 'codec',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const b = encode(tp);
      const ok = acceptedChecksums(tp, t.inst);
      let c = (b.readUInt16BE(6) ^ (1 + k.next(0xfffe))) & 0xffff;
      while (ok.has(c)) c = (c + 1) & 0xffff;
      b.writeUInt16BE(c, 6);
      return { bytes: b, meta: tp.meta, expect: drop('codec', 'checksum') };
    },
  },
  /** RFC 3768 §5.3.6: auth type 2 (IP Authentication Header) is rejected. */
  auth_ah: {
    tier: 'codec',
    applies: (t) => t.inst.params.version === 2,
    make: (t, k) => {
      const tp = template(t, k);
      return { bytes: encodeAdvert({ ...tp.fields, authType: 2 }, tp.opts), meta: tp.meta, expect: drop('codec', 'auth_ah') };
    },
  },
  /** RFC 9568 §7.1 / RFC 3768 §7.1: a multicast advert whose TTL / hop limit is not 255. */
  ttl: {
    tier: 'instance',
    applies: (t) => !isUnicast(t.inst.params),
    make: (t, k) => {
      const tp = template(t, k);
      return { bytes: encode(tp), meta: { ...tp.meta, ttl: 1 + k.next(254) }, expect: drop('instance', 'ttl') };
    },
  },
  /** The other VRRP version (v2 in an IPv6 packet is the codec's 'family'). */
  version_other: {
    tier: 'instance',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const p = t.inst.params;
      if (p.version === 3 && p.family === 6) {
        const n = 1 + k.next(4);
        const v4 = Array.from({ length: n }, (_, i) => `192.0.2.${200 + i}`);
        const b = encodeAdvert({ version: 2, vrid: p.vrid, priority: tp.fields.priority, addresses: v4, intervalCs: 100 });
        return { bytes: b, meta: tp.meta, expect: drop('codec', 'family') };
      }
      const fields: AdvertFields =
        p.version === 3
          ? { ...tp.fields, version: 2, intervalCs: 100 * (1 + k.next(255)), authType: 0, authData: undefined }
          : { ...tp.fields, version: 3, intervalCs: Math.min(p.intervalCs, 4095), authType: 0, authData: undefined };
      return { bytes: encodeAdvert(fields, { ...tp.opts, checksumForm: 'pseudo' }), meta: tp.meta, expect: drop('instance', 'version') };
    },
  },
  /** RFC 3768 §5.3.6 ("Auth Type"): not the instance's type (and not AH). */
  auth_type: {
    tier: 'instance',
    applies: (t) => t.inst.params.version === 2,
    make: (t, k) => {
      const tp = template(t, k);
      const want = tp.fields.authType ?? 0;
      const choices: number[] = [];
      for (let a = 0; a <= 255; a++) if (a !== want && a !== 2) choices.push(a);
      const b = encodeAdvert({ ...tp.fields, authType: k.pick(choices) }, tp.opts);
      return { bytes: b, meta: tp.meta, expect: drop('instance', 'auth_type') };
    },
  },
  /** RFC 3768 §5.3.10: PASS data that differs from the password in one byte. */
  auth_pass: {
    tier: 'instance',
    applies: (t) => t.inst.params.version === 2 && t.inst.params.auth.type === 'pass',
    make: (t, k) => {
      const tp = template(t, k);
      const p = t.inst.params;
      const want = Buffer.alloc(8);
      if (p.auth.type === 'pass') Buffer.from(p.auth.password, 'utf8').copy(want, 0, 0, 8);
      const data = Buffer.from(want);
      data[k.next(8)] ^= 1 + k.next(255);
      const b = encodeAdvert({ ...tp.fields, authType: 1, authData: data }, tp.opts);
      return { bytes: b, meta: tp.meta, expect: drop('instance', 'auth_mismatch') };
    },
  },
  /** RFC 3768 §7.1: a v2 interval other than ours; RFC 9568: a v3 interval of 0. */
  interval: {
    tier: 'instance',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const p = t.inst.params;
      let cs = 0;
      if (p.version === 2) {
        cs = 100 * k.next(256);
        if (cs === p.intervalCs) cs = ((cs / 100 + 1) % 256) * 100;
      }
      return { bytes: encodeAdvert({ ...tp.fields, intervalCs: cs }, tp.opts), meta: tp.meta, expect: drop('instance', 'interval_mismatch') };
    },
  },
  /** A well-formed advert with another number of addresses than our VIPs. */
  address_count: {
    tier: 'instance',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const have = tp.fields.addresses.length;
      let n = 1 + k.next(20);
      if (n === have) n += 1;
      const addrs = [...tp.fields.addresses];
      while (addrs.length < n) addrs.push(otherAddress(t.inst.params.family, addrs, k));
      return {
        bytes: encodeAdvert({ ...tp.fields, addresses: addrs.slice(0, n) }, tp.opts),
        meta: tp.meta,
        expect: drop('instance', 'address_count'),
      };
    },
  },
  /** One of our VIPs replaced by another address (unless skip_check_adv_addr). */
  address_mismatch: {
    tier: 'instance',
    applies: (t) => !t.inst.params.skipCheckAdvAddr && t.inst.params.vips.length > 0,
    make: (t, k) => {
      const tp = template(t, k);
      const addrs = [...tp.fields.addresses];
      addrs[k.next(addrs.length)] = otherAddress(t.inst.params.family, t.inst.params.vips, k);
      return { bytes: encodeAdvert({ ...tp.fields, addresses: addrs }, tp.opts), meta: tp.meta, expect: drop('instance', 'address_mismatch') };
    },
  },
  /** A unicast advert to a multicast instance, or a multicast one to a unicast instance. */
  cast_mismatch: {
    tier: 'instance',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const p = t.inst.params;
      const dst = isUnicast(p) ? VRRP_GROUP[p.family] : p.primaryIp;
      const opts = { ...tp.opts, dst, checksumForm: 'pseudo' as const };
      return { bytes: encodeAdvert(tp.fields, opts), meta: { ...tp.meta, dst }, expect: drop('instance', 'cast_mismatch') };
    },
  },
  /** keepalived check_unicast_src: a source that is not a unicast peer. */
  unicast_src: {
    tier: 'instance',
    applies: (t) => isUnicast(t.inst.params) && t.inst.params.checkUnicastSrc,
    make: (t, k) => {
      const tp = template(t, k);
      const src = otherAddress(t.inst.params.family, [...t.inst.params.unicastPeers, t.inst.params.primaryIp], k);
      const opts = { ...tp.opts, src, checksumForm: 'pseudo' as const };
      return { bytes: encodeAdvert(tp.fields, opts), meta: { ...tp.meta, src }, expect: drop('instance', 'unicast_src') };
    },
  },
  /** Random bytes (0..100 of them, or a valid header followed by noise). */
  random: {
    tier: 'random',
    applies: always,
    make: (t, k) => {
      const tp = template(t, k);
      const n = k.next(101);
      const b = randomBytes(n, k);
      // Half of them keep a plausible first two bytes so they get past the filter and demux.
      if (k.next(2) === 0 && n >= 2) {
        b[0] = (t.inst.params.version << 4) | 1;
        b[1] = t.inst.params.vrid;
      }
      const c = classifyRandom(b, t.usedVrids);
      return { bytes: b, meta: tp.meta, expect: { verdict: 'unknown', scope: c.scope, kernelFiltered: c.kernelFiltered } };
    },
  },
} satisfies Record<string, MutationDef>;

export type MutationKind = keyof typeof MUTATIONS;
export const MUTATION_KINDS = Object.keys(MUTATIONS) as MutationKind[];

export function mutationTier(kind: MutationKind): MutationDef['tier'] {
  return (MUTATIONS[kind] as MutationDef).tier;
}

export function applicableKinds(t: Target, kinds: readonly MutationKind[] = MUTATION_KINDS): MutationKind[] {
  return kinds.filter((k) => (MUTATIONS[k] as MutationDef).applies(t));
}

/** Make one packet of `kind` for the target. Throws if the kind does not apply. */
export function craft(t: Target, kind: MutationKind, knobs: readonly number[]): Crafted {
  const def = MUTATIONS[kind] as MutationDef;
  if (!def.applies(t)) throw new Error(`mutation ${kind} does not apply to ${t.inst.params.name}`);
  const r = def.make(t, new Knobs(knobs));
  return { kind, ...r };
}

/**
 * Where random bytes are counted, from the two facts in front of the decoder: the kernel
 * filter (first byte's high nibble 2 or 3; an empty payload has none) and the runtime's
 * demultiplexing (2 bytes at least, and a configured VRID in the second).
 */
export function classifyRandom(b: Uint8Array, usedVrids: readonly number[]): { kernelFiltered: boolean; scope: 'instance' | 'global' } {
  const nibble = b.length > 0 ? b[0]! >> 4 : -1;
  const kernelFiltered = nibble !== 2 && nibble !== 3;
  const scope = b.length >= 2 && usedVrids.includes(b[1]!) ? 'instance' : 'global';
  return { kernelFiltered, scope };
}

// ---------------------------------------------------------------------------------------
// Instances

/** The fields a generator picks; build() turns them into valid parameters. */
export interface InstanceSeed {
  name: string;
  version: 2 | 3;
  v6: boolean;
  vrid: number;
  ifname: string;
  priority: number;
  v2Seconds: number;
  v3Cs: number;
  vipCount: number;
  vipBase: number;
  peers: number;
  checkUnicastSrc: boolean;
  skipCheckAdvAddr: boolean;
  password: string | null;
  v3ChecksumAsV2: boolean;
}

/** Valid InstanceParams from a seed (v2 is IPv4 only; addresses from the documentation ranges). */
export function buildInstance(s: InstanceSeed): ModelInstance {
  const family: Family = s.version === 2 || !s.v6 ? 4 : 6;
  const addr = (n: number) => (family === 4 ? `192.0.2.${n % 256}` : `2001:db8::${(n % 0x10000).toString(16)}`);
  const vips = Array.from({ length: s.vipCount }, (_, i) => addr(100 + s.vipBase + i));
  const peers = Array.from({ length: s.peers }, (_, i) => addr(2 + i));
  const params: InstanceParams = {
    name: s.name,
    vrid: s.vrid,
    version: s.version,
    family,
    ifname: s.ifname,
    primaryIp: family === 4 ? '192.0.2.1' : s.peers > 0 ? '2001:db8::1' : 'fe80::1',
    priority: s.priority,
    intervalCs: s.version === 2 ? s.v2Seconds * 100 : s.v3Cs,
    vips,
    initialState: 'BACKUP',
    preempt: true,
    preemptDelayMs: 0,
    downTimerAdverts: 3,
    unicastPeers: peers,
    auth: s.version === 2 && s.password !== null ? { type: 'pass', password: s.password } : { type: 'none' },
    skipCheckAdvAddr: s.skipCheckAdvAddr,
    checkUnicastSrc: s.checkUnicastSrc,
    garpMasterDelayMs: 0,
    garpMasterRefreshMs: 0,
    cloudClaim: false,
    cloudRelease: false,
    manageForwarding: false,
  };
  return { params, v3ChecksumAsV2: s.v3ChecksumAsV2 && family === 4 && s.version === 3 };
}

/** The address hostile packets come from: a peer when sources are checked, else a neighbour. */
export function senderFor(inst: ModelInstance): string {
  const p = inst.params;
  if (p.unicastPeers.length > 0) return p.unicastPeers[p.unicastPeers.length - 1]!;
  return p.family === 4 ? '192.0.2.66' : 'fe80::66';
}
