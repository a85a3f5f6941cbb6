/**
 * Logs and metrics of the trackers: vrrp_script runs (result changes, timeouts, spawn
 * errors, output at debug level) and the tracked interfaces, track_files and
 * vrrp_track_processes (TrackingHub.onTrackerChange).
 *
 * A tracker change is logged once per instance that uses it (`tracker_changed` with that
 * instance's state and effective priority at the change), so every line about an instance
 * carries `instance` and joins its metric series; changes are rare, so the fan-out is
 * cheap. Events about the script process itself (timeouts, spawn errors, output) are
 * logged once per script, with the script's name in `tracker`: a hung script shared by
 * forty instances times out once, not forty times.
 */
import { Buffer } from 'node:buffer';
import type { VrrpState } from '../core/fsm/types.js';
import type { TrackerKind } from '../track/hub.js';
import type { ScriptEvent } from '../track/script-runner.js';
import type { Log } from './log.js';
import type { Metrics } from './metrics.js';

/** At most this many characters of one run's output go into a script_output line. */
export const SCRIPT_OUTPUT_LOG_LIMIT = 1024;

/** One instance that uses a tracker, as it stands now. */
export interface TrackerUser {
  instance: string;
  state: VrrpState;
  priority: number;
}

export interface TrackingLogOptions {
  log: Pick<Log, 'event' | 'enabled'>;
  metrics?: Pick<Metrics, 'trackerUp'>;
  /** The instances that use (kind, name), with their current state and effective priority. */
  usersOf: (kind: TrackerKind, name: string) => TrackerUser[];
  /** Scripts that are `</dev/tcp/...` / `</path` checks (their "output" is the check's result). */
  openChecks?: ReadonlySet<string>;
  /** Characters of output per line (default SCRIPT_OUTPUT_LOG_LIMIT). */
  outputLimit?: number;
}

/** The output as logged: cut to `limit` characters (trailing newlines dropped), and how many bytes were left out. */
export function clipOutput(output: string, dropped: number, limit = SCRIPT_OUTPUT_LOG_LIMIT): { output: string; omitted: number } {
  const text = output.replace(/\s+$/, '');
  if (text.length <= limit) return { output: text, omitted: dropped };
  // Never cut a surrogate pair in half.
  let cut = limit;
  const c = text.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return { output: text.slice(0, cut), omitted: dropped + Buffer.byteLength(text.slice(cut), 'utf8') };
}

export class TrackingLog {
  private readonly lastScriptOk = new Map<string, boolean>();
  private readonly limit: number;

  constructor(private readonly o: TrackingLogOptions) {
    this.limit = o.outputLimit ?? SCRIPT_OUTPUT_LOG_LIMIT;
  }

  /** A tracker changed (or reported its first state): the metric, and one line per instance using it. */
  trackerChanged(kind: TrackerKind, name: string, up: boolean, detail?: string): void {
    this.o.metrics?.trackerUp(name, kind, up);
    if (!this.o.log.enabled('tracker_changed')) return;
    for (const u of this.o.usersOf(kind, name)) {
      this.o.log.event('tracker_changed', {
        tracker: name,
        kind,
        up,
        instance: u.instance,
        state: u.state,
        priority: u.priority,
        ...(detail ? { detail } : {}),
      });
    }
  }

  /** Events of a vrrp_script runner. */
  scriptEvent(e: ScriptEvent): void {
    switch (e.type) {
      case 'script_timeout':
        this.o.log.event('script_timeout', { script: e.name, timeoutMs: e.timeoutMs, tracker: e.name });
        return;
      case 'script_spawn_error':
        this.o.log.event('script_failed', { script: e.name, code: 'spawn', error: e.error, tracker: e.name });
        return;
      case 'script_output': {
        // Debug only; nothing is built at the info level.
        if (!this.o.log.enabled('script_output')) return;
        const clipped = clipOutput(e.output, e.dropped, this.limit);
        if (!clipped.output && !clipped.omitted) return;
        this.o.log.event('script_output', {
          script: e.name,
          stream: this.o.openChecks?.has(e.name) ? 'check' : 'stdout+stderr',
          output: clipped.output,
          omitted: clipped.omitted,
        });
        return;
      }
      case 'script_result':
        // Logged when the result changes (keepalived: "Script `chk` now returning 1"), not
        // on every run: forty scripts a second would otherwise be forty lines a second.
        if (this.lastScriptOk.get(e.name) !== e.ok) {
          this.lastScriptOk.set(e.name, e.ok);
          this.trackerChanged('script', e.name, e.ok, e.timedOut ? 'timed out' : `status ${e.status ?? e.signal}`);
        } else {
          this.o.metrics?.trackerUp(e.name, 'script', e.ok);
        }
        return;
      default:
        return;
    }
  }
}
