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
