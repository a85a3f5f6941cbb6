/**
 * Configuration diagnostics: every message carries a stable literal `code`, a severity and
 * the file:line:col where it was found. Secrets seen while parsing (auth_pass, cloud
 * credentials) are registered with the collector and scrubbed from every message.
 */

export type Severity = 'error' | 'warning' | 'note';

export interface Position {
  file: string;
  line: number;
  col: number;
}

/** Stable diagnostic codes (documented in docs/config.md). */
export type DiagnosticCode =
  // lexical / structural
  | 'unterminated-quote'
  | 'unmatched-close-brace'
  | 'missing-close-brace'
  | 'unexpected-open-brace'
  | 'include-no-match'
  | 'include-unreadable'
  | 'include-depth'
  | 'definition-recursion'
  | 'unsupported-syntax'
  // keywords
  | 'unknown-keyword'
  | 'unsupported-keyword'
  | 'lvs-skipped'
  | 'deprecated-keyword'
  | 'missing-value'
  | 'extra-value'
  | 'invalid-value'
  | 'out-of-range'
  | 'duplicate-block'
  | 'block-expected'
  | 'keepalived-compat'
  // references and cross-field rules
  | 'unknown-reference'
  | 'vrid-missing'
  | 'vrid-duplicate'
  | 'interface-missing'
  | 'interface-unknown'
  | 'family-mismatch'
  | 'no-vip'
  | 'advert-rounded'
  | 'nopreempt-cleared'
  | 'auth-ignored'
  | 'auth-truncated'
  | 'version-forced'
  | 'weight-ignored'
  | 'strict-mode'
  | 'script-security'
  | 'sync-group'
  | 'cloud';

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  pos: Position;
}

export const MASK = '***';

/** Collects diagnostics in order and scrubs registered secrets from their messages. */
export class Diagnostics {
  private readonly list: Diagnostic[] = [];
  private readonly secrets = new Set<string>();

  add(severity: Severity, code: DiagnosticCode, message: string, pos: Position): void {
    this.list.push({ severity, code, message, pos: { file: pos.file, line: pos.line, col: pos.col } });
  }

  error(code: DiagnosticCode, message: string, pos: Position): void {
    this.add('error', code, message, pos);
  }

  warning(code: DiagnosticCode, message: string, pos: Position): void {
    this.add('warning', code, message, pos);
  }

  note(code: DiagnosticCode, message: string, pos: Position): void {
    this.add('note', code, message, pos);
  }

  /** Register a secret value; it will never appear in any message. */
  secret(value: string): void {
    if (value.length > 0) this.secrets.add(value);
  }

  hasErrors(): boolean {
    return this.list.some((d) => d.severity === 'error');
  }

  /** All diagnostics in the order found, secrets replaced by ***. */
  all(): Diagnostic[] {
    const secrets = [...this.secrets].sort((a, b) => b.length - a.length);
    return this.list.map((d) => {
      let message = d.message;
      for (const s of secrets) message = message.split(s).join(MASK);
      return { ...d, message };
    });
  }
}

/** `FILE:LINE:COL: severity: message [code]` (the form `keepvip -t` prints). */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.pos.file}:${d.pos.line}:${d.pos.col}: ${d.severity}: ${d.message} [${d.code}]`;
}
