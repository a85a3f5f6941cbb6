import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CloudApiError, parseCloudError, parseRetryAfter } from '../../src/cloud/errors.js';
import { Secret } from '../../src/cloud/secret.js';
import { leakedSecrets } from './helpers.js';

const h = (o: Record<string, string> = {}) => new Headers(o);

describe('error formats', () => {
  it('Huawei-native VPC.xxxx', () => {
    const e = parseCloudError(400, '{"code":"VPC.0002","message":"invalid port"}', h({ 'X-Request-Id': 'r1' }), 'PUT /v1/p/ports/x');
    expect(e).toMatchObject({ code: 'VPC.0002', status: 400, message: 'invalid port', requestId: 'r1', format: 'vpc', retryable: false, operation: 'PUT /v1/p/ports/x' });
  });

  it('NeutronError', () => {
    const e = parseCloudError(404, '{"NeutronError":{"type":"PortNotFound","message":"Port x could not be found.","detail":""}}', h({ 'X-Openstack-Request-Id': 'req-2' }));
    expect(e).toMatchObject({ code: 'PortNotFound', status: 404, message: 'Port x could not be found.', requestId: 'req-2', format: 'neutron' });
  });

  it('API gateway, with the request id from the body when no header carries it', () => {
    const e = parseCloudError(429, '{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"abc"}', h({ 'Retry-After': '2' }));
    expect(e).toMatchObject({ code: 'APIGW.0308', status: 429, requestId: 'abc', retryAfterMs: 2000, retryable: true, format: 'apigw' });
  });

  it('Keystone, and unknown bodies', () => {
    expect(parseCloudError(401, '{"error":{"code":401,"title":"Unauthorized","message":"auth needed"}}', h())).toMatchObject({
      code: 'KEYSTONE.Unauthorized',
      format: 'keystone',
    });
    expect(parseCloudError(502, '<html>Bad gateway</html>', h())).toMatchObject({ code: 'HTTP_502', retryable: true, format: 'unknown', message: '<html>Bad gateway</html>' });
  });

  it('retryability: timeouts, network errors, 5xx, 429 only', () => {
    const mk = (status: number, code: string) => new CloudApiError({ status, code, message: '' }).retryable;
    expect([mk(0, 'TIMEOUT'), mk(0, 'NETWORK_ERROR'), mk(500, 'x'), mk(503, 'x'), mk(429, 'x')]).toEqual([true, true, true, true, true]);
    expect([mk(0, 'CANCELLED'), mk(400, 'x'), mk(401, 'x'), mk(403, 'x'), mk(404, 'x'), mk(409, 'x')]).toEqual([false, false, false, false, false, false]);
  });

  it('Retry-After as seconds or HTTP-date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('Secret', () => {
  it('never shows its value through JSON, inspect, String or templates', () => {
    const s = new Secret('hunter2-very-secret');
    const holder = { password: s, nested: { list: [s] } };
    const shown = [JSON.stringify(holder), inspect(holder, { depth: 10 }), String(s), `${s}`, s + ''].join('|');
    expect(shown).not.toContain('hunter2');
    expect(shown).toContain('***');
    expect(s.reveal()).toBe('hunter2-very-secret');
    expect(s.equals('hunter2-very-secret')).toBe(true);
    expect(s.equals('hunter2-very-secreT')).toBe(false);
    expect(Object.keys(s)).toEqual([]);
  });

  it('the leak detector used by every cloud test file does find a leak', () => {
    expect(leakedSecrets(inspect({ env: { OS_PASSWORD: 'kvPassw0rdZx9Qm27Lp' } }), ['kvPassw0rdZx9Qm27Lp'])).toHaveLength(1);
    expect(leakedSecrets('nothing here', ['kvPassw0rdZx9Qm27Lp'])).toEqual([]);
  });
});
