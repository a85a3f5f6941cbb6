/** The configuration layer's public surface. */
export { loadConfig, parseConfigText, defaultConfigId, ConfigFileError } from './load.js';
export type { LoadOptions, LoadResult } from './load.js';
export { formatDiagnostic, type Diagnostic, type Severity, type Position, type DiagnosticCode } from './diagnostics.js';
export { toInstanceParams, InstanceParamsError } from './to-params.js';
export { redactModel } from './redact.js';
export { keywordCounts } from './keywords/catalog.js';
export type * from './model.js';
export type { ConfigEnv } from './env.js';
