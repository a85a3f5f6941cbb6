import { describe, expect, it } from 'vitest';
import { TrackingHub, type TrackingInput, type TrackerRef } from '../../src/track/hub.js';

function setup(trackers: TrackerRef[], scripts = [{ name: 'chk', rise: 1, fall: 1, initFail: false }]) {
  const hub = new TrackingHub([{ name: 'VI_1', trackers }], scripts);
  const seen: TrackingInput[][] = [];
  hub.onChange((_i, inputs) => seen.push(inputs));
  return { hub, seen };
}

describe('TrackingHub', () => {
  it('reports a weight-0 script failure and recovery as FaultChanged at once', () => {
    const { hub, seen } = setup([{ kind: 'script', name: 'chk', weight: 0, reverse: false }]);
    expect(hub.snapshot('VI_1').pendingFaultSources).toEqual(['script:chk']);
    hub.scriptResult('chk', true);
    expect(hub.snapshot('VI_1').pending).toEqual([]);
    expect(seen).toEqual([[]]); // pending cleared: a change with no inputs
    hub.scriptResult('chk', false);
    hub.scriptResult('chk', false);
    hub.scriptResult('chk', true);
    expect(seen.slice(1)).toEqual([[{ type: 'FaultChanged', source: 'script:chk', fault: true }], [{ type: 'FaultChanged', source: 'script:chk', fault: false }]]);
  });

  it('sums weights of every kind into one PriorityChanged', () => {
    const { hub, seen } = setup(
      [
        { kind: 'script', name: 'chk', weight: -20, reverse: false },
        { kind: 'interface', name: 'eth1', weight: 5, reverse: false },
        { kind: 'file', name: 'f', weight: 2, reverse: false },
        { kind: 'process', name: 'haproxy', weight: 7, reverse: false },
      ],
      [{ name: 'chk', rise: 1, fall: 1, initFail: false }],
    );
    hub.linkState('eth1', true); // +5
    hub.fileValue('f', 3); // +6
    hub.processState('haproxy', true, 2); // +7
    hub.scriptResult('chk', false); // -20
    expect(hub.snapshot('VI_1').adjustment).toBe(-2);
    expect(seen.map((s) => s.at(-1))).toEqual([
      { type: 'PriorityChanged', adjustment: 11 },
      { type: 'PriorityChanged', adjustment: 18 },
      { type: 'PriorityChanged', adjustment: -2 },
    ]);
    // linkState eth1 up: unknown counted as up already, so no change was reported for it.
    expect(seen).toHaveLength(3);
  });

  it('does not report a process count change that leaves the quorum state alone', () => {
    const { hub, seen } = setup([{ kind: 'process', name: 'p', weight: 0, reverse: false }]);
    hub.processState('p', true, 1);
    hub.processState('p', true, 2);
    expect(seen).toEqual([[]]);
    expect(hub.snapshot('VI_1').contributions[0]!.status).toBe('2 processes');
    hub.processState('p', false, 0);
    expect(seen.at(-1)).toEqual([{ type: 'FaultChanged', source: 'process:p', fault: true }]);
  });

  it('puts the instance in FAULT for a down weight-0 interface and a file <= -254', () => {
    const { hub } = setup([
      { kind: 'interface', name: 'eth0', weight: 0, reverse: false },
      { kind: 'file', name: 'f', weight: 1, reverse: false },
    ]);
    hub.linkState('eth0', false);
    hub.fileValue('f', -254);
    expect(hub.snapshot('VI_1').faults).toEqual(['interface:eth0', 'file:f']);
    expect(hub.initialInputs('VI_1')).toEqual([
      { type: 'FaultChanged', source: 'interface:eth0', fault: true },
      { type: 'FaultChanged', source: 'file:f', fault: true },
    ]);
  });

  it('init_fail counts as failed before the first result (weight < 0 subtracts, weight 0 faults)', () => {
    const hub = new TrackingHub(
      [
        { name: 'A', trackers: [{ kind: 'script', name: 's', weight: -10, reverse: false }] },
        { name: 'B', trackers: [{ kind: 'script', name: 's', weight: 0, reverse: false }] },
      ],
      [{ name: 's', rise: 3, fall: 3, initFail: true }],
    );
    expect(hub.snapshot('A').adjustment).toBe(-10);
    expect(hub.snapshot('B').faults).toEqual(['script:s']);
    expect(hub.snapshot('B').pending).toEqual([]);
    hub.scriptResult('s', true); // first result alone decides, despite rise 3
    expect(hub.snapshot('A').adjustment).toBe(0);
    expect(hub.snapshot('B').faults).toEqual([]);
  });

  it('without init_fail a pending weighted script adds nothing (keepalived: 200 until the first result)', () => {
    const { hub } = setup([{ kind: 'script', name: 'chk', weight: 10, reverse: false }]);
    expect(hub.snapshot('VI_1').adjustment).toBe(0);
    hub.scriptResult('chk', true);
    expect(hub.snapshot('VI_1').adjustment).toBe(10);
  });

  it('drops a removed (refused) tracker from the instance', () => {
    const { hub, seen } = setup([{ kind: 'script', name: 'chk', weight: 0, reverse: false }]);
    hub.remove('script', 'chk');
    expect(hub.snapshot('VI_1')).toMatchObject({ faults: [], pending: [], contributions: [] });
    expect(seen).toEqual([[]]);
  });

  it('explains the effective priority', () => {
    const { hub } = setup([
      { kind: 'script', name: 'chk', weight: -30, reverse: false },
      { kind: 'interface', name: 'eth1', weight: 0, reverse: false },
    ]);
    hub.scriptResult('chk', false);
    hub.linkState('eth1', false);
    const e = hub.explain('VI_1', 100);
    expect(e.effective).toBe(70);
    expect(e.text).toBe('70 = 100 -30 script:chk (failed); FAULT: interface:eth1');
    expect(hub.explain('VI_1', 20).text).toBe('1 = 20 -30 script:chk (failed) (clamped to 1..254 from -10); FAULT: interface:eth1');
    expect(hub.explain('VI_1', 255)).toMatchObject({ effective: 255, owner: true });
  });

  it('notifies every instance that tracks the same object', () => {
    const hub = new TrackingHub(
      [
        { name: 'A', trackers: [{ kind: 'file', name: 'f', weight: 1, reverse: false }] },
        { name: 'B', trackers: [{ kind: 'file', name: 'f', weight: -1, reverse: false }] },
        { name: 'C', trackers: [] },
      ],
      [],
    );
    const got: string[] = [];
    hub.onChange((i, inputs) => got.push(`${i}:${JSON.stringify(inputs)}`));
    hub.fileValue('f', 4);
    expect(got).toEqual(['A:[{"type":"PriorityChanged","adjustment":4}]', 'B:[{"type":"PriorityChanged","adjustment":-4}]']);
  });
});
