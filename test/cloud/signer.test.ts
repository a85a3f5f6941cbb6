import { createRequire } from 'node:module';
import { parse as legacyParse } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  canonicalUri,
  encodeRfc3986,
  sdkDate,
  sha256Hex,
  signRequest,
} from '../../src/cloud/huaweicloud/signer.js';
import { verifySdkSignature } from '../../src/cloud/sim/verify.js';

// The official SDK's signer, loaded only here, as an independent reference.
const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js') as {
  AKSKSigner: {
    sign(
      req: { method: string; endpoint: string; headers: Record<string, string>; queryParams?: Record<string, string | string[]>; data?: unknown },
      cred: { getAk(): string; getSk(): string },
    ): Record<string, string>;
  };
};

// API signing guide vector (REFERENCE.md §3).
const VEC = {
  ak: 'QTWAOYTTINDUT2QVKYUC',
  sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
  host: 'service.region.example.com',
  path: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs',
  query: { limit: '2', marker: '13551d6b-755d-4757-b956-536f674975c0' },
  date: '20191115T033655Z',
  canonicalHash: 'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a',
  signature: '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
};

describe('SDK-HMAC-SHA256 signer: published vector', () => {
  const signed = signRequest(
    { method: 'GET', host: VEC.host, path: VEC.path, query: VEC.query, headers: { 'Content-Type': 'application/json', 'X-Sdk-Date': VEC.date } },
    { ak: VEC.ak, sk: VEC.sk },
  );

  it('canonical request hash matches', () => {
    expect(sha256Hex(signed.canonicalRequest)).toBe(VEC.canonicalHash);
    expect(signed.canonicalRequest.split('\n').slice(0, 3)).toEqual([
      'GET',
      '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
      'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
    ]);
  });

  it('signature and Authorization header match', () => {
    expect(signed.signature).toBe(VEC.signature);
    expect(signed.headers.Authorization).toBe(
      `SDK-HMAC-SHA256 Access=${VEC.ak}, SignedHeaders=content-type;host;x-sdk-date, Signature=${VEC.signature}`,
    );
    expect(signed.stringToSign).toBe(`SDK-HMAC-SHA256\n${VEC.date}\n${VEC.canonicalHash}`);
  });

  it('the date option produces the same signature as an explicit X-Sdk-Date', () => {
    const viaDate = signRequest(
      { method: 'GET', host: VEC.host, path: VEC.path, query: VEC.query, headers: { 'Content-Type': 'application/json' } },
      { ak: VEC.ak, sk: VEC.sk },
      { date: new Date(Date.UTC(2019, 10, 15, 3, 36, 55)) },
    );
    expect(viaDate.signature).toBe(VEC.signature);
  });
});

describe('canonicalisation rules', () => {
  it('RFC 3986 encoding keeps only unreserved characters, upper-case hex, UTF-8', () => {
    expect(encodeRfc3986("AZaz09-._~ !*'()/+=é")).toBe('AZaz09-._~%20%21%2A%27%28%29%2F%2B%3D%C3%A9');
    expect(encodeRfc3986('😀')).toBe('%F0%9F%98%80');
  });

  it('canonical URI always ends with a slash', () => {
    expect(canonicalUri('/v2.0/ports')).toBe('/v2.0/ports/');
    expect(canonicalUri('/v2.0/ports/')).toBe('/v2.0/ports/');
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('/a b/c')).toBe('/a%20b/c/');
  });

  it('canonical query sorts keys, then the values of a repeated key, and encodes spaces as %20', () => {
    expect(canonicalQuery({ b: ['z', 'a b'], a: '1', 'c d': '' })).toBe('a=1&b=a%20b&b=z&c%20d=');
    expect(canonicalQuery([['k', 'v2'], ['k', 'v1'], ['fixed_ips', 'ip_address=192.0.2.1']])).toBe(
      'fixed_ips=ip_address%3D192.0.2.1&k=v1&k=v2',
    );
  });

  it('X-Security-Token and X-Project-Id are signed', () => {
    const s = signRequest({ method: 'GET', host: 'h', path: '/x' }, { ak: 'a', sk: 'b', securityToken: 'tok' }, { projectId: 'p', date: new Date(0) });
    expect(s.signedHeaders).toBe('host;x-project-id;x-sdk-date;x-security-token');
    expect(s.headers['X-Security-Token']).toBe('tok');
    expect(sdkDate(new Date(0))).toBe('19700101T000000Z');
  });
});

// ---- property tests ------------------------------------------------------------------

/** Characters the SDK's legacy url.parse() keeps verbatim in a path (it re-escapes others). */
const PATH_CHARS = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ...'-._~!$&()*+,;=:@%[]',
  'é',
  'ß',
  '中',
  '😀',
];
const segment = fc
  .string({ unit: fc.constantFrom(...PATH_CHARS), minLength: 0, maxLength: 12 })
  .filter((s) => s !== '.' && s !== '..');
