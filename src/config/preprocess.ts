/**
 * The line layer of keepalived's configuration reader: comments, `include` (glob and brace
 * expansion, relative to the including file), `@ID` / `@^ID` conditional lines,
 * `$NAME=VALUE` definitions (multi-line with a trailing `\`) and their use as `$NAME` /
 * `${NAME}`. The output is a list of logical lines, each character mapped back to the
 * file:line:col it came from (a substituted value maps to the `$` that named it).
 */
import { posix } from 'node:path';
import type { Diagnostics, Position } from './diagnostics.js';
import type { ConfigFs } from './fs.js';
import { expandInclude } from './glob.js';

export interface SourceLine {
  file: string;
  line: number;
  text: string;
  /** Column (1-based) in `file:line` of each character of `text`. */
  cols: number[];
}

export interface PreprocessOptions {
  fs: ConfigFs;
  /** keepalived's config id (-i), default: the host name up to the first dot. */
  configId: string;
  /** Source of randomness for ${_RANDOM}; default Math.random. */
  random?: () => number;
}

export interface PreprocessResult {
  lines: SourceLine[];
  /** Every file read, in order (the main file first). */
  files: string[];
}

const INCLUDE_WORDS = new Set(['include', 'includer', 'includem', 'includew', 'includeb', 'includea']);
const MAX_INCLUDE_DEPTH = 32;
/** Files read in total (the main file and every include): bounds an include fan-out. */
const MAX_FILES_READ = 10_000;
const MAX_SUBSTITUTION_DEPTH = 32;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

interface Definition {
  lines: string[];
}

/** Index of the first `#` or `!` outside quotes, or -1. */
export function commentStart(text: string): number {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' || c === '!') return i;
  }
  return -1;
}

function colsFrom(start: number, length: number): number[] {
  return Array.from({ length }, (_, i) => start + i);
}

