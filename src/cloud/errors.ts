/**
 * Cloud errors. Every error has a stable `code` and says whether retrying can help.
 *
 * CloudError is raised for local conditions (configuration, credentials, discovery,
 * verification); CloudApiError for an answer from a cloud API or the failure to get one.
 * Remote codes are kept verbatim (`VPC.0002`, `APIGW.0308`, a NeutronError type such as
 * `PortNotFound`); local codes are the literals of CloudErrorCode. The codes are listed in
 * docs/cloud.md.
 */

export type CloudErrorCode =
  // credentials
  | 'CREDENTIALS_MISSING'
  | 'CREDENTIALS_INCOMPLETE'
  | 'CREDENTIALS_FILE_MODE'
  | 'CREDENTIALS_FILE_OWNER'
  | 'CREDENTIALS_FILE_INVALID'
  | 'CREDENTIALS_FILE_UNREADABLE'
  // discovery and configuration
  | 'CONFIG_INVALID'
  | 'NIC_NOT_FOUND'
  | 'NIC_AMBIGUOUS'
  | 'VIP_PORT_NOT_FOUND'
  | 'VIP_PORT_AMBIGUOUS'
  | 'NOT_A_VIP_PORT'
  | 'ENDPOINT_NOT_FOUND'
  // claim rules
  | 'VIP_PAIR_LIMIT'
  | 'PORT_SECURITY_DISABLED'
  | 'VERIFY_MISMATCH'
  // transport (CloudApiError)
  | 'TIMEOUT'
  | 'NETWORK_ERROR'
  | 'CANCELLED'
  | 'BAD_RESPONSE'
  // a bug: an unexpected exception inside a provider
  | 'INTERNAL';

export class CloudError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: CloudErrorCode | string, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CloudError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** Which of the wire formats an error body was in. */
export type ErrorFormat = 'vpc' | 'neutron' | 'apigw' | 'keystone' | 'unknown' | 'local';

export interface CloudApiErrorInit {
  code: string;
  status: number;
  message: string;
  requestId?: string;
  format?: ErrorFormat;
  retryAfterMs?: number;
  /** "GET /v2.0/ports/…": what was being attempted (no query string, no secrets). */
  operation?: string;
  cause?: unknown;
}

export class CloudApiError extends CloudError {
  /** HTTP status; 0 when no response arrived (timeout, network error, cancellation). */
  readonly status: number;
  readonly requestId: string | undefined;
  readonly format: ErrorFormat;
  /** From a Retry-After header (429/503), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  readonly operation: string | undefined;

  constructor(init: CloudApiErrorInit) {
    super(init.code, init.message, { retryable: isRetryable(init.status, init.code), cause: init.cause });
    this.name = 'CloudApiError';
    this.status = init.status;
    this.requestId = init.requestId;
    this.format = init.format ?? 'unknown';
    this.retryAfterMs = init.retryAfterMs;
    this.operation = init.operation;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      requestId: this.requestId,
      format: this.format,
      retryAfterMs: this.retryAfterMs,
      operation: this.operation,
    };
  }
}

/** Timeouts, network errors, 5xx and 429 are worth retrying; other answers are not. */
export function isRetryable(status: number, code: string): boolean {
  if (status === 0) return code === 'TIMEOUT' || code === 'NETWORK_ERROR';
  return status === 429 || status >= 500;
}

/** Parse a Retry-After header (delta seconds or HTTP-date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/**
 * Turn an error response into a CloudApiError, recognising:
 *  - Huawei-native: `{"code":"VPC.0002","message":"..."}` (also nested in `error`)
 *  - Neutron:       `{"NeutronError":{"type":"PortNotFound","message":"...","detail":""}}`
 *  - API gateway:   `{"error_code":"APIGW.0301","error_msg":"...","request_id":"..."}`
 *  - Keystone:      `{"error":{"code":401,"title":"Unauthorized","message":"..."}}`
 * The request id comes from the X-Request-Id header, else from the body.
 */
export function parseCloudError(
  status: number,
  bodyText: string,
  headers: { get(name: string): string | null },
  operation?: string,
): CloudApiError {
  let body: unknown;
  try {
    body = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    body = undefined;
  }
  const headerId = headers.get('x-request-id') ?? headers.get('x-openstack-request-id') ?? undefined;
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
  const base = { status, retryAfterMs, operation, requestId: headerId };
  if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    if (o.NeutronError && typeof o.NeutronError === 'object') {
      const n = o.NeutronError as Record<string, unknown>;
      const detail = str(n.detail);
      const message = [str(n.message), detail].filter(Boolean).join(': ') || `HTTP ${status}`;
      return new CloudApiError({ ...base, code: str(n.type) ?? `HTTP_${status}`, message, format: 'neutron' });
    }
    if (str(o.error_code)) {
      return new CloudApiError({
        ...base,
        code: str(o.error_code)!,
        message: str(o.error_msg) ?? `HTTP ${status}`,
        requestId: headerId ?? str(o.request_id),
        format: 'apigw',
      });
    }
    if (str(o.code) && /^[A-Z][A-Za-z]*\.\d+$/.test(str(o.code)!)) {
      return new CloudApiError({ ...base, code: str(o.code)!, message: str(o.message) ?? `HTTP ${status}`, format: 'vpc' });
    }
    if (o.error && typeof o.error === 'object') {
      const e = o.error as Record<string, unknown>;
      const code = str(e.code);
      if (code && /^[A-Z][A-Za-z]*\.\d+$/.test(code)) {
        return new CloudApiError({ ...base, code, message: str(e.message) ?? `HTTP ${status}`, format: 'vpc' });
      }
      return new CloudApiError({
        ...base,
        code: str(e.title) ? `KEYSTONE.${str(e.title)!.replace(/\s+/g, '')}` : `HTTP_${status}`,
        message: str(e.message) ?? `HTTP ${status}`,
        format: 'keystone',
      });
    }
  }
  const snippet = bodyText.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new CloudApiError({ ...base, code: `HTTP_${status}`, message: snippet || `HTTP ${status}`, format: 'unknown' });
}
