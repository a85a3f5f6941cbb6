/**
 * Script command lines are split into argv exactly as keepalived does (no shell; quotes
 * and backslash escapes; the same rules the tracker uses to run them): one implementation,
 * in src/track/argv.ts. An empty command yields an empty argv here; the caller reports it.
 */
import { splitQuotedEscaped } from '../track/argv.js';

export function splitArgv(command: string): string[] {
  return splitQuotedEscaped(command).filter((w, i) => i > 0 || w !== '');
}
