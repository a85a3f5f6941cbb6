/**
 * The simulator's own check of SDK-HMAC-SHA256 signatures, written independently of
 * src/cloud/huaweicloud/signer.ts (encodeURIComponent-based encoding, its own parsing)
 * so a bug in the signer shows up as a rejected request. It works from what arrived on
 * the wire, as the gateway does: the raw request target is decoded and re-encoded.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const SKEW_MS = 15 * 60 * 1000;

export interface WireRequest {
  method: string;
  /** The raw request target (path and query as received). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type VerifyResult =
  | { ok: true; ak: string; signedHeaders: string[] }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown_key' | 'date' | 'skew' | 'signature'; message: string };

const AUTH_RE = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** RFC 3986 unreserved kept; encodeURIComponent also keeps !'()* which must be escaped. */
function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function dec(s: string, plusIsSpace: boolean): string {
  return decodeURIComponent(plusIsSpace ? s.replace(/\+/g, ' ') : s);
}

export function wireCanonicalUri(rawPath: string): string {
  const segs = rawPath.split('/').map((s) => enc(dec(s, false)));
  const joined = segs.join('/');
  return joined.endsWith('/') ? joined : joined + '/';
}

export function wireCanonicalQuery(rawQuery: string): string {
  const map: Record<string, string[]> = {};
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const k = dec(eq < 0 ? piece : piece.slice(0, eq), true);
    const v = eq < 0 ? '' : dec(piece.slice(eq + 1), true);
    (map[k] ??= []).push(v);
  }
  const out: string[] = [];
  Object.keys(map)
    .sort()
    .forEach((k) => {
      map[k]!.sort().forEach((v) => out.push(enc(k) + '=' + enc(v)));
    });
  return out.join('&');
}

export function parseSdkDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, se);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v.join(',') : v).trim();
}

export function verifySdkSignature(req: WireRequest, secretOf: (ak: string) => string | undefined, nowMs: number): VerifyResult {
  const auth = headerValue(req.headers, 'authorization');
  if (!auth) return { ok: false, reason: 'missing', message: 'Authorization header not found' };
  const m = AUTH_RE.exec(auth);
  if (!m) return { ok: false, reason: 'malformed', message: 'Authorization header is not SDK-HMAC-SHA256' };
  const [, ak, signedList, signature] = m as unknown as [string, string, string, string];
  const signed = signedList.split(';');
  if (!signed.includes('x-sdk-date')) return { ok: false, reason: 'malformed', message: 'x-sdk-date is not a signed header' };
  for (const h of signed) {
    if (h !== h.toLowerCase() || headerValue(req.headers, h) === undefined) {
      return { ok: false, reason: 'malformed', message: `signed header ${h} is missing` };
    }
  }
  const date = parseSdkDate(headerValue(req.headers, 'x-sdk-date')!);
  if (date === undefined) return { ok: false, reason: 'date', message: 'X-Sdk-Date is not YYYYMMDDTHHMMSSZ' };
  if (Math.abs(nowMs - date) > SKEW_MS) {
    return { ok: false, reason: 'skew', message: 'X-Sdk-Date is more than 15 minutes away from the server time' };
  }
  const sk = secretOf(ak);
  if (sk === undefined) return { ok: false, reason: 'unknown_key', message: 'the access key does not exist' };

  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
  let uri: string;
  let query: string;
  try {
    uri = wireCanonicalUri(rawPath);
    query = wireCanonicalQuery(rawQuery);
  } catch {
    return { ok: false, reason: 'malformed', message: 'bad percent-encoding in the request target' };
  }
  const canonicalHeaders = [...signed]
    .sort()
    .map((h) => `${h}:${headerValue(req.headers, h)}\n`)
    .join('');
  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  const canonical = `${req.method}\n${uri}\n${query}\n${canonicalHeaders}\n${[...signed].sort().join(';')}\n${bodyHash}`;
  const sts = `SDK-HMAC-SHA256\n${headerValue(req.headers, 'x-sdk-date')}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const expected = createHmac('sha256', sk).update(sts).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature', message: 'verify aksk signature fail' };
  }
  return { ok: true, ak, signedHeaders: signed };
}
