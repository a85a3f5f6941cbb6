/**
 * Health checks and tracking: scripts, interfaces, files and processes, aggregated per
 * instance into the state machine's PriorityChanged / FaultChanged inputs.
 * See docs/tracking.md.
 */
export { ArgvError, commandString, openCheckOf, parseScriptDirective, splitCommand, splitQuotedEscaped } from './argv.js';
export type { ArgvErrorCode, OpenCheck, ScriptDirective } from './argv.js';
export { ManualClock, systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { execCommand } from './exec.js';
export type { ExecOptions, ExecResult, Execution, SpawnFn } from './exec.js';
export { FileWatcher, initTrackFile, parseTrackFileValue, readTrackFile } from './file.js';
export type { FileWatcherOptions, TrackFileDef } from './file.js';
export { sourceId, TrackingHub } from './hub.js';
export type {
  Contribution,
  InstanceTracking,
  PriorityExplanation,
  ScriptDef,
  TrackerKind,
  TrackerRef,
  TrackingInput,
  TrackingListener,
  TrackingSnapshot,
} from './hub.js';
export { prepareScript } from './prepare.js';
export type { PreparedScript, ScriptCommandInput, ScriptGlobals } from './prepare.js';
export { compileMatcher, ProcessMonitor, scanProc } from './process.js';
export type { ParamMatch, ProcessMatchSpec, ProcessMonitorOptions, ProcessTrackDef } from './process.js';
export { ScriptRunner } from './script-runner.js';
export type { ScriptEvent, ScriptRunnerOptions, ScriptRunResult, ScriptRunnerStats } from './script-runner.js';
export { checkScript, unsafePathReason } from './security.js';
export type { ScriptCheck, ScriptCheckCode } from './security.js';
export { applyScriptResult, effectivePriority, fileEffect, initialScriptCounter, quorumOk, weightedEffect } from './state.js';
export { fileUserDb, IdentityError, resolveScriptIdentity } from './users.js';
export type { Identity, IdentityErrorCode, UserDb } from './users.js';
