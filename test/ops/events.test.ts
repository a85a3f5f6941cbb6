import { describe, expect, it } from 'vitest';
import { EVENTS, eventFieldNames, type EventName } from '../../src/ops/events.js';
import { isSecretKey, SECRET_KEYS } from '../../src/ops/redact.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const names = Object.keys(EVENTS) as EventName[];

describe('event catalogue', () => {
  it('has snake_case names, a valid level and a message for every event', () => {
    expect(names.length).toBeGreaterThan(20);
    for (const n of names) {
      expect(n).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(LEVELS).toContain(EVENTS[n].level);
      expect(EVENTS[n].msg.length).toBeGreaterThan(2);
    }
  });

  it('never names a secret as a field', () => {
    for (const n of names) {
      for (const f of eventFieldNames(n)) expect(isSecretKey(f), `${n}.${f}`).toBe(false);
    }
    // The check itself recognises every secret key in any case.
    for (const k of SECRET_KEYS) {
      expect(isSecretKey(k)).toBe(true);
      expect(isSecretKey(k.toUpperCase())).toBe(true);
    }
  });

  it('lists no field twice and keeps instance events keyed by instance', () => {
    for (const n of names) {
      const f = eventFieldNames(n);
      expect(new Set(f).size, n).toBe(f.length);
    }
    for (const n of ['instance_state', 'instance_priority', 'advert_dropped', 'vips_added', 'cloud_claim_failed'] as const) {
      expect(EVENTS[n].fields).toContain('instance');
    }
  });
});

describe('instance, state and priority on the operator-facing events (issue 7)', () => {
  it('transitions, tracker changes and cloud claims always carry them; drops when an instance matched', () => {
    for (const n of ['tracker_changed', 'cloud_claim_started', 'cloud_claim_done', 'cloud_claim_failed'] as const) {
      expect(EVENTS[n].fields, n).toEqual(expect.arrayContaining(['instance', 'state', 'priority']));
    }
    expect(EVENTS.instance_state.fields).toEqual(expect.arrayContaining(['instance', 'to', 'priority']));
    for (const n of ['advert_dropped', 'advert_drops_suppressed'] as const) {
      expect(EVENTS[n].fields, n).toContain('instance');
      expect(eventFieldNames(n), n).toEqual(expect.arrayContaining(['state', 'priority']));
    }
    expect(eventFieldNames('cloud_warning')).toEqual(expect.arrayContaining(['instance', 'state', 'priority']));
  });

  it('logs vrrp_script output at debug level with the script, stream and output', () => {
    expect(EVENTS.script_output.level).toBe('debug');
    expect(EVENTS.script_output.fields).toEqual(['script', 'stream', 'output', 'omitted']);
  });
});
