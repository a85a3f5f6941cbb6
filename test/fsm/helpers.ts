/** Small builders shared by the state machine tests. */
import type { Advert, PacketMeta } from '../../src/core/codec/types.js';
import type { Input, InstanceParams } from '../../src/core/fsm/types.js';
import { advertFor, vrrpGroup } from '../../src/core/sim/lan.js';
import { DEFAULT_PARAMS } from '../conformance/harness.js';

export function params(over: Partial<InstanceParams> = {}): InstanceParams {
  return { ...DEFAULT_PARAMS, ...over };
}

/** A valid advert input for `p` from `src` with `priority`, with optional overrides. */
export function advertIn(
  p: InstanceParams,
  priority: number,
  src = p.family === 4 ? '192.0.2.2' : '2001:db8::2',
  over: { advert?: Partial<Advert>; meta?: Partial<PacketMeta> } = {},
): Extract<Input, { type: 'AdvertReceived' }> {
  const advert = { ...advertFor(p, priority, p.intervalCs), ...over.advert };
  const meta: PacketMeta = {
    family: p.family,
    src,
    dst: p.unicastPeers.length > 0 ? p.primaryIp : vrrpGroup(p.family),
    ttl: 255,
    ifname: p.ifname,
    ...over.meta,
  };
  return { type: 'AdvertReceived', meta, advert };
}

/** Freeze a value and everything reachable from it (Buffers are left alone). */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
