/**
 * Golden replay harness for the pure state machine. A scenario is JSON: the instance
 * params (over the defaults below), timed inputs, and an end time. The harness plays the
 * shell's part for timers: every ArmTimer is remembered and delivered as TimerFired when
 * due (timers due at the same time as a scripted input run first). A scripted TimerFired
 * is delivered as written (to pin stale or early callbacks) and leaves that schedule alone.
 * The transcript
 * (params, inputs, timer firings, actions, final state) is one JSON value per line and is
 * diffed against NAME.golden.jsonl.
 *
 * Advert shorthand: {"type":"AdvertReceived","from":"192.0.2.2","priority":150} builds a
 * valid advert for the instance (same VRID/version/family/VIPs/interval/auth, sent to the
 * multicast group, or to our primary address for a unicast instance, TTL 255); "advert"
 * and "meta" objects override fields ("authPass" sets the v2 auth data from text,
 * "authDataHex" from hex). Reload shorthand: {"type":"Reload","params":{...}} overrides the
 * scenario's params.
 */
import type { Advert, PacketMeta } from '../../src/core/codec/types.js';
import { createInstance, step, type InstanceState } from '../../src/core/fsm/instance.js';
import type { Action, Input, InstanceParams, TimerName } from '../../src/core/fsm/types.js';
import { advertFor, vrrpGroup } from '../../src/core/sim/lan.js';

export const DEFAULT_PARAMS: InstanceParams = {
  name: 'VI_1',
  vrid: 51,
  version: 3,
  family: 4,
  ifname: 'eth0',
  primaryIp: '192.0.2.1',
  priority: 100,
  intervalCs: 100,
  vips: ['192.0.2.100'],
  initialState: 'BACKUP',
  preempt: true,
  preemptDelayMs: 0,
  downTimerAdverts: 3,
  unicastPeers: [],
  auth: { type: 'none' },
  skipCheckAdvAddr: false,
  checkUnicastSrc: false,
  garpMasterDelayMs: 0,
  garpMasterRefreshMs: 0,
  cloudClaim: false,
  cloudRelease: false,
  manageForwarding: false,
};

type AdvertOverrides = Partial<Omit<Advert, 'authData'>> & { authPass?: string; authDataHex?: string };

export type ScenarioInput =
  | Exclude<Input, { type: 'AdvertReceived' } | { type: 'Reload' }>
  | { type: 'AdvertReceived'; from?: string; priority?: number; advert?: AdvertOverrides; meta?: Partial<PacketMeta> }
  | { type: 'Reload'; params: Partial<InstanceParams> };

export interface Scenario {
  description: string;
  /** Where the expected behaviour comes from (RFC section, keepalived). */
  source: string;
  params?: Partial<InstanceParams>;
  /** Replay ends here (ms); timers due later are not fired. */
  until: number;
  inputs: { at: number; input: ScenarioInput }[];
}

function buildAdvert(p: InstanceParams, si: Extract<ScenarioInput, { type: 'AdvertReceived' }>): Input {
  const base = advertFor(p, si.priority ?? p.priority, p.intervalCs);
  const { authPass, authDataHex, ...rest } = si.advert ?? {};
  const advert: Advert = { ...base, ...rest };
  if (authPass !== undefined) {
    const data = Buffer.alloc(8);
    data.write(authPass.slice(0, 8), 'utf8');
    advert.authData = data;
  }
  if (authDataHex !== undefined) advert.authData = Buffer.from(authDataHex, 'hex');
  const unicast = p.unicastPeers.length > 0;
  const meta: PacketMeta = {
    family: p.family,
    src: si.from ?? (p.family === 4 ? '192.0.2.2' : '2001:db8::2'),
    dst: unicast ? p.primaryIp : vrrpGroup(p.family),
    ttl: 255,
    ifname: p.ifname,
    ...si.meta,
  };
  return { type: 'AdvertReceived', meta, advert };
}

function toInput(p: InstanceParams, si: ScenarioInput): Input {
  if (si.type === 'AdvertReceived') return buildAdvert(p, si);
  if (si.type === 'Reload') return { type: 'Reload', params: { ...p, ...si.params } };
  return si;
}

export interface Replay {
  lines: string[];
  final: InstanceState;
}

/** Replay a scenario and return its transcript, one JSON value per line. */
export function replay(sc: Scenario): Replay {
  let params: InstanceParams = { ...DEFAULT_PARAMS, ...sc.params };
  let s = createInstance(params);
  const lines: string[] = [JSON.stringify({ params })];
  const armed = new Map<TimerName, { at: number; seq: number }>();
  let seq = 0;
  const apply = (at: number, input: Input) => {
    const r = step(s, input, at);
    s = r.state;
    for (const a of r.actions) {
      lines.push(JSON.stringify({ at, out: a }));
      track(a);
    }
    if (input.type === 'Reload') params = input.params;
  };
  const track = (a: Action) => {
    if (a.type === 'ArmTimer') armed.set(a.timer, { at: a.at, seq: seq++ });
    if (a.type === 'CancelTimer') armed.delete(a.timer);
  };
  const nextTimer = (): [TimerName, number] | undefined => {
    let best: [TimerName, { at: number; seq: number }] | undefined;
    for (const [name, t] of armed) {
      if (!best || t.at < best[1].at || (t.at === best[1].at && t.seq < best[1].seq)) best = [name, t];
    }
    return best && [best[0], best[1].at];
  };
  const fireUntil = (limit: number) => {
    for (;;) {
      const t = nextTimer();
      if (!t || t[1] > limit) return;
      armed.delete(t[0]);
      lines.push(JSON.stringify({ at: t[1], fired: t[0] }));
      apply(t[1], { type: 'TimerFired', timer: t[0] });
    }
  };
  const inputs = [...sc.inputs].sort((a, b) => a.at - b.at);
  for (const { at, input } of inputs) {
    if (at > sc.until) throw new Error(`input at ${at} after until ${sc.until}`);
    fireUntil(at);
    lines.push(JSON.stringify({ at, in: input }));
    apply(at, toInput(params, input));
  }
  fireUntil(sc.until);
  const { params: _p, ...rest } = s;
  lines.push(JSON.stringify({ at: sc.until, final: rest }));
  return { lines, final: s };
}
