/**
 * fast-check generators for the hostile-packet properties. Every generated case is a
 * plain JSON value (bytes as hex), so a counterexample can be saved to
 * test/fixtures/fuzz-corpus/ and replayed as is.
 */
import fc from 'fast-check';
import type { ChecksumForm } from '../../src/core/codec/types.js';
import type { TimerName } from '../../src/core/fsm/types.js';
import { MUTATION_KINDS, mutationTier, type InstanceSeed, type MutationKind } from './model.js';

export const knobsArb = fc.array(fc.nat(), { minLength: 1, maxLength: 8 });

/** Passwords: empty, ASCII, any Unicode (multi-byte characters around the 8-byte cut), long. */
const passwordArb = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('secret', 'longpassword'),
);

export function instanceSeedArb(name = 'VI_1'): fc.Arbitrary<InstanceSeed> {
  return fc.record({
    name: fc.constant(name),
    version: fc.constantFrom<2 | 3>(2, 3),
    v6: fc.boolean(),
    vrid: fc.integer({ min: 1, max: 255 }),
    ifname: fc.constantFrom('eth0', 'eth1'),
    priority: fc.integer({ min: 1, max: 255 }),
    v2Seconds: fc.integer({ min: 1, max: 255 }),
    v3Cs: fc.integer({ min: 1, max: 4095 }),
    vipCount: fc.integer({ min: 1, max: 4 }),
    vipBase: fc.integer({ min: 0, max: 100 }),
    peers: fc.constantFrom(0, 0, 1, 2),
    checkUnicastSrc: fc.boolean(),
    skipCheckAdvAddr: fc.boolean(),
    password: passwordArb,
    v3ChecksumAsV2: fc.boolean(),
  });
}

export const kindArb = fc.constantFrom<MutationKind>(...MUTATION_KINDS);
/** Mutations the decoder lets through, to be judged by the instance. */
export const INSTANCE_KINDS = MUTATION_KINDS.filter((k) => mutationTier(k) === 'instance');
export const instanceKindArb = fc.constantFrom<MutationKind>(...INSTANCE_KINDS);

// ---------------------------------------------------------------------------------------
// Decoder

export interface MetaCase {
  family: number;
  src: string;
  dst: string;
  ttl: number;
  ifname: string;
}

export interface CodecTotalCase {
  /** Either random bytes (hex) or a crafted packet for an instance. */
  bytes: { hex: string } | { seed: InstanceSeed; kind: MutationKind; knobs: number[] };
  /** Replaces the crafted packet's meta when set (garbage families and addresses). */
  meta: MetaCase | null;
  forms: ChecksumForm[] | null;
  allowZeroCount: boolean;
}

const addrText = fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 16 }), fc.constantFrom('224.0.0.18', 'ff02::12', 'fe80::1'));

export const metaArb: fc.Arbitrary<MetaCase> = fc.record({
  family: fc.constantFrom(4, 6, 4, 6, 0, 5),
  src: addrText,
  dst: addrText,
  ttl: fc.integer({ min: 0, max: 255 }),
  ifname: fc.constant('eth0'),
});

const formsArb: fc.Arbitrary<ChecksumForm[] | null> = fc.option(
  fc.subarray<ChecksumForm>(['pseudo', 'v2', 'old-unicast']).chain((xs) => fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length })),
);

const hexArb = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b).toString('hex'));

export const codecTotalArb: fc.Arbitrary<CodecTotalCase> = fc.record({
  bytes: fc.oneof(
    fc.record({ hex: hexArb(120) }),
    fc.record({ seed: instanceSeedArb(), kind: kindArb, knobs: knobsArb }),
  ),
  meta: fc.option(metaArb, { freq: 3 }),
  forms: formsArb,
  allowZeroCount: fc.boolean(),
});

export interface CodecMutationCase {
  seed: InstanceSeed;
  kind: MutationKind;
  knobs: number[];
}

export const codecMutationArb: fc.Arbitrary<CodecMutationCase> = fc.record({ seed: instanceSeedArb(), kind: kindArb, knobs: knobsArb });

