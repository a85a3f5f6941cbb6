/**
 * Split a script command into argv exactly as keepalived 2.2.7 does (no shell).
 *
 * keepalived tokenises a script keyword's line twice with the same routine
 * (`alloc_strvec_quoted_escaped`): once for the whole line (keyword, command, user, group)
 * and again for the command word alone, which becomes argv. Observed on the Debian 2.2.7
 * package (docs/tracking.md lists the experiments):
 *
 * - words are separated by space, \t, \n, \r, \v, \f (unquoted);
 * - `"` and `'` quote (equivalent; the other quote is literal inside), and a quoted part
 *   joins the unquoted text around it: `a"b c"d` is one word `ab cd`; `''` is an empty word;
 * - a backslash escapes everywhere, also inside single quotes: \a \b \E \f \n \r \t \v,
 *   \NNN (1-3 octal digits), \xH... (all following hex digits, low 8 bits kept), \cC
 *   (C & 0x1f); any other \C is C (so \\ \" \' and "\ " are literal); an escaped character
 *   never separates or quotes;
 * - a NUL produced by an escape (\0, \x00, \c@) ends the word: the rest of it is lost;
 * - a trailing backslash or an unterminated quote makes the whole command invalid.
 *
 * Escapes work on bytes: the input is UTF-8 encoded, escapes produce single bytes, and
 * each word is decoded back as UTF-8 (a lone byte >= 0x80 becomes U+FFFD, since a
 * process argument in Node.js is a string).
 */

export type ArgvErrorCode = 'KV_ARGV_UNTERMINATED_QUOTE' | 'KV_ARGV_TRAILING_BACKSLASH' | 'KV_ARGV_EMPTY';

export class ArgvError extends Error {
  readonly code: ArgvErrorCode;
  constructor(code: ArgvErrorCode, message: string) {
    super(message);
    this.name = 'ArgvError';
    this.code = code;
  }
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c]);
const QUOTE_DQ = 0x22;
const QUOTE_SQ = 0x27;
const BACKSLASH = 0x5c;

const SIMPLE_ESCAPES: Record<number, number> = {
  0x61: 0x07, // \a
  0x62: 0x08, // \b
  0x45: 0x1b, // \E
  0x66: 0x0c, // \f
  0x6e: 0x0a, // \n
  0x72: 0x0d, // \r
  0x74: 0x09, // \t
  0x76: 0x0b, // \v
};

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  return -1;
}

function isOctal(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x37;
}

const decoder = new TextDecoder('utf-8');

/** keepalived's `alloc_strvec_quoted_escaped`: one string in, words out. */
export function splitQuotedEscaped(src: string): string[] {
  const s = Buffer.from(src, 'utf8');
  const words: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && SPACE.has(s[i]!)) i++;
    if (i >= s.length) break;
    const word: number[] = [];
    let quote = 0;
    while (i < s.length) {
      const c = s[i]!;
      if (c === BACKSLASH) {
        i++;
        if (i >= s.length) throw new ArgvError('KV_ARGV_TRAILING_BACKSLASH', `missing escape character at end of '${src}'`);
        const e = s[i]!;
        if (e === 0x78 /* x */ && hexValue(s[i + 1]) >= 0) {
          let v = 0;
          i++;
          while (hexValue(s[i]) >= 0) v = ((v << 4) | hexValue(s[i++])) & 0xff;
          word.push(v);
        } else if (e === 0x63 /* c */ && i + 1 < s.length) {
          word.push(s[i + 1]! & 0x1f);
          i += 2;
        } else if (isOctal(e)) {
          let v = 0;
          let n = 0;
          while (n < 3 && isOctal(s[i])) {
            v = ((v << 3) | (s[i++]! - 0x30)) & 0xff;
            n++;
          }
          word.push(v);
        } else {
          word.push(SIMPLE_ESCAPES[e] ?? e);
          i++;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = 0;
        else word.push(c);
        i++;
        continue;
      }
      if (c === QUOTE_DQ || c === QUOTE_SQ) {
        quote = c;
        i++;
        continue;
      }
      if (SPACE.has(c)) break;
      word.push(c);
      i++;
    }
    if (quote) {
      throw new ArgvError('KV_ARGV_UNTERMINATED_QUOTE', `missing terminating ${String.fromCharCode(quote)} in '${src}'`);
    }
    // The word is a C string in keepalived: an embedded NUL ends it.
    const nul = word.indexOf(0);
    words.push(decoder.decode(Uint8Array.from(nul >= 0 ? word.slice(0, nul) : word)));
  }
  return words;
}

/**
 * argv for a script given the command word of its config line (what the config lexer
 * yields for `script "..."`, `notify_master "..."`, after the first pass).
 */
export function splitCommand(command: string): string[] {
  const argv = splitQuotedEscaped(command);
  if (argv.length === 0 || argv[0] === '') throw new ArgvError('KV_ARGV_EMPTY', `empty command '${command}'`);
  return argv;
}

export interface ScriptDirective {
  argv: string[];
  user?: string;
  group?: string;
}

/**
 * Both passes, for the raw text after a script keyword:
 * `notify_master "/bin/x.sh 'a b'" someuser somegroup` -> argv [/bin/x.sh, a b], user, group.
 * An unquoted `notify_master /bin/x.sh arg` therefore means user `arg`, as in keepalived.
 */
export function parseScriptDirective(rest: string): ScriptDirective {
  const words = splitQuotedEscaped(rest);
  if (words.length === 0) throw new ArgvError('KV_ARGV_EMPTY', 'missing command');
  const out: ScriptDirective = { argv: splitCommand(words[0]!) };
  if (words[1] !== undefined) out.user = words[1];
  if (words[2] !== undefined) out.group = words[2];
  return out;
}

/**
 * keepalived's "openability" form: argv[0] starting with `<`, optional blanks, then `/`
 * (`script "</dev/tcp/127.0.0.1/80"`). keepalived hands such a command to /bin/sh
 * (system()) unquoted, so the result depends on the shell: bash connects for
 * /dev/tcp|udp/HOST/PORT, dash (Debian's /bin/sh) tries to open that path as a file and
 * always fails. keepvip checks natively without a shell (docs/tracking.md).
 */
export type OpenCheck =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'udp'; host: string; port: number }
  | { kind: 'file'; path: string };

export function openCheckOf(argv: readonly string[]): OpenCheck | undefined {
  const a0 = argv[0];
  if (!a0 || a0[0] !== '<') return undefined;
  const rest = a0.slice(1).replace(/^[ \t]+/, '');
  if (rest[0] !== '/') return undefined;
  const m = /^\/dev\/(tcp|udp)\/([^/]+)\/([0-9]+)$/.exec(rest);
  if (m) {
    const port = Number(m[3]);
    if (port >= 0 && port <= 65535) return { kind: m[1] as 'tcp' | 'udp', host: m[2]!, port };
  }
  return { kind: 'file', path: rest };
}

/** How keepalived prints a command (cmd_str): each word in single quotes, space separated. */
export function commandString(argv: readonly string[]): string {
  if (argv[0]?.startsWith('<') || argv[0]?.startsWith('>')) return argv.join(' ');
  return argv.map((a) => `'${a}'`).join(' ');
}
