/**
 * From keepalived.conf text to tracking inputs, without a network (issue 5, trackers):
 * parseConfigText -> instanceTrackers (src/shell/health.ts, what the daemon builds its
 * TrackingHub from) -> TrackingHub -> the PriorityChanged / FaultChanged inputs the state
 * machine gets. Covers
 *   - the instance's own interface tracked (weight 0: FAULT when down) unless
 *     `dont_track_primary`;
 *   - a per-instance `track_script { chk weight -30 }` overriding the script's own weight
 *     (another instance referencing the same script keeps the script's weight);
 *   - sync-group tracking: a group's track_script reaches every member; a weighted tracker
 *     of a member is ignored (keepalived 2.2.7, unless sync_group_tracking_weight), a
 *     weight-0 one faults that member.
 * The group-wide FAULT that follows a member's FAULT is the state machine's (test/fsm/
 * syncgroup.test.ts) and is shown on the wire in test/integration/tracking-runtime.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { instanceTrackers } from '../../src/shell/health.js';
import { TrackingHub, type TrackingInput } from '../../src/track/hub.js';

const env = { interfaceExists: (n: string) => ['eth0', 'eth1'].includes(n) };

function instance(name: string, vrid: number, extra: string[] = [], priority = 100): string {
  return [
    `vrrp_instance ${name} {`,
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${vrid}`,
    `    priority ${priority}`,
    '    advert_int 1',
    ...extra.map((l) => `    ${l}`),
    '    virtual_ipaddress {',
    `        192.0.2.${100 + vrid}/24`,
    '    }',
    '}',
  ].join('\n');
}

function build(text: string) {
  const r = parseConfigText(text, { configId: 'n1', env });
  expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
  const model = r.model;
  const scripts = model.scripts.map((s) => ({ name: s.name, rise: s.rise, fall: s.fall, initFail: s.initFail }));
  const hub = new TrackingHub(instanceTrackers(model), scripts);
  const seen: Array<{ instance: string; inputs: TrackingInput[] }> = [];
  hub.onChange((instance, inputs) => {
    if (inputs.length) seen.push({ instance, inputs });
  });
  const base = (name: string) => model.instances.find((i) => i.name === name)!.priority;
  const effective = (name: string) => hub.explain(name, base(name)).effective;
  return { model, hub, seen, effective, diagnostics: r.diagnostics };
}

describe('instance trackers from the configuration', () => {
  it('tracks the instance interface (FAULT when down) unless dont_track_primary', () => {
    const { hub, seen } = build([instance('KEEP', 1, ['dont_track_primary']), instance('TRACK', 2)].join('\n'));
    const trackers = Object.fromEntries(hub.instanceNames().map((n) => [n, hub.snapshot(n).contributions.map((c) => `${c.source}/${c.weight}`)]));
    expect(trackers).toEqual({ KEEP: [], TRACK: ['interface:eth0/0'] });

    hub.linkState('eth0', false);
    expect(seen).toEqual([{ instance: 'TRACK', inputs: [{ type: 'FaultChanged', source: 'interface:eth0', fault: true }] }]);
    expect(hub.snapshot('KEEP').faults).toEqual([]);
    expect(hub.snapshot('TRACK').faults).toEqual(['interface:eth0']);

    hub.linkState('eth0', true);
    expect(seen.at(-1)).toEqual({ instance: 'TRACK', inputs: [{ type: 'FaultChanged', source: 'interface:eth0', fault: false }] });
    expect(seen.every((s) => s.instance === 'TRACK')).toBe(true);
  });

  it('dont_track_primary still honours an explicit track_interface of the same interface', () => {
    const { hub } = build(instance('VI_1', 1, ['dont_track_primary', 'track_interface {', '    eth0 weight -20', '}']));
    hub.linkState('eth0', false);
    // Weighted: a priority drop, no FAULT.
    expect(hub.snapshot('VI_1')).toMatchObject({ adjustment: -20, faults: [] });
  });

  it('track_script { chk weight -30 } overrides the script weight for that instance only', () => {
    const text = [
      'vrrp_script chk {',
      '    script "/bin/true"',
      '    weight -10',
      '}',
      instance('OVERRIDE', 1, ['track_script {', '    chk weight -30', '}'], 150),
      instance('DEFAULT', 2, ['track_script {', '    chk', '}'], 150),
      instance('ZERO', 3, ['track_script {', '    chk weight 0', '}'], 150),
    ].join('\n');
    const { hub, seen, effective } = build(text);
    const weightOf = (n: string) => hub.snapshot(n).contributions.find((c) => c.source === 'script:chk')?.weight;
    expect([weightOf('OVERRIDE'), weightOf('DEFAULT'), weightOf('ZERO')]).toEqual([-30, -10, 0]);

    hub.scriptResult('chk', true);
    expect([effective('OVERRIDE'), effective('DEFAULT'), effective('ZERO')]).toEqual([150, 150, 150]);
    seen.length = 0;
    hub.scriptResult('chk', false);
    expect(seen).toEqual([
      { instance: 'OVERRIDE', inputs: [{ type: 'PriorityChanged', adjustment: -30 }] },
      { instance: 'DEFAULT', inputs: [{ type: 'PriorityChanged', adjustment: -10 }] },
      { instance: 'ZERO', inputs: [{ type: 'FaultChanged', source: 'script:chk', fault: true }] },
    ]);
    expect([effective('OVERRIDE'), effective('DEFAULT')]).toEqual([120, 140]);
    expect(hub.snapshot('ZERO').faults).toEqual(['script:chk']);
  });

  it('a positive override and reverse are taken from the reference as well', () => {
    const text = ['vrrp_script chk {', '    script "/bin/true"', '    weight -10', '}', instance('VI_1', 1, ['track_script {', '    chk weight 25 reverse', '}'])].join('\n');
    const { hub, effective } = build(text);
    expect(hub.snapshot('VI_1').contributions[0]).toMatchObject({ source: 'script:chk', weight: 25, reverse: true });
    // keepalived's reverse negates the adjustment: weight 25 reverse is -25 while OK, 0 while failed.
    hub.scriptResult('chk', true);
    expect(effective('VI_1')).toBe(75);
    hub.scriptResult('chk', false);
    expect(effective('VI_1')).toBe(100);
  });

  it('sync group: the group track_script reaches every member; a failure faults each of them', () => {
    const text = [
      'vrrp_script gchk {',
      '    script "/bin/true"',
      '}',
      instance('VI_1', 1),
      instance('VI_2', 2),
      instance('OTHER', 3),
      'vrrp_sync_group G {',
      '    group {',
      '        VI_1',
      '        VI_2',
      '    }',
      '    track_script {',
      '        gchk',
      '    }',
      '}',
    ].join('\n');
    const { hub, seen, model } = build(text);
    expect(model.syncGroups.map((g) => [g.name, g.members])).toEqual([['G', ['VI_1', 'VI_2']]]);
    const scriptsOf = (n: string) => hub.snapshot(n).contributions.filter((c) => c.kind === 'script').map((c) => c.source);
    expect([scriptsOf('VI_1'), scriptsOf('VI_2'), scriptsOf('OTHER')]).toEqual([['script:gchk'], ['script:gchk'], []]);
    hub.scriptResult('gchk', true);
    seen.length = 0;
    hub.scriptResult('gchk', false);
    const fault = [{ type: 'FaultChanged', source: 'script:gchk', fault: true }];
    expect(seen).toEqual([
      { instance: 'VI_1', inputs: fault },
      { instance: 'VI_2', inputs: fault },
    ]);
  });

  it('sync group member: a weight-0 tracker faults it; a weighted one is ignored unless sync_group_tracking_weight', () => {
    const group = (weighted: boolean) =>
      [
        'vrrp_script hard {',
        '    script "/bin/true"',
        '}',
        'vrrp_script soft {',
        '    script "/bin/true"',
        '    weight -50',
        '}',
        instance('VI_1', 1, ['track_script {', '    hard', '    soft', '}'], 150),
        instance('VI_2', 2, [], 150),
        'vrrp_sync_group G {',
        '    group {',
        '        VI_1',
        '        VI_2',
        '    }',
        ...(weighted ? ['    sync_group_tracking_weight'] : []),
        '}',
      ].join('\n');

    const plain = build(group(false));
    expect(plain.hub.snapshot('VI_1').contributions.filter((c) => c.kind === 'script').map((c) => c.source)).toEqual(['script:hard']);
    expect(plain.diagnostics.some((d) => /soft/.test(d.message) && /sync group/.test(d.message))).toBe(true);
    plain.hub.scriptResult('hard', true);
    plain.hub.scriptResult('soft', false);
    expect(plain.effective('VI_1')).toBe(150);
    plain.hub.scriptResult('hard', false);
    expect(plain.hub.snapshot('VI_1').faults).toEqual(['script:hard']);
    expect(plain.hub.snapshot('VI_2').faults).toEqual([]);

    const weighted = build(group(true));
    weighted.hub.scriptResult('hard', true);
    weighted.hub.scriptResult('soft', false);
    expect(weighted.effective('VI_1')).toBe(100);
  });
});