// ---------------------------------------------------------------------------------------
// State machine

/** Steps that bring an instance into some state before the hostile advert arrives. */
export type PrefixOp =
  | { op: 'startup' }
  | { op: 'fire' }
  | { op: 'advert'; priority: number; knobs: number[] }
  | { op: 'fault'; on: boolean }
  | { op: 'priority'; adjustment: number }
  | { op: 'shutdown' };

export const prefixOpArb: fc.Arbitrary<PrefixOp> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ op: 'startup' as const }) },
  { weight: 4, arbitrary: fc.constant({ op: 'fire' as const }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advert' as const), priority: fc.integer({ min: 0, max: 255 }), knobs: knobsArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fault' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('priority' as const), adjustment: fc.integer({ min: -300, max: 300 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'shutdown' as const }) },
);

export interface FsmInvalidCase {
  seed: InstanceSeed;
  /** Run inside a sync group with a sibling instance. */
  grouped: boolean;
  prefix: PrefixOp[];
  kind: MutationKind;
  knobs: number[];
}

export const fsmInvalidArb: fc.Arbitrary<FsmInvalidCase> = fc.record({
  seed: instanceSeedArb(),
  grouped: fc.boolean(),
  prefix: fc.array(prefixOpArb, { maxLength: 12 }),
  kind: instanceKindArb,
  knobs: knobsArb,
});

const TIMERS: TimerName[] = ['Adver_Timer', 'Master_Down_Timer', 'Preempt_Delay', 'Garp_Delay', 'Garp_Refresh'];

/** Any input at all (adverts made by any mutation and decoded, stale timers, reloads). */
export type AnyOp =
  | PrefixOp
  | { op: 'packet'; kind: MutationKind; knobs: number[] }
  | { op: 'stale'; timer: TimerName; dtMs: number }
  | { op: 'reload'; seed: InstanceSeed; sameIdentity: boolean }
  | { op: 'wait'; ms: number };

export interface FsmTotalCase {
  seed: InstanceSeed;
  grouped: boolean;
  ops: AnyOp[];
}

export const anyOpArb: fc.Arbitrary<AnyOp> = fc.oneof(
  { weight: 6, arbitrary: prefixOpArb },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('packet' as const), kind: kindArb, knobs: knobsArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('stale' as const), timer: fc.constantFrom(...TIMERS), dtMs: fc.integer({ min: -5000, max: 5000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reload' as const), seed: instanceSeedArb(), sameIdentity: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 5000 }) }) },
);

export const fsmTotalArb: fc.Arbitrary<FsmTotalCase> = fc.record({
  seed: instanceSeedArb(),
  grouped: fc.boolean(),
  ops: fc.array(anyOpArb, { maxLength: 30 }),
});

// ---------------------------------------------------------------------------------------
// Runtime receive path

export type RuntimeOp =
  | { op: 'advance'; ms: number }
  | { op: 'packet'; inst: number; kind: MutationKind; knobs: number[] }
  /** A packet on an interface no instance uses. */
  | { op: 'foreign'; inst: number; knobs: number[] };

export interface RuntimeCase {
  seeds: InstanceSeed[];
  grouped: boolean;
  ops: RuntimeOp[];
}

export const runtimeOpArb: fc.Arbitrary<RuntimeOp> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2500 }) }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('packet' as const), inst: fc.nat({ max: 7 }), kind: kindArb, knobs: knobsArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('foreign' as const), inst: fc.nat({ max: 7 }), knobs: knobsArb }) },
);

export const runtimeArb: fc.Arbitrary<RuntimeCase> = fc.record({
  seeds: fc.tuple(instanceSeedArb('VI_0'), instanceSeedArb('VI_1'), instanceSeedArb('VI_2')).chain((xs) =>
    fc.integer({ min: 1, max: 3 }).map((n) => xs.slice(0, n)),
  ),
  grouped: fc.boolean(),
  ops: fc.array(runtimeOpArb, { minLength: 1, maxLength: 40 }),
});
