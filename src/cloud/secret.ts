/**
 * A secret value (SK, security token, password, Keystone token) that never leaks through
 * serialisation or logging: JSON.stringify, util.inspect, template strings and pino all
 * see '***'. The value is read only through reveal(), at the point of use (signing, the
 * Authorization/X-Auth-Token header).
 */
import { inspect } from 'node:util';

const values = new WeakMap<Secret, string>();

export class Secret {
  constructor(value: string) {
    // Kept outside the object so no enumeration or structured clone can reach it.
    values.set(this, value);
    Object.freeze(this);
  }

  reveal(): string {
    return values.get(this)!;
  }

  /** Constant-time-ish equality against a plain string (for tests and verifiers). */
  equals(other: string | Secret): boolean {
    const a = this.reveal();
    const b = typeof other === 'string' ? other : other.reveal();
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    return diff === 0;
  }

  get length(): number {
    return this.reveal().length;
  }

  toString(): string {
    return '***';
  }

  toJSON(): string {
    return '***';
  }

  [inspect.custom](): string {
    return 'Secret(***)';
  }

  [Symbol.toPrimitive](): string {
    return '***';
  }
}

/** Wrap a value unless it is already a Secret; undefined and '' stay undefined. */
export function secret(value: string | Secret | undefined): Secret | undefined {
  if (value === undefined || value === '') return undefined;
  return value instanceof Secret ? value : new Secret(value);
}
