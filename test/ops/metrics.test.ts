import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/ops/metrics.js';
import { parseListenAddress, startMetricsServer, type MetricsServer } from '../../src/ops/metrics-server.js';
import { DROP_REASONS } from '../../src/core/codec/errors.js';
import { TrackingHub } from '../../src/track/hub.js';
import { TrackingLog } from '../../src/ops/tracking-log.js';
import { parseExposition, sampleValue } from './helpers/prom-text.js';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics over HTTP', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves every keepvip series with the values set, scraped from 127.0.0.1:0', async () => {
    const m = new Metrics({ version: '0.1.0' });
    m.addInstance('VI_1', 'INIT', 150, 150);
    m.addInstance('VI_2', 'BACKUP', 100, 100);
    m.transition('VI_1', 'INIT', 'BACKUP');
    m.transition('VI_1', 'BACKUP', 'MASTER');
    m.setPriority('VI_1', 150, 160);
    m.advertSent('VI_1', 3);
    m.advertSent('VI_1');
    for (let i = 0; i < 7; i++) m.advertReceived('VI_2');
    for (let i = 0; i < 5; i++) m.advertDropped('VI_2', 'auth_mismatch');
    m.advertDropped('VI_1', 'checksum');
    m.trackerUp('chk_haproxy', 'script', true);
    m.trackerUp('eth1', 'interface', false);
    m.garpSent('VI_1', 5);
    m.claimAttempt();
    m.claimAttempt();
    m.claimFailed('APIGW.0308');
    m.claimSucceeded(0.7);

    server = await startMetricsServer({ listen: parseListenAddress('127.0.0.1:0'), text: () => m.text(), contentType: m.registry.contentType });
    expect(server.address.port).toBeGreaterThan(0);
    const res = await get(server.address.port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    const e = parseExposition(res.body);
    const v = (name: string, labels?: Record<string, string>) => sampleValue(e, name, labels);

    expect(v('keepvip_instance_state', { instance: 'VI_1' })).toBe(2);
    expect(v('keepvip_instance_state', { instance: 'VI_2' })).toBe(1);
    expect(v('keepvip_instance_priority', { instance: 'VI_1', kind: 'base' })).toBe(150);
    expect(v('keepvip_instance_priority', { instance: 'VI_1', kind: 'effective' })).toBe(160);
    expect(v('keepvip_adverts_sent_total', { instance: 'VI_1' })).toBe(4);
    expect(v('keepvip_adverts_sent_total', { instance: 'VI_2' })).toBe(0);
    expect(v('keepvip_adverts_received_total', { instance: 'VI_2' })).toBe(7);
    expect(v('keepvip_adverts_dropped_total', { instance: 'VI_2', reason: 'auth_mismatch' })).toBe(5);
    expect(v('keepvip_adverts_dropped_total', { instance: 'VI_1', reason: 'checksum' })).toBe(1);
    // Every reason exists from the start, at 0, so rate() works at once.
    for (const r of DROP_REASONS) expect(v('keepvip_adverts_dropped_total', { instance: 'VI_2', reason: r })).toBeTypeOf('number');
    expect(v('keepvip_transitions_total', { instance: 'VI_1', from: 'INIT', to: 'BACKUP' })).toBe(1);
    expect(v('keepvip_transitions_total', { instance: 'VI_1', from: 'BACKUP', to: 'MASTER' })).toBe(1);
    expect(v('keepvip_tracker_up', { tracker: 'chk_haproxy', kind: 'script' })).toBe(1);
    expect(v('keepvip_tracker_up', { tracker: 'eth1', kind: 'interface' })).toBe(0);
    expect(v('keepvip_garp_sent_total', { instance: 'VI_1' })).toBe(5);
    expect(v('keepvip_cloud_claim_attempts_total')).toBe(2);
    expect(v('keepvip_cloud_claim_failures_total', { code: 'APIGW.0308' })).toBe(1);
    expect(v('keepvip_cloud_claim_seconds_count')).toBe(1);
    expect(v('keepvip_cloud_claim_seconds_sum')).toBeCloseTo(0.7);
    expect(v('keepvip_cloud_claim_seconds_bucket', { le: '0.5' })).toBe(0);
    expect(v('keepvip_cloud_claim_seconds_bucket', { le: '1' })).toBe(1);
    expect(v('keepvip_build_info', { version: '0.1.0' })).toBe(1);
    expect(e.types.get('keepvip_instance_state')).toBe('gauge');
    expect(e.types.get('keepvip_adverts_dropped_total')).toBe('counter');
    expect(e.types.get('keepvip_cloud_claim_seconds')).toBe('histogram');
    // Process metrics from prom-client's default collectors.
    expect(v('process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(e.samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('removes an instance’s series on reload', async () => {
    const m = new Metrics({ processMetrics: false });
    m.addInstance('VI_9', 'BACKUP', 100, 100);
    m.advertDropped('VI_9', 'ttl');
    m.removeInstance('VI_9');
    const e = parseExposition(await m.text());
    expect(e.samples.filter((s) => s.labels.instance === 'VI_9')).toEqual([]);
    // And a re-added instance starts from zero.
    m.addInstance('VI_9', 'BACKUP', 100, 100);
    expect(sampleValue(parseExposition(await m.text()), 'keepvip_adverts_dropped_total', { instance: 'VI_9', reason: 'ttl' })).toBe(0);
  });

  it('uses its own registry: two instances do not share series', async () => {
    const a = new Metrics({ processMetrics: false });
    const b = new Metrics({ processMetrics: false });
    a.advertSent('VI_1', 2);
    expect(sampleValue(parseExposition(await b.text()), 'keepvip_adverts_sent_total', { instance: 'VI_1' })).toBeUndefined();
  });

  it('answers 404 off /metrics, 405 for other methods, and HEAD without a body', async () => {
    const m = new Metrics({ processMetrics: false });
    server = await startMetricsServer({ listen: { host: '127.0.0.1', port: 0 }, text: () => m.text(), contentType: m.registry.contentType });
    expect((await get(server.address.port, '/')).status).toBe(404);
    expect((await get(server.address.port, '/metrics', 'POST')).status).toBe(405);
    const head = await get(server.address.port, '/metrics?x=1', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});

describe('metrics_listen parsing', () => {
  it('accepts ADDR:PORT, [IPV6]:PORT, host names and :PORT', () => {
    expect(parseListenAddress('127.0.0.1:9650')).toEqual({ host: '127.0.0.1', port: 9650 });
    expect(parseListenAddress('[::1]:9650')).toEqual({ host: '::1', port: 9650 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListenAddress(':9650')).toEqual({ host: '::', port: 9650 });
  });

  it('rejects anything else with METRICS_LISTEN_INVALID', () => {
    for (const bad of ['9650', '127.0.0.1', '127.0.0.1:70000', '::1:9650', '[192.0.2.1]:80', 'a b:1', '127.0.0.1:']) {
      expect(() => parseListenAddress(bad), bad).toThrow(expect.objectContaining({ code: 'METRICS_LISTEN_INVALID' }));
    }
  });
});

describe('keepvip_tracker_up for every kind of tracker', () => {
  it('follows tracked interfaces, track_files and vrrp_track_processes as well as scripts', async () => {
    const m = new Metrics({ processMetrics: false });
    const hub = new TrackingHub(
      [
        {
          name: 'VI_1',
          trackers: [
            { kind: 'interface', name: 'eth0', weight: 0, reverse: false },
            { kind: 'file', name: 'maint', weight: 1, reverse: false },
            { kind: 'process', name: 'haproxy', weight: -20, reverse: false },
            { kind: 'script', name: 'chk', weight: 10, reverse: false },
          ],
        },
      ],
      [{ name: 'chk', rise: 1, fall: 1, initFail: false }],
    );
    const tlog = new TrackingLog({
      log: { event: () => undefined, enabled: () => false },
      metrics: m,
      usersOf: () => [],
    });
    hub.onTrackerChange((kind, name, up, detail) => tlog.trackerChanged(kind, name, up, detail));
    const v = async (tracker: string, kind: string) =>
      sampleValue(parseExposition(await m.text()), 'keepvip_tracker_up', { tracker, kind });

    hub.linkState('eth0', true);
    hub.linkState('eth9', false); // tracked by nobody: no series
    hub.fileValue('maint', 5);
    hub.processState('haproxy', true, 2);
    tlog.scriptEvent({ type: 'script_result', name: 'chk', ok: true, status: 0, signal: null, timedOut: false });
    expect(await v('eth0', 'interface')).toBe(1);
    expect(await v('eth9', 'interface')).toBeUndefined();
    expect(await v('maint', 'file')).toBe(1);
    expect(await v('haproxy', 'process')).toBe(1);
    expect(await v('chk', 'script')).toBe(1);

    hub.linkState('eth0', false);
    hub.fileValue('maint', -254); // value x weight <= -254: FAULT
    hub.processState('haproxy', false, 0);
    tlog.scriptEvent({ type: 'script_result', name: 'chk', ok: false, status: 1, signal: null, timedOut: false });
    expect(await v('eth0', 'interface')).toBe(0);
    expect(await v('maint', 'file')).toBe(0);
    expect(await v('haproxy', 'process')).toBe(0);
    expect(await v('chk', 'script')).toBe(0);

    hub.linkState('eth0', true);
    hub.fileValue('maint', -3); // a negative value that only lowers the priority is still "up"
    hub.processState('haproxy', true, 1);
    expect(await v('eth0', 'interface')).toBe(1);
    expect(await v('maint', 'file')).toBe(1);
    expect(await v('haproxy', 'process')).toBe(1);
  });
});
