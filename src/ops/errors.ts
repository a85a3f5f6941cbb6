/**
 * Errors raised by the operations modules (control socket, metrics listener, dumps).
 * Each carries a stable literal `code`; docs/operations.md lists them.
 */
export const OPS_ERROR_CODES = [
  /** The control socket path exists and another live daemon answers on it. */
  'CONTROL_IN_USE',
  /** The control socket path exists but is not a socket (refusing to remove it). */
  'CONTROL_PATH_NOT_SOCKET',
  /** No daemon answers on the control socket (missing, refused, permission denied). */
  'CONTROL_UNREACHABLE',
  /** The daemon accepted the connection but did not answer in time. */
  'CONTROL_TIMEOUT',
  /** The answer was not one line of valid JSON of the expected shape. */
  'CONTROL_PROTOCOL',
  /** After listening, the socket file's mode was not 0600. */
  'CONTROL_MODE',
  /** `metrics_listen` is not ADDR:PORT / [ADDR6]:PORT. */
  'METRICS_LISTEN_INVALID',
  /** A dump's text contained a configured secret value; nothing was written. */
  'DUMP_SECRET_LEAK',
  /** The dump file could not be written. */
  'DUMP_WRITE_FAILED',
] as const;

export type OpsErrorCode = (typeof OPS_ERROR_CODES)[number];

export class OpsError extends Error {
  readonly code: OpsErrorCode;

  constructor(code: OpsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpsError';
    this.code = code;
  }
}

/** `{ code, message }` of any thrown value, for log fields and control-socket answers. */
export function errorInfo(e: unknown): { code: string; message: string } {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown };
    const code = typeof o.code === 'string' ? o.code : 'INTERNAL';
    const message = typeof o.message === 'string' ? o.message : String(e);
    return { code, message };
  }
  return { code: 'INTERNAL', message: String(e) };
}