const pathArb = fc.array(segment, { minLength: 1, maxLength: 5 }).map((segs) => `/${segs.join('/')}`);
const queryText = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('a b', 'ip_address=192.0.2.1', '', ' ', '+', '%20', 'x&y=z', '~*\'()!'),
);
const queryArb = fc.dictionary(
  queryText.filter((k) => k.length > 0 && k !== '__proto__'),
  fc.oneof(queryText, fc.array(queryText, { minLength: 1, maxLength: 4 })),
  { maxKeys: 5 },
);
const headerName = fc
  .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), minLength: 1, maxLength: 12 })
  .map((s) => `x-${s}`)
  .filter((n) => !['x-sdk-date', 'x-security-token', 'x-project-id', 'x-sdk-content-sha256'].includes(n));
const headerValue = fc
  .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,;:/=+*()[]{}"\''), maxLength: 20 })
  .map((s) => s.trim());
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD'),
  host: fc.constantFrom('vpc.sim-region-1.myhuaweicloud.com', '127.0.0.1:8788', 'service.region.example.com', '[2001:db8::1]:8443'),
  path: pathArb,
  query: queryArb,
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
  body: fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), { nil: undefined }),
  date: fc.date({ min: new Date('2001-01-01T00:00:00Z'), max: new Date('2098-12-31T23:59:59Z'), noInvalidDate: true }),
  ak: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: 20, maxLength: 20 }),
  sk: fc.string({ minLength: 1, maxLength: 40 }),
});

type GenRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

describe('cross-check against the official SDK signer', () => {
  it('produces the same Authorization header on random requests', () => {
    let compared = 0;
    fc.assert(
      fc.property(requestArb, (r) => {
        fc.pre(legacyParse(`https://${r.host}${r.path}`).pathname === r.path);
        const date = sdkDate(r.date);
        const headers = { 'Content-Type': 'application/json', 'X-Sdk-Date': date, ...r.headers };
        const body = r.body === undefined ? undefined : JSON.stringify(r.body);
        const ours = signRequest(
          { method: r.method, host: r.host, path: r.path, query: r.query, headers, ...(body === undefined ? {} : { body }) },
          { ak: r.ak, sk: r.sk },
        );
        const sdk = AKSKSigner.sign(
          {
            method: r.method,
            endpoint: `https://${r.host}${r.path}`,
            headers: { ...headers },
            queryParams: structuredClone(r.query),
            ...(r.body === undefined ? {} : { data: r.body }),
          },
          { getAk: () => r.ak, getSk: () => r.sk },
        );
        expect(ours.headers.Authorization).toBe(sdk.Authorization);
        compared++;
      }),
      { seed: 20240521, numRuns: 400 },
    );
    expect(compared).toBeGreaterThan(300);
  });
});

describe("the simulator's independent verifier accepts what the signer produces", () => {
  function wire(r: GenRequest) {
    const body = r.body === undefined ? '' : JSON.stringify(r.body);
    const s = signRequest(
      { method: r.method, host: r.host, path: r.path, query: r.query, headers: { 'Content-Type': 'application/json', ...r.headers }, body },
      { ak: r.ak, sk: r.sk, securityToken: 'tok' },
      { date: r.date, projectId: 'p1' },
    );
    // What an HTTP server hands over: lower-case names, trimmed values.
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.headers)) headers[k.toLowerCase()] = v.trim();
    return { method: r.method, url: s.pathAndQuery, headers, body: Buffer.from(body) };
  }

  it('on random requests, and rejects any tampering', () => {
    fc.assert(
      fc.property(requestArb, fc.nat(), (r, pick) => {
        const w = wire(r);
        const ok = verifySdkSignature(w, (ak) => (ak === r.ak ? r.sk : undefined), r.date.getTime());
        expect(ok).toMatchObject({ ok: true, ak: r.ak });
        // Tamper with one thing at a time: body, path, query, a signed header, the clock.
        const variants = [
          { ...w, body: Buffer.concat([w.body, Buffer.from(' ')]) },
          { ...w, url: w.url.replace(/^\/?/, '/z') },
          { ...w, url: w.url + (w.url.includes('?') ? '&' : '?') + 'extra=1' },
          { ...w, headers: { ...w.headers, 'x-security-token': 'other' } },
          { ...w, method: w.method === 'GET' ? 'PUT' : 'GET' },
        ];
        const bad = variants[pick % variants.length]!;
        expect(verifySdkSignature(bad, (ak) => (ak === r.ak ? r.sk : undefined), r.date.getTime())).toMatchObject({ ok: false });
        expect(verifySdkSignature(w, () => r.sk + 'x', r.date.getTime())).toMatchObject({ ok: false, reason: 'signature' });
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('enforces the 15-minute skew window both ways', () => {
    const r: GenRequest = { method: 'GET', host: '127.0.0.1:8788', path: '/v2.0/ports', query: {}, headers: {}, body: undefined, date: new Date('2024-05-01T12:00:00Z'), ak: 'AK', sk: 'SK' };
    const w = wire(r);
    const at = (min: number) => verifySdkSignature(w, () => 'SK', r.date.getTime() + min * 60_000);
    expect(at(14.9)).toMatchObject({ ok: true });
    expect(at(-14.9)).toMatchObject({ ok: true });
    expect(at(15.1)).toMatchObject({ ok: false, reason: 'skew' });
    expect(at(-15.1)).toMatchObject({ ok: false, reason: 'skew' });
  });
});
