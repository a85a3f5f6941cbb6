/**
 * Huawei Cloud API gateway request signing, "SDK-HMAC-SHA256" (the AK/SK scheme of the
 * API signing guide), on node:crypto only.
 *
 *   CanonicalRequest = METHOD \n URI \n QUERY \n HEADERS \n SIGNED \n hex(sha256(body))
 *   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(CanonicalRequest))
 *   Signature        = hex(HMAC-SHA256(SK, StringToSign))      (no key derivation)
 *   Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b;c, Signature=...
 *
 * Paths and query values are given decoded (logical); the same encoding is used for the
 * canonical form and for the request that goes on the wire, so the gateway, which decodes
 * what it receives and re-encodes it, computes the same canonical request.
 */
import { createHash, createHmac } from 'node:crypto';

export const ALGORITHM = 'SDK-HMAC-SHA256';

/** Query parameters: a record (arrays for repeated keys) or ordered pairs. */
export type QueryParams = Record<string, string | number | Array<string | number>> | Array<[string, string | number]>;

export interface SignableRequest {
  method: string;
  /** host[:port] exactly as the Host header will carry it. */
  host: string;
  /** Decoded path, e.g. `/v1/{project_id}/ports/{id}`. */
  path: string;
  query?: QueryParams;
  /** Headers to send and sign (besides host and x-sdk-date, which are added). */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface SigningKey {
  ak: string;
  sk: string;
  /** Temporary credentials: sent and signed as X-Security-Token. */
  securityToken?: string;
}

export interface SignOptions {
  /** Signing time (defaults to now). */
  date?: Date;
  /** Adds X-Project-Id (project-scoped services), signed like any other header. */
  projectId?: string;
}

export interface SignedRequest {
  /** Every header to send, Authorization included (names as given, host lowercase). */
  headers: Record<string, string>;
  /** Path and query as they must go on the wire (encoded exactly as signed). */
  pathAndQuery: string;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string;
}

const HEX = '0123456789ABCDEF';

/** RFC 3986 §2.3: unreserved characters are kept, every other UTF-8 byte is %XX (upper hex). */
export function encodeRfc3986(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  for (const b of bytes) {
    const unreserved =
      (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
      b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
    out += unreserved ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** Each segment encoded; a lone surrogate cannot be encoded and is refused. */
export function encodePath(path: string): string {
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(path)) {
    throw new TypeError('path contains a lone surrogate');
  }
  return path.split('/').map(encodeRfc3986).join('/');
}

/** Canonical URI: the encoded path, always ending with '/'. */
export function canonicalUri(path: string): string {
  const p = encodePath(path.startsWith('/') ? path : `/${path}`);
  return p.endsWith('/') ? p : `${p}/`;
}

function queryPairs(query: QueryParams | undefined): Array<[string, string]> {
  if (!query) return [];
  if (Array.isArray(query)) return query.map(([k, v]) => [k, String(v)]);
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) for (const one of v) out.push([k, String(one)]);
    else out.push([k, String(v)]);
  }
  return out;
}

/** Plain UTF-16 code-unit order, as Array.prototype.sort() without a comparator. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Canonical query: keys sorted, each repeated key once per value with its values sorted
 * (sorting is on the decoded text), keys and values encoded alike, joined by '&'.
 */
export function canonicalQuery(query: QueryParams | undefined): string {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of queryPairs(query)) {
    const list = grouped.get(k);
    if (list) list.push(v);
    else grouped.set(k, [v]);
  }
  const parts: string[] = [];
  for (const key of [...grouped.keys()].sort(byCodeUnit)) {
    const ek = encodeRfc3986(key);
    for (const v of grouped.get(key)!.sort(byCodeUnit)) parts.push(`${ek}=${encodeRfc3986(v)}`);
  }
  return parts.join('&');
}

/** YYYYMMDDTHHMMSSZ in UTC. */
export function sdkDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacSha256Hex(key: string, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Lowercased, trimmed header map (values trimmed as any HTTP server will see them). */
function normaliseHeaders(headers: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (out.has(lower)) throw new TypeError(`header ${lower} given twice`);
    out.set(lower, String(value).trim());
  }
  return out;
}

export function canonicalRequest(
  method: string,
  path: string,
  query: QueryParams | undefined,
  headers: Map<string, string>,
  body: string | Uint8Array | undefined,
): { canonical: string; signedHeaders: string } {
  const names = [...headers.keys()].sort(byCodeUnit);
  const canonicalHeaders = names.map((n) => `${n}:${headers.get(n)}\n`).join('');
  const signedHeaders = names.join(';');
  const canonical = [
    method.toUpperCase(),
    canonicalUri(path),
    canonicalQuery(query),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(body ?? ''),
  ].join('\n');
  return { canonical, signedHeaders };
}

/** Sign a request: returns the headers to send and the path+query to put on the wire. */
export function signRequest(req: SignableRequest, key: SigningKey, opts: SignOptions = {}): SignedRequest {
  const given = { ...(req.headers ?? {}) };
  const lower = new Set(Object.keys(given).map((k) => k.toLowerCase()));
  let date = Object.entries(given).find(([k]) => k.toLowerCase() === 'x-sdk-date')?.[1];
  if (!date) {
    date = sdkDate(opts.date ?? new Date());
    given['X-Sdk-Date'] = date;
  }
  if (!lower.has('host')) given.host = req.host;
  if (key.securityToken && !lower.has('x-security-token')) given['X-Security-Token'] = key.securityToken;
  if (opts.projectId && !lower.has('x-project-id')) given['X-Project-Id'] = opts.projectId;

  const normalised = normaliseHeaders(given);
  const { canonical, signedHeaders } = canonicalRequest(req.method, req.path, req.query, normalised, req.body);
  const stringToSign = `${ALGORITHM}\n${date}\n${sha256Hex(canonical)}`;
  const signature = hmacSha256Hex(key.sk, stringToSign);
  given.Authorization = `${ALGORITHM} Access=${key.ak}, SignedHeaders=${signedHeaders}, Signature=${signature}`;

  const q = canonicalQuery(req.query);
  const pathAndQuery = encodePath(req.path.startsWith('/') ? req.path : `/${req.path}`) + (q ? `?${q}` : '');
  return { headers: given, pathAndQuery, canonicalRequest: canonical, stringToSign, signature, signedHeaders };
}
