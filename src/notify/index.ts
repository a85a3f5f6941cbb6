/** Notify scripts and FIFOs for instance and sync-group transitions. See docs/tracking.md. */
export { FifoError, FifoWriter } from './fifo.js';
export type { FifoErrorCode, FifoOptions, FifoStats, LineSink } from './fifo.js';
export { fifoLine, genericArgv, parseFifoLine } from './format.js';
export type { FifoState, NotifyKind, NotifyScriptState } from './format.js';
export { Notifier } from './notifier.js';
export type { NotifierOptions, NotifierStats, NotifyEvent, NotifyLogEvent, NotifyScript, NotifyTarget } from './notifier.js';
