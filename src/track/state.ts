/**
 * Tracker arithmetic, pure (no I/O, no clock): keepalived 2.2.7's rise/fall counter,
 * weight and reverse rules, track_file values and track_process quorum/delays.
 * Observed on the Debian 2.2.7 package; docs/tracking.md has the experiments.
 */

// ---------------------------------------------------------------------------------------
// vrrp_script: rise / fall

export interface ScriptCounter {
  /** A real result has been applied. */
  seen: boolean;
  /** init_fail: before the first result the script counts as failed instead of pending. */
  initFail: boolean;
  /** Meaningful once seen (or with init_fail before the first result). */
  ok: boolean;
  /**
   * keepalived's `result` counter, 0 .. rise+fall-1: OK iff result >= rise. A success
   * moves it up one step while below rise-1 (else jumps to the top); a failure moves it
   * down one step while above rise (else drops it to 0). So from OK it takes `fall`
   * consecutive failures to fail, and from failed `rise` consecutive successes to recover.
   */
  result: number;
  rise: number;
  fall: number;
}

export function initialScriptCounter(rise: number, fall: number, initFail: boolean): ScriptCounter {
  const r = Math.max(1, Math.floor(rise));
  const f = Math.max(1, Math.floor(fall));
  // init_fail: "assume script initially is in failed state" (keepalived.conf(5)).
  return { seen: false, initFail, ok: false, result: 0, rise: r, fall: f };
}

/** No result yet and no init_fail: the script counts as neither OK nor failed. */
export function scriptPending(c: ScriptCounter): boolean {
  return !c.seen && !c.initFail;
}

/**
 * Apply one script result (a timeout is a failure). The first result alone decides the
 * state, whatever rise and fall are (observed: rise 3 and a first success is OK at once,
 * with or without init_fail).
 */
export function applyScriptResult(c: ScriptCounter, success: boolean): ScriptCounter {
  const top = c.rise + c.fall - 1;
  if (!c.seen) return { ...c, seen: true, ok: success, result: success ? top : 0 };
  let result: number;
  if (success) result = c.result < c.rise - 1 ? c.result + 1 : top;
  else result = c.result > c.rise ? c.result - 1 : 0;
  return { ...c, ok: result >= c.rise, result };
}

// ---------------------------------------------------------------------------------------
// Weights

export interface Effect {
  /** Priority adjustment from this tracker (0 when it causes a fault). */
  adjust: number;
  /** This tracker puts the instance in FAULT. */
  fault: boolean;
}

/**
 * keepalived's weight rule for scripts, interfaces and processes:
 * weight 0: FAULT while down (with reverse: while up);
 * weight > 0: +W while up, 0 while down; weight < 0: 0 while up, -|W| while down;
 * reverse negates the adjustment (W > 0 reverse: -W while up; W < 0 reverse: +|W| while down).
 */
export function weightedEffect(weight: number, reverse: boolean, up: boolean): Effect {
  if (weight === 0) return { adjust: 0, fault: reverse ? up : !up };
  const raw = weight > 0 ? (up ? weight : 0) : up ? 0 : weight;
  return { adjust: clampAdjust(reverse ? -raw : raw), fault: false };
}

/** One tracker can move the priority by at most ±253 (keepalived caps each tracker's status). */
export function clampAdjust(v: number): number {
  return Math.max(-253, Math.min(253, v)) + 0;
}

/**
 * track_file: the file's integer times the weight; with weight 0 a non-zero value means
 * failure (reverse: a zero value). A product <= -254 means FAULT; otherwise it is capped
 * to ±253 (observed: values 300 and -250 on one instance give +3).
 */
export function fileEffect(value: number, weight: number, reverse: boolean): Effect {
  if (weight === 0) {
    const failed = reverse ? value === 0 : value !== 0;
    return { adjust: 0, fault: failed };
  }
  const v = value * weight * (reverse ? -1 : 1);
  if (v <= -254) return { adjust: 0, fault: true };
  return { adjust: clampAdjust(v), fault: false };
}

// ---------------------------------------------------------------------------------------
// vrrp_track_process: quorum and delays

/** quorum <= count <= quorum_max (quorum_max 0 means "must not run": quorum drops to 0). */
export function quorumOk(count: number, quorum: number, quorumMax?: number): boolean {
  const max = quorumMax ?? Number.POSITIVE_INFINITY;
  return count >= Math.min(quorum, max) && count <= max;
}

export interface ProcessDelayState {
  /** The state reported (undefined before the first scan). */
  ok: boolean | undefined;
  /** A different state seen since `since`, waiting for its delay. */
  candidate?: boolean;
  since?: number;
}

/**
 * Debounce the quorum state: quorum gained counts after fork_delay, quorum lost after
 * terminate_delay; a return to the reported state before the delay cancels it. The first
 * scan decides at once. Returns the new state, whether `ok` changed, and when to look
 * again if a change is waiting.
 */
export function applyProcessScan(
  s: ProcessDelayState,
  rawOk: boolean,
  now: number,
  forkDelayMs: number,
  terminateDelayMs: number,
): { state: ProcessDelayState; changed: boolean; recheckAt?: number } {
  if (s.ok === undefined) return { state: { ok: rawOk }, changed: true };
  if (rawOk === s.ok) return { state: { ok: s.ok }, changed: false };
  const since = s.candidate === rawOk && s.since !== undefined ? s.since : now;
  const delay = rawOk ? forkDelayMs : terminateDelayMs;
  if (now - since >= delay) return { state: { ok: rawOk }, changed: true };
  return { state: { ok: s.ok, candidate: rawOk, since }, changed: false, recheckAt: since + delay };
}

// ---------------------------------------------------------------------------------------
// Effective priority

/** RFC 9568 §5.2.4 ("Priority"): 255 is the owner; keepalived keeps others in 1..254. */
export function effectivePriority(base: number, adjustment: number): number {
  if (base >= 255) return 255;
  return Math.max(1, Math.min(254, base + adjustment));
}
