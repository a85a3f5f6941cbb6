/**
 * From drafts to the final model: defaults, references, sync groups, duplicate VRIDs,
 * cloud settings and the script-security check, in the order keepalived 2.2.7 reports them.
 */
import type { Diagnostics, Position } from './diagnostics.js';
import type { ConfigModel, SyncGroup, VrrpInstance } from './model.js';
import type { Draft } from './keywords/drafts.js';
import type { ConfigEnv } from './env.js';
import { resolveGlobal, resolveKeepvip } from './resolve-global.js';
import { resolveTracked, resolveRefs, resolveInterfaceRefs } from './resolve-tracking.js';
import { resolveInstance } from './resolve-instance.js';
import { resolveCloudVip, resolveProviders } from './resolve-cloud.js';

export function resolve(
  draft: Draft,
  env: ConfigEnv,
  diags: Diagnostics,
  files: string[],
  configId: string,
): ConfigModel {
  const globalDefs = resolveGlobal(draft.global);
  const tracked = resolveTracked(draft, diags);
  const declared = new Set(draft.instances.map((i) => i.name));

  // Sync group membership first: it changes how member instances treat weights.
  const groupOf = new Map<string, { name: string; trackingWeight: boolean }>();
  const memberLists = new Map<string, string[]>();
  for (const g of draft.syncGroups) {
    const members: string[] = [];
    for (const m of g.members) {
      if (!declared.has(m.name)) {
        diags.warning('sync-group', `virtual router ${m.name} in sync group ${g.name} does not exist (ignored)`, m.pos);
      } else if (groupOf.has(m.name)) {
        diags.warning('sync-group', `virtual router ${m.name} cannot be in more than one sync group (ignored in ${g.name})`, m.pos);
      } else if (!members.includes(m.name)) {
        members.push(m.name);
        groupOf.set(m.name, { name: g.name, trackingWeight: g.trackingWeight });
      }
    }
    memberLists.set(g.name, members);
  }

  const cloudProviders = resolveProviders(draft.providers, diags);
  const providerNames = new Set(draft.providers.map((p) => p.name));
  const instances: VrrpInstance[] = [];
  /** Where each instance's virtual_router_id stands (a clash is reported there). */
  const vridPos = new Map<VrrpInstance, Position>();
  for (const d of draft.instances) {
    const inst = resolveInstance(d, { global: globalDefs, tracked, env, groupOf }, diags);
    if (!inst) continue;
    if (!resolveCloudVip(d, inst, cloudProviders, providerNames, diags)) continue;
    instances.push(inst);
    vridPos.set(inst, d.seen['virtual_router_id'] ?? d.pos);
  }

  // One VRID per interface and family, unless unicast peers do not overlap (keepalived rule).
  const valid: VrrpInstance[] = [];
  for (const inst of instances) {
    const clash = valid.find(
      (o) =>
        o.vrid === inst.vrid &&
        o.interface === inst.interface &&
        o.family === inst.family &&
        !(
          o.unicastPeers.length > 0 &&
          inst.unicastPeers.length > 0 &&
          !o.unicastPeers.some((p) => inst.unicastPeers.some((q) => q.address === p.address))
        ),
    );
    if (clash) {
      diags.error(
        'vrid-duplicate',
        `(${inst.name}) VRID ${inst.vrid} is already used by ${clash.name} with IPv${inst.family} on interface ${inst.interface}`,
        vridPos.get(inst) ?? inst.pos,
      );
      continue;
    }
    valid.push(inst);
  }

  const syncGroups: SyncGroup[] = [];
  for (const g of draft.syncGroups) {
    const members = (memberLists.get(g.name) ?? []).filter((m) => valid.some((i) => i.name === m));
    if (members.length === 0) {
      diags.warning('sync-group', `sync group ${g.name} has no valid member (removed)`, g.pos);
      continue;
    }
    if (members.length === 1) {
      diags.warning('sync-group', `sync group ${g.name} has only 1 virtual router: this is probably not what you want`, g.pos);
    }
    const rules = { who: `(${g.name})`, seq: g.seq ?? 0, owner: false, inSyncGroup: false };
    syncGroups.push({
      name: g.name,
      pos: g.pos,
      members,
      trackInterfaces: resolveInterfaceRefs(g.trackInterfaces, rules, env.interfaceExists, globalDefs.dynamicInterfaces, diags),
      trackScripts: resolveRefs(g.trackScripts, 'script', tracked, rules, diags),
      trackFiles: resolveRefs(g.trackFiles, 'file', tracked, rules, diags),
      trackProcesses: resolveRefs(g.trackProcesses, 'process', tracked, rules, diags),
      notify: g.notify,
      notifyPriorityChanges: g.notifyPriorityChanges ?? globalDefs.notifyPriorityChanges,
      ...(g.smtpAlert !== undefined ? { smtpAlert: g.smtpAlert } : {}),
      globalTracking: g.globalTracking,
      trackingWeight: g.trackingWeight,
    });
  }
  for (const inst of valid) {
    if (inst.syncGroup && !syncGroups.some((g) => g.name === inst.syncGroup)) delete inst.syncGroup;
  }

  const model: ConfigModel = {
    files,
    configId,
    globalDefs,
    keepvip: resolveKeepvip(draft.keepvip),
    cloudProviders,
    scripts: [...tracked.scripts.values()].map((s) => s.script),
    trackFiles: [...tracked.files.values()].map((f) => f.file),
    trackProcesses: [...tracked.processes.values()].map((p) => p.process),
    instances: valid,
    syncGroups,
  };
  checkScriptSecurity(model, diags);
  return model;
}

/** keepalived -t exits 6 when scripts are configured without enable_script_security. */
function checkScriptSecurity(model: ConfigModel, diags: Diagnostics): void {
  if (model.globalDefs.enableScriptSecurity) return;
  const g = model.globalDefs;
  const first =
    model.scripts[0]?.script?.pos ??
    model.instances.flatMap((i) => Object.values(i.notify))[0]?.pos ??
    model.syncGroups.flatMap((s) => Object.values(s.notify))[0]?.pos ??
    g.notifyFifoScript?.pos ??
    g.vrrpNotifyFifoScript?.pos;
  if (first) {
    diags.warning(
      'script-security',
      'scripts are configured but enable_script_security is not set: they run without the ownership checks',
      first,
    );
  }
}