export function preprocess(path: string, opts: PreprocessOptions, diags: Diagnostics): PreprocessResult {
  const defs = new Map<string, Definition>();
  const out: SourceLine[] = [];
  const files: string[] = [];
  const random = opts.random ?? Math.random;

  const processLine = (line: SourceLine, depth: number): void => {
    let { text, cols } = line;
    const pos = (i: number): Position => ({ file: line.file, line: line.line, col: cols[i] ?? cols[cols.length - 1] ?? 1 });
    // @ID / @^ID conditional lines.
    const lead = text.length - text.trimStart().length;
    if (text[lead] === '@') {
      const negate = text[lead + 1] === '^';
      const idStart = lead + (negate ? 2 : 1);
      let idEnd = idStart;
      while (idEnd < text.length && !/\s/.test(text[idEnd]!)) idEnd++;
      const id = text.slice(idStart, idEnd);
      const selected = negate ? id !== opts.configId : id === opts.configId;
      if (!selected) return;
      text = text.slice(idEnd);
      cols = cols.slice(idEnd);
    }
    // $NAME=VALUE definitions.
    const def = /^(\s*)\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(text);
    if (def) {
      const name = def[2]!;
      const value = def[3]!.trim();
      if (value.endsWith('\\')) {
        const first = value.slice(0, -1).trim();
        pending = { name, lines: first ? [first] : [] };
      } else {
        defs.set(name, { lines: [value] });
      }
      return;
    }
    const trimmed = text.trimStart();
    if (trimmed.startsWith('~SEQ') || trimmed.startsWith('~LST')) {
      diags.error(
        'unsupported-syntax',
        `${trimmed.slice(0, 4)} sequence/list blocks are not supported by keepvip (line ignored)`,
        pos(text.length - trimmed.length),
      );
      return;
    }
    const sub = substitute(text, cols, line, defs, opts.configId, random);
    if (sub) {
      if (depth >= MAX_SUBSTITUTION_DEPTH) {
        diags.warning('definition-recursion', 'parameter substitution nested too deeply (recursive definition?)', pos(sub.at));
        return;
      }
      for (const l of sub.lines) processLine(l, depth + 1);
      return;
    }
    if (text.trim() === '') return;
    out.push({ file: line.file, line: line.line, text, cols });
  };

  let pending: { name: string; lines: string[] } | undefined;

  // Files being read, outermost first: an include of one of them is a loop.
  const reading: string[] = [];
  let filesRead = 0;

  const readFile = (file: string, depth: number, from?: Position): void => {
    if (from && reading.includes(file)) {
      diags.warning('include-depth', `include loop: ${file} is already being read (not read again)`, from);
      return;
    }
    if (from && filesRead >= MAX_FILES_READ) {
      diags.warning('include-depth', `more than ${MAX_FILES_READ} files included: ${file} not read`, from);
      return;
    }
    filesRead++;
    let content: string;
    try {
      content = opts.fs.readFile(file);
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'EIO';
      if (from) diags.warning('include-unreadable', `cannot read included file ${file} (${code})`, from);
      else throw e;
      return;
    }
    files.push(file);
    reading.push(file);
    const physical = content.split('\n');
    for (let n = 0; n < physical.length; n++) {
      let raw = physical[n]!;
      if (raw.endsWith('\r')) raw = raw.slice(0, -1);
      const cut = commentStart(raw);
      const text = cut >= 0 ? raw.slice(0, cut) : raw;
      const cols = colsFrom(1, text.length);
      if (pending) {
        const t = text.trim();
        if (t.endsWith('\\')) {
          const part = t.slice(0, -1).trim();
          if (part) pending.lines.push(part);
        } else {
          if (t) pending.lines.push(t);
          defs.set(pending.name, { lines: pending.lines });
          pending = undefined;
        }
        continue;
      }
      const words = text.trim().split(/\s+/);
      if (INCLUDE_WORDS.has(words[0]!) && words.length >= 1) {
        const at: Position = { file, line: n + 1, col: text.length - text.trimStart().length + 1 };
        let pattern = text.trim().slice(words[0]!.length).trim();
        if (/^(["']).*\1$/.test(pattern)) pattern = pattern.slice(1, -1);
        if (!pattern) {
          diags.warning('missing-value', `${words[0]} needs a file name`, at);
          continue;
        }
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
          diags.warning('include-depth', `include nested more than ${MAX_INCLUDE_DEPTH} deep (include loop?)`, at);
          continue;
        }
        const { files: matched } = expandInclude(opts.fs, pattern, posix.dirname(file));
        const regular = matched.filter((f) => !opts.fs.isDirectory(f));
        if (regular.length === 0) diags.warning('include-no-match', `include: no file matches ${pattern}`, at);
        for (const f of regular) readFile(f, depth + 1, at);
        continue;
      }
      processLine({ file, line: n + 1, text, cols }, 0);
    }
    if (pending) {
      defs.set(pending.name, { lines: pending.lines });
      pending = undefined;
    }
    reading.pop();
  };

  readFile(path, 0);
  return { lines: out, files };
}

interface Substitution {
  lines: SourceLine[];
  /** Index in the text of the first substitution (for diagnostics). */
  at: number;
}

/** Replace defined $NAME / ${NAME} references; undefined ones stay as they are. */
function substitute(
  text: string,
  cols: number[],
  line: SourceLine,
  defs: Map<string, Definition>,
  configId: string,
  random: () => number,
): Substitution | undefined {
  // Build the output as a list of lines of (char, col) pairs.
  const lines: Array<{ text: string; cols: number[] }> = [{ text: '', cols: [] }];
  const cur = () => lines[lines.length - 1]!;
  let changed = false;
  let firstAt = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '$') {
      let name: string | undefined;
      let arg = '';
      let end = i;
      if (text[i + 1] === '{') {
        const close = text.indexOf('}', i + 2);
        if (close > 0) {
          const inner = text.slice(i + 2, close).trim();
          const m = /^([A-Za-z_][A-Za-z0-9_]*)(.*)$/.exec(inner);
          if (m) {
            name = m[1]!;
            arg = m[2]!.trim();
            end = close;
          }
        }
      } else {
        const m = NAME.exec(text.slice(i + 1));
        if (m && (i + 1 + m[0].length === text.length || /\s/.test(text[i + 1 + m[0].length]!))) {
          name = m[0];
          end = i + m[0].length;
        }
      }
      const value = name !== undefined ? lookup(name, arg, defs, line, configId, random) : undefined;
      if (value !== undefined) {
        changed = true;
        if (firstAt < 0) firstAt = i;
        const col = cols[i]!;
        value.forEach((v, k) => {
          if (k > 0) lines.push({ text: '', cols: [] });
          cur().text += v;
          cur().cols.push(...Array<number>(v.length).fill(col));
        });
        i = end;
        continue;
      }
    }
    cur().text += c;
    cur().cols.push(cols[i]!);
  }
  if (!changed) return undefined;
  return { lines: lines.map((l) => ({ file: line.file, line: line.line, text: l.text, cols: l.cols })), at: firstAt };
}

function lookup(
  name: string,
  arg: string,
  defs: Map<string, Definition>,
  line: SourceLine,
  configId: string,
  random: () => number,
): string[] | undefined {
  const d = defs.get(name);
  if (d) return d.lines;
  switch (name) {
    case '_PWD':
      return [posix.dirname(line.file)];
    case '_INSTANCE':
      return [configId];
    case '_HASH':
      return ['#'];
    case '_BANG':
      return ['!'];
    case '_RANDOM': {
      const [lo, hi] = arg.split(/\s+/).filter(Boolean).map(Number);
      const min = Number.isInteger(lo) ? lo! : 0;
      const max = Number.isInteger(hi) ? hi! : 32767;
      return [String(min + Math.floor(random() * (Math.max(max, min) - min + 1)))];
    }
    default:
      return undefined;
  }
}
