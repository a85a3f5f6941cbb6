/**
 * Runtime fault injection for the simulator. Rules match requests by API, method and
 * path; each may add latency, answer 5xx or 429 (with Retry-After), hang, or reject the
 * credentials. Rates are drawn from a seeded PRNG so a run is reproducible.
 */
import { mulberry32 } from './rng.js';

export type SimApi = 'vpc' | 'neutron' | 'keystone' | 'metadata' | 'admin' | 'unknown';

export interface FaultRule {
  /** Which API (default: all but admin). */
  api?: SimApi | '*';
  /** HTTP method to match (default: any). */
  method?: string;
  /** Regular expression (source) matched against the path. */
  path?: string;
  /** Only requests from this client address (IPv4-mapped forms match too). */
  from?: string;
  /** Added before the request is handled. */
  latencyMs?: number;
  /** Fraction [0, 1] answered with errorStatus. */
  errorRate?: number;
  /** Status for errorRate (default 503). */
  errorStatus?: number;
  /** Fraction [0, 1] answered 429. */
  throttleRate?: number;
  /** Retry-After seconds sent with the 429 (default 1; 0 omits the header). */
  retryAfterSeconds?: number;
  /** Fraction [0, 1] of requests that hang for hangMs. */
  hangRate?: number;
  /** Hang duration (default: until the client gives up). */
  hangMs?: number;
  /** Hang before handling (default; nothing is applied) or after (applied, answer late). */
  hangPhase?: 'before' | 'after';
  /** Answer as if the credentials (AK/SK, token, password) were wrong. */
  rejectCredentials?: boolean;
  /** Answer writes (PUT) as if applied but keep the old state (a lost update). */
  ignoreWrites?: boolean;
  /** The rule expires after acting on this many requests. */
  count?: number;
}

export type FaultDecision = {
  latencyMs: number;
  /** At most one of these. */
  outcome?: { kind: 'error'; status: number } | { kind: 'throttle'; retryAfterSeconds: number } | { kind: 'reject' };
  hang?: { ms: number | undefined; phase: 'before' | 'after' };
  ignoreWrite?: boolean;
  labels: string[];
};

export class FaultController {
  private rules: FaultRule[] = [];
  private rng: () => number;

  constructor(seed = 1) {
    this.rng = mulberry32(seed);
  }

  seed(seed: number): void {
    this.rng = mulberry32(seed);
  }

  /** Replace all rules. */
  set(rules: FaultRule[]): void {
    for (const r of rules) validate(r);
    this.rules = rules.map((r) => ({ ...r }));
  }

  add(rule: FaultRule): void {
    validate(rule);
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  decide(api: SimApi, method: string, path: string, remoteAddress?: string): FaultDecision {
    const d: FaultDecision = { latencyMs: 0, labels: [] };
    for (const rule of this.rules) {
      const ruleApi = rule.api ?? '*';
      if (ruleApi === '*' ? api === 'admin' : ruleApi !== api) continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.path && !new RegExp(rule.path).test(path)) continue;
      if (rule.from && remoteAddress?.replace(/^::ffff:/, '') !== rule.from) continue;
      if (rule.count !== undefined && rule.count <= 0) continue;
      let acted = false;
      if (rule.latencyMs) {
        d.latencyMs += rule.latencyMs;
        d.labels.push('latency');
        acted = true;
      }
      if (rule.ignoreWrites && method === 'PUT' && !d.ignoreWrite) {
        d.ignoreWrite = true;
        d.labels.push('ignore-write');
        acted = true;
      }
      if (!d.outcome && !d.hang) {
        if (rule.rejectCredentials) {
          d.outcome = { kind: 'reject' };
          d.labels.push('reject');
          acted = true;
        } else if (rule.throttleRate && this.rng() < rule.throttleRate) {
          d.outcome = { kind: 'throttle', retryAfterSeconds: rule.retryAfterSeconds ?? 1 };
          d.labels.push('429');
          acted = true;
        } else if (rule.errorRate && this.rng() < rule.errorRate) {
          d.outcome = { kind: 'error', status: rule.errorStatus ?? 503 };
          d.labels.push(String(rule.errorStatus ?? 503));
          acted = true;
        } else if (rule.hangRate && this.rng() < rule.hangRate) {
          d.hang = { ms: rule.hangMs, phase: rule.hangPhase ?? 'before' };
          d.labels.push(`hang-${d.hang.phase}`);
          acted = true;
        }
      }
      if (acted && rule.count !== undefined) rule.count--;
    }
    this.rules = this.rules.filter((r) => r.count === undefined || r.count > 0);
    return d;
  }
}

function validate(r: FaultRule): void {
  for (const k of ['errorRate', 'throttleRate', 'hangRate'] as const) {
    const v = r[k];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new Error(`fault ${k} must be within [0, 1]`);
  }
  if (r.path) new RegExp(r.path);
}
