/**
 * Map a resolved vrrp_instance to the state machine's InstanceParams. The primary address
 * (the advert source and tie-breaker) is unicast_src_ip / mcast_src_ip when configured,
 * otherwise the interface's primary address, supplied by the caller.
 */
import type { InstanceParams } from '../core/fsm/types.js';
import type { Family } from '../core/ip.js';
import type { GlobalDefs, KeepvipDefs, VrrpInstance } from './model.js';

export class InstanceParamsError extends Error {
  readonly code = 'no-primary-ip' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InstanceParamsError';
  }
}

export function toInstanceParams(
  inst: VrrpInstance,
  globals: GlobalDefs & { keepvip?: KeepvipDefs },
  resolvePrimaryIp: (ifname: string, family: Family) => string | undefined,
): InstanceParams {
  const ifname = inst.interface ?? '';
  const primaryIp = inst.unicastSrcIp ?? inst.mcastSrcIp ?? resolvePrimaryIp(ifname, inst.family);
  if (!primaryIp) {
    throw new InstanceParamsError(`(${inst.name}) no IPv${inst.family} address on interface ${ifname} to send adverts from`);
  }
  const auth: InstanceParams['auth'] =
    inst.auth?.type === 'PASS' && inst.auth.password !== undefined
      ? { type: 'pass', password: inst.auth.password }
      : inst.auth?.type === 'AH'
        ? { type: 'ah' }
        : { type: 'none' };
  return {
    name: inst.name,
    vrid: inst.vrid!,
    version: inst.version,
    family: inst.family,
    ifname,
    primaryIp,
    priority: inst.priority,
    intervalCs: Math.round(inst.advertInt * 100),
    vips: inst.vips.map((v) => v.address),
    initialState: inst.initialState,
    preempt: inst.preempt,
    preemptDelayMs: Math.round(inst.preemptDelay * 1000),
    downTimerAdverts: inst.downTimerAdverts,
    unicastPeers: inst.unicastPeers.map((p) => p.address),
    auth,
    skipCheckAdvAddr: inst.skipCheckAdvAddr,
    checkUnicastSrc: inst.checkUnicastSrc,
    garpMasterDelayMs: inst.garp.masterDelay * 1000,
    garpMasterRefreshMs: inst.garp.masterRefresh * 1000,
    cloudClaim: inst.cloudVip !== undefined,
    cloudRelease: inst.cloudVip?.releaseOnBackup ?? false,
    manageForwarding: globals.keepvip?.manageIpForward ?? false,
  };
}
