/**
 * Keeping secrets out of logs, in three layers:
 * 1. the event catalogue (events.ts) never names a secret field, and log.ts copies only
 *    catalogued fields;
 * 2. pino's redact paths censor a secret-named key at the top level of a record, and
 *    redactDeep (a pino formatters.log hook) at any depth below;
 * 3. a scrubber replaces the known secret values (auth_pass, SK, tokens, registered
 *    at run time) in every finished line, whatever field or message carried them.
 */

/** Key names whose values are secrets (compared as written and lower-cased). */
export const SECRET_KEYS = [
  'auth_pass',
  'password',
  'sk',
  'secret',
  'token',
  'securitytoken',
  'X-Auth-Token',
  'X-Subject-Token',
  'X-Security-Token',
  'Authorization',
] as const;

export const CENSOR = '[Redacted]';

function segment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
}

/**
 * pino `redact.paths`: every secret key at the top level of a log record. Nested keys
 * are censored by redactDeep (a pino `formatters.log` hook): pino's `*` wildcard paths
 * cost ~20 us per line per level, which the walk avoids (~0.1 us for a flat record).
 */
export function redactPaths(): string[] {
  const names = new Set<string>();
  for (const k of SECRET_KEYS) {
    names.add(k);
    names.add(k.toLowerCase());
  }
  return [...names].map(segment);
}

const SECRET_SET = new Set(SECRET_KEYS.map((k) => k.toLowerCase()));

/** How deep redactDeep looks (records deeper than this are not expected in logs). */
export const REDACT_DEPTH = 8;

/**
 * Copy-on-write censoring of secret keys at any depth (to REDACT_DEPTH): returns the
 * value itself when nothing needed censoring, so flat records cost one key scan.
 * Errors with enumerable properties that need censoring become plain objects carrying
 * type, message and stack.
 */
export function redactDeep<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > REDACT_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = redactDeep(value[i], depth + 1);
      if (r !== value[i]) (out ??= value.slice())[i] = r;
    }
    return (out ?? value) as T;
  }
  const proto = Object.getPrototypeOf(value);
  const isError = value instanceof Error;
  if (proto !== Object.prototype && proto !== null && !isError) return value;
  const src = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  const copy = () => {
    if (out) return out;
    out = isError ? { type: (value as Error).name, message: (value as Error).message, stack: (value as Error).stack } : {};
    Object.assign(out, src);
    return out;
  };
  for (const k of Object.keys(src)) {
    if (SECRET_SET.has(k.toLowerCase())) copy()[k] = CENSOR;
    else {
      const v = src[k];
      if (v !== null && typeof v === 'object') {
        const r = redactDeep(v, depth + 1);
        if (r !== v) copy()[k] = r;
      }
    }
  }
  return (out ?? value) as T;
}

/** Whether a field name is (case-insensitively) one of SECRET_KEYS. */
export function isSecretKey(name: string): boolean {
  const l = name.toLowerCase();
  return SECRET_KEYS.some((k) => k.toLowerCase() === l);
}

/** Anything that can reveal a secret's value (src/cloud/secret.ts Secret has reveal()). */
export type SecretLike = string | { reveal(): string };

/**
 * Replaces registered secret values in text. Values shorter than MIN_SECRET_LENGTH are
 * not scrubbed (replacing "ab" everywhere would destroy the log); layers 1 and 2 still
 * cover them. Both the raw value and its JSON-escaped form are replaced.
 */
export const MIN_SECRET_LENGTH = 4;

export class SecretScrubber {
  private readonly needles: string[] = [];

  add(value: SecretLike | undefined): void {
    if (value === undefined) return;
    const v = typeof value === 'string' ? value : value.reveal();
    if (v.length < MIN_SECRET_LENGTH) return;
    const escaped = JSON.stringify(v).slice(1, -1);
    for (const n of escaped === v ? [v] : [v, escaped]) {
      if (!this.needles.includes(n)) this.needles.push(n);
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.needles.sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.needles.length;
  }

  scrub(text: string): string {
    let out = text;
    for (const n of this.needles) {
      if (out.includes(n)) out = out.split(n).join(CENSOR);
    }
    return out;
  }

  /** The first registered value found in text, or undefined. */
  find(text: string): string | undefined {
    return this.needles.find((n) => text.includes(n));
  }
}
