/** Cloud claim logging (src/ops/cloud-log.ts): every claim event carries the instance's state and priority. */
import { describe, expect, it } from 'vitest';
import type { VrrpState } from '../../src/core/fsm/types.js';
import { logCloudEvent } from '../../src/ops/cloud-log.js';
import { createLog } from '../../src/ops/log.js';
import { Metrics } from '../../src/ops/metrics.js';
import { parseExposition, sampleValue } from './helpers/prom-text.js';

describe('cloud claim events', () => {
  it("carry the instance's current state and effective priority; a provider-wide warning has none", async () => {
    const lines: string[] = [];
    const log = createLog({ format: 'json', sink: { write: (s: string) => void lines.push(s) } });
    const metrics = new Metrics({ processMetrics: false });
    let now: { state: VrrpState; priority: number } = { state: 'MASTER', priority: 150 };
    const o = { log, metrics, instanceState: () => now };
    logCloudEvent(o, 'VI_1', 'hwc', { type: 'claim_attempt', claimId: 1, vip: '192.0.2.100', attempt: 1, operation: 'claim' });
    logCloudEvent(o, 'VI_1', 'hwc', {
      type: 'claim_failure',
      claimId: 1,
      vip: '192.0.2.100',
      attempt: 1,
      operation: 'claim',
      code: 'TIMEOUT',
      message: 'no answer',
      retryable: true,
      retryInMs: 500,
    });
    now = { state: 'BACKUP', priority: 100 };
    logCloudEvent(o, 'VI_1', 'hwc', { type: 'claim_success', claimId: 1, vip: '192.0.2.100', attempt: 2, operation: 'claim', latencyMs: 812, changed: true });
    logCloudEvent(o, 'VI_1', 'hwc', { type: 'cloud_warning', code: 'DISCOVERY', message: 'discovery failed', vip: '192.0.2.100' });
    logCloudEvent(o, '-', 'hwc', { type: 'cloud_warning', code: 'CREDENTIALS', message: 'token refresh failed' });
    logCloudEvent(o, 'VI_1', 'hwc', { type: 'http', api: 'vpc', method: 'GET', path: '/v1/ports', status: 200, latencyMs: 20 });
    const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.map((r) => [r.event, r.instance, r.state, r.priority])).toEqual([
      ['cloud_claim_started', 'VI_1', 'MASTER', 150],
      ['cloud_claim_failed', 'VI_1', 'MASTER', 150],
      ['cloud_claim_done', 'VI_1', 'BACKUP', 100],
      ['cloud_warning', 'VI_1', 'BACKUP', 100],
      ['cloud_warning', undefined, undefined, undefined],
    ]);
    expect(recs[1]).toMatchObject({ provider: 'hwc', vip: '192.0.2.100', code: 'TIMEOUT', retryInMs: 500, attempt: 1 });
    expect(recs[2]).toMatchObject({ durationMs: 812, attempt: 2 });
    const e = parseExposition(await metrics.text());
    expect(sampleValue(e, 'keepvip_cloud_claim_attempts_total')).toBe(1);
    expect(sampleValue(e, 'keepvip_cloud_claim_failures_total', { code: 'TIMEOUT' })).toBe(1);
    expect(sampleValue(e, 'keepvip_cloud_claim_seconds_count')).toBe(1);
  });
});
