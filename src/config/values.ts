/**
 * Argument readers shared by the keyword handlers. Each reports a diagnostic at the
 * argument's position and returns undefined when the value cannot be used, so the caller
 * keeps its default (as keepalived does).
 */
import type { Diagnostics } from './diagnostics.js';
import type { Token } from './lexer.js';
import type { Statement } from './tree.js';
import type { ScriptCommand } from './model.js';
import { splitArgv } from './argv.js';
import { ArgvError } from '../track/argv.js';
import { canonicalIp, familyOf, type Family } from '../core/ip.js';

export function kw(st: Statement): string {
  return st.keyword.text;
}

/** The i-th argument, or a missing-value warning. */
export function arg(st: Statement, i: number, diags: Diagnostics, what = 'a value'): Token | undefined {
  const t = st.args[i];
  if (!t) diags.warning('missing-value', `'${kw(st)}' needs ${what}`, st.keyword.pos);
  return t;
}

/** Warn about arguments beyond `max` (keepalived ignores them). */
export function noExtra(st: Statement, max: number, diags: Diagnostics): void {
  const extra = st.args[max];
  if (extra) diags.warning('extra-value', `extra arguments after '${kw(st)}' ignored`, extra.pos);
}

export function parseInteger(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

/** Decimal seconds ("2", "0.5", ".5"); no exponent, no sign. */
export function parseDecimal(text: string): number | undefined {
  return /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : undefined;
}

export function intArg(
  st: Statement,
  i: number,
  min: number,
  max: number,
  diags: Diagnostics,
): number | undefined {
  const t = arg(st, i, diags, `a number in ${min}..${max}`);
  if (!t) return undefined;
  const n = parseInteger(t.text);
  if (n === undefined) {
    diags.warning('invalid-value', `'${kw(st)}': '${t.text}' is not a number (ignored)`, t.pos);
    return undefined;
  }
  if (n < min || n > max) {
    diags.warning('out-of-range', `'${kw(st)}': ${n} is outside ${min}..${max} (ignored)`, t.pos);
    return undefined;
  }
  return n;
}

export function decimalArg(
  st: Statement,
  i: number,
  min: number,
  max: number,
  diags: Diagnostics,
): number | undefined {
  const t = arg(st, i, diags, 'a number of seconds');
  if (!t) return undefined;
  const n = parseDecimal(t.text);
  if (n === undefined) {
    diags.warning('invalid-value', `'${kw(st)}': '${t.text}' is not a number (ignored)`, t.pos);
    return undefined;
  }
  if (n < min || n > max) {
    diags.warning('out-of-range', `'${kw(st)}': ${t.text} is outside ${min}..${max} (ignored)`, t.pos);
    return undefined;
  }
  return n;
}

const TRUE = new Set(['on', 'true', 'yes']);
const FALSE = new Set(['off', 'false', 'no']);

export function parseBool(text: string): boolean | undefined {
  if (TRUE.has(text.toLowerCase())) return true;
  if (FALSE.has(text.toLowerCase())) return false;
  return undefined;
}

/** `keyword [<BOOL>]`: no argument means true. */
export function optBoolArg(st: Statement, i: number, diags: Diagnostics): boolean | undefined {
  const t = st.args[i];
  if (!t) return true;
  const b = parseBool(t.text);
  if (b === undefined) diags.warning('invalid-value', `'${kw(st)}': '${t.text}' is not on|off|true|false|yes|no (ignored)`, t.pos);
  return b;
}

/** `keyword <BOOL>` (value required). */
export function boolArg(st: Statement, i: number, diags: Diagnostics): boolean | undefined {
  const t = arg(st, i, diags, 'on|off');
  if (!t) return undefined;
  return optBoolArg(st, i, diags);
}

export function ipArg(st: Statement, i: number, diags: Diagnostics): { address: string; family: Family } | undefined {
  const t = arg(st, i, diags, 'an IP address');
  if (!t) return undefined;
  return parseIp(t, kw(st), diags);
}

export function parseIp(t: Token, what: string, diags: Diagnostics): { address: string; family: Family } | undefined {
  const family = familyOf(t.text);
  if (!family) {
    diags.warning('invalid-value', `'${what}': '${t.text}' is not an IP address (ignored)`, t.pos);
    return undefined;
  }
  return { address: canonicalIp(t.text), family };
}

/** `keyword SCRIPT [username [groupname]]` as used by notify and fifo scripts. */
export function scriptArg(st: Statement, diags: Diagnostics): ScriptCommand | undefined {
  const t = arg(st, 0, diags, 'a script');
  if (!t) return undefined;
  let argv: string[];
  try {
    argv = splitArgv(t.text);
  } catch (e) {
    // keepalived: "String '...': missing terminating '" and the script is not used.
    if (!(e instanceof ArgvError)) throw e;
    diags.warning('invalid-value', `'${kw(st)}': ${e.message} (ignored)`, t.pos);
    return undefined;
  }
  if (argv.length === 0) {
    diags.warning('invalid-value', `'${kw(st)}': empty command (ignored)`, t.pos);
    return undefined;
  }
  noExtra(st, 3, diags);
  const out: ScriptCommand = { command: t.text, argv, pos: t.pos };
  if (st.args[1]) out.user = st.args[1].text;
  if (st.args[2]) out.group = st.args[2].text;
  return out;
}

/** Whole statement text (keyword and args), for lists such as virtual_routes. */
export function statementText(st: Statement): string {
  return [st.keyword, ...st.args].map((t) => t.text).join(' ');
}
