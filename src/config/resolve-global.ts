/** global_defs and keepvip_defs defaults (keepalived 2.2.7 values). */
import type { GlobalDefs, KeepvipDefs } from './model.js';
import type { Draft, DraftGlobal } from './keywords/drafts.js';

export function resolveGlobal(g: DraftGlobal): GlobalDefs {
  const out: GlobalDefs = {
    mcastGroup4: g.mcastGroup4 ?? '224.0.0.18',
    mcastGroup6: g.mcastGroup6 ?? 'ff02::12',
    garpMasterDelay: g.minGarp ? 0 : (g.garpMasterDelay ?? 5),
    garpMasterRepeat: g.minGarp ? 1 : (g.garpMasterRepeat ?? 5),
    garpMasterRefresh: g.garpMasterRefresh ?? 0,
    garpMasterRefreshRepeat: g.garpMasterRefreshRepeat ?? 1,
    garpInterval: g.garpInterval ?? 0,
    gnaInterval: g.gnaInterval ?? 0,
    minGarp: g.minGarp ?? false,
    vrrpVersion: g.vrrpVersion ?? 2,
    checkUnicastSrc: g.checkUnicastSrc ?? false,
    skipCheckAdvAddr: g.skipCheckAdvAddr ?? false,
    strict: g.strict ?? false,
    downTimerAdverts: g.downTimerAdverts ?? 3,
    notifyPriorityChanges: g.notifyPriorityChanges ?? false,
    enableScriptSecurity: g.enableScriptSecurity ?? false,
    dynamicInterfaces: g.dynamicInterfaces ?? false,
    allowIfChanges: g.allowIfChanges ?? false,
    startupDelay: g.startupDelay ?? 0,
    smtp: g.smtp,
  };
  const optional = [
    'routerId',
    'garpLowerPrioDelay',
    'garpLowerPrioRepeat',
    'lowerPrioNoAdvert',
    'higherPrioSendAdvert',
    'scriptUser',
    'notifyFifo',
    'notifyFifoScript',
    'vrrpNotifyFifo',
    'vrrpNotifyFifoScript',
    'vrrpPriority',
    'vrrpIptables',
  ] as const;
  for (const k of optional) {
    if (g[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = g[k];
  }
  return out;
}

export function resolveKeepvip(k: Draft['keepvip']): KeepvipDefs {
  const out: KeepvipDefs = {
    manageIpForward: k.manageIpForward ?? true,
    ipForwardScope: k.ipForwardScope ?? 'global',
  };
  if (k.metricsListen) out.metricsListen = k.metricsListen;
  if (k.controlSocket) out.controlSocket = k.controlSocket;
  if (k.dumpDir) out.dumpDir = k.dumpDir;
  if (k.logFormat) out.logFormat = k.logFormat;
  if (k.statusFile) out.statusFile = k.statusFile;
  if (k.pos) out.pos = k.pos;
  return out;
}
