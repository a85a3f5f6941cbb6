/**
 * Tracker and script logging (src/ops/tracking-log.ts): tracker_changed once per instance
 * using the tracker with that instance's state and priority; vrrp_script output at debug
 * level only, clipped; timeouts and spawn errors once per script.
 */
import { describe, expect, it } from 'vitest';
import type { VrrpState } from '../../src/core/fsm/types.js';
import { createLog } from '../../src/ops/log.js';
import { clipOutput, SCRIPT_OUTPUT_LOG_LIMIT, TrackingLog, type TrackerUser } from '../../src/ops/tracking-log.js';
import { TrackingHub } from '../../src/track/hub.js';

function capture(detail: boolean) {
  const lines: string[] = [];
  const log = createLog({ format: 'json', detail, sink: { write: (s: string) => void lines.push(s) } });
  return { log, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Two instances on one hub; their state and priority are whatever the test sets. */
function setup(detail = false) {
  const c = capture(detail);
  const hub = new TrackingHub(
    [
      {
        name: 'VI_1',
        trackers: [
          { kind: 'script', name: 'chk_web', weight: -50, reverse: false },
          { kind: 'interface', name: 'eth1', weight: 0, reverse: false },
          { kind: 'file', name: 'maint', weight: 1, reverse: false },
        ],
      },
      {
        name: 'VI_2',
        trackers: [
          { kind: 'script', name: 'chk_web', weight: 0, reverse: false },
          { kind: 'process', name: 'haproxy', weight: 0, reverse: false },
        ],
      },
    ],
    [{ name: 'chk_web', rise: 1, fall: 1, initFail: false }],
  );
  const now: Record<string, { state: VrrpState; priority: number }> = {
    VI_1: { state: 'MASTER', priority: 150 },
    VI_2: { state: 'BACKUP', priority: 100 },
  };
  const t = new TrackingLog({
    log: c.log,
    usersOf: (kind, name): TrackerUser[] => hub.instancesTracking(kind, name).map((instance) => ({ instance, ...now[instance]! })),
    openChecks: new Set(['chk_port']),
  });
  hub.onTrackerChange((kind, name, up, detail) => t.trackerChanged(kind, name, up, detail));
  return { ...c, hub, t, now };
}

describe('tracker_changed', () => {
  it('is logged once per instance using the tracker, with its state and priority', () => {
    const s = setup();
    s.t.scriptEvent({ type: 'script_result', name: 'chk_web', ok: true, status: 0, signal: null, timedOut: false });
    // The same result again is no change.
    s.t.scriptEvent({ type: 'script_result', name: 'chk_web', ok: true, status: 0, signal: null, timedOut: false });
    s.now.VI_1 = { state: 'MASTER', priority: 140 };
    s.t.scriptEvent({ type: 'script_result', name: 'chk_web', ok: false, status: null, signal: 'SIGTERM', timedOut: true });
    const recs = s.records().filter((r) => r.event === 'tracker_changed');
    expect(recs.map((r) => [r.tracker, r.kind, r.up, r.instance, r.state, r.priority, r.detail])).toEqual([
      ['chk_web', 'script', true, 'VI_1', 'MASTER', 150, 'status 0'],
      ['chk_web', 'script', true, 'VI_2', 'BACKUP', 100, 'status 0'],
      ['chk_web', 'script', false, 'VI_1', 'MASTER', 140, 'timed out'],
      ['chk_web', 'script', false, 'VI_2', 'BACKUP', 100, 'timed out'],
    ]);
    expect(recs[0]).toMatchObject({ level: 'info', msg: 'tracker changed' });
  });

  it('covers tracked interfaces, track_files and vrrp_track_processes (from the hub), not untracked ones', () => {
    const s = setup();
    s.hub.linkState('eth1', true);
    s.hub.linkState('eth7', false); // nobody tracks eth7
    s.now.VI_1 = { state: 'FAULT', priority: 150 };
    s.hub.linkState('eth1', false);
    s.hub.fileValue('maint', -10);
    s.hub.processState('haproxy', true, 2);
    s.hub.processState('haproxy', true, 3); // count only: no change of state
    s.hub.processState('haproxy', false, 0);
    const recs = s.records().filter((r) => r.event === 'tracker_changed');
    expect(recs.map((r) => [r.kind, r.tracker, r.up, r.detail, r.instance, r.state, r.priority])).toEqual([
      ['interface', 'eth1', true, 'link up', 'VI_1', 'MASTER', 150],
      ['interface', 'eth1', false, 'link down', 'VI_1', 'FAULT', 150],
      ['file', 'maint', true, 'value -10', 'VI_1', 'FAULT', 150],
      ['process', 'haproxy', true, '2 processes', 'VI_2', 'BACKUP', 100],
      ['process', 'haproxy', false, '0 processes', 'VI_2', 'BACKUP', 100],
    ]);
  });

  it('reports the state before the change takes effect (cause before effect)', () => {
    const s = setup();
    const order: string[] = [];
    s.hub.onChange((instance, inputs) => order.push(`input ${instance} ${inputs.map((i) => i.type).join(',')}`));
    s.hub.onTrackerChange((_k, name) => order.push(`tracker ${name}`));
    s.hub.linkState('eth1', false);
    expect(order).toEqual(['tracker eth1', 'input VI_1 FaultChanged']);
  });

  it('the hub names the instances that track an object', () => {
    const s = setup();
    expect(s.hub.instancesTracking('script', 'chk_web')).toEqual(['VI_1', 'VI_2']);
    expect(s.hub.instancesTracking('process', 'haproxy')).toEqual(['VI_2']);
    expect(s.hub.instancesTracking('interface', 'eth7')).toEqual([]);
  });
});

describe('script_output (vrrp_script output at debug level)', () => {
  it('is logged with -D: script name, stream and the output', () => {
    const s = setup(true);
    s.t.scriptEvent({ type: 'script_output', name: 'chk_web', output: 'HTTP/1.1 503 Service Unavailable\n', dropped: 0 });
    s.t.scriptEvent({ type: 'script_output', name: 'chk_port', output: 'connect 192.0.2.10:80: ECONNREFUSED', dropped: 0 });
    const recs = s.records().filter((r) => r.event === 'script_output');
    expect(recs).toHaveLength(2);
    expect(recs[0]).toMatchObject({
      level: 'debug',
      msg: 'script output',
      script: 'chk_web',
      stream: 'stdout+stderr',
      output: 'HTTP/1.1 503 Service Unavailable',
      omitted: 0,
    });
    expect(recs[1]).toMatchObject({ script: 'chk_port', stream: 'check', output: 'connect 192.0.2.10:80: ECONNREFUSED' });
  });

  it('is not logged (nor built) without -D', () => {
    const s = setup(false);
    s.t.scriptEvent({ type: 'script_output', name: 'chk_web', output: 'something', dropped: 0 });
    expect(s.records()).toEqual([]);
  });

  it('is cut to a sane length, counting what was left out', () => {
    const s = setup(true);
    const long = 'x'.repeat(5000);
    s.t.scriptEvent({ type: 'script_output', name: 'chk_web', output: long, dropped: 300 });
    const [r] = s.records().filter((x) => x.event === 'script_output');
    expect(String(r!.output)).toHaveLength(SCRIPT_OUTPUT_LOG_LIMIT);
    expect(r!.omitted).toBe(5000 - SCRIPT_OUTPUT_LOG_LIMIT + 300);
    // Only whitespace: nothing to log.
    s.t.scriptEvent({ type: 'script_output', name: 'chk_web', output: '\n\n', dropped: 0 });
    expect(s.records().filter((x) => x.event === 'script_output')).toHaveLength(1);
  });

  it('clipOutput counts bytes left out and never splits a surrogate pair', () => {
    expect(clipOutput('ok\n', 0)).toEqual({ output: 'ok', omitted: 0 });
    expect(clipOutput('abcdé', 0, 4)).toEqual({ output: 'abcd', omitted: 2 });
    const r = clipOutput('ab😀cd', 0, 3);
    expect(r.output).toBe('ab');
    expect(r.omitted).toBe(Buffer.byteLength('😀cd'));
  });
});

describe('script timeouts and spawn errors', () => {
  it('are logged once per script, naming it as the tracker', () => {
    const s = setup();
    s.t.scriptEvent({ type: 'script_timeout', name: 'chk_web', pid: 42, timeoutMs: 2000 });
    s.t.scriptEvent({ type: 'script_spawn_error', name: 'chk_web', error: 'ENOENT: no such file' });
    s.t.scriptEvent({ type: 'script_started', name: 'chk_web', pid: 43 });
    expect(s.records().map((r) => [r.event, r.script, r.tracker])).toEqual([
      ['script_timeout', 'chk_web', 'chk_web'],
      ['script_failed', 'chk_web', 'chk_web'],
    ]);
  });
});
