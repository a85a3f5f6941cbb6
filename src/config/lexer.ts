/**
 * Tokens of one logical line, as keepalived splits them: whitespace separates words,
 * `{` and `}` outside quotes are tokens of their own, `"` and `'` quote (the quote
 * characters are removed and "ab"cd is one word), and inside quotes the shell-like
 * escapes \a \b \E \f \n \r \t \v \nnn \xXX \cC and \C are decoded.
 * Every token carries the file:line:col of its first character.
 */
import type { Diagnostics, Position } from './diagnostics.js';
import type { SourceLine } from './preprocess.js';

export type TokenKind = 'word' | 'open' | 'close';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Whether any part of the word was quoted. */
  quoted: boolean;
  pos: Position;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Decode one escape starting after the backslash at text[i]; returns the text and next index. */
function decodeEscape(text: string, i: number): [string, number] {
  const c = text[i];
  if (c === undefined) return ['\\', i];
  if (c in SIMPLE_ESCAPES) return [SIMPLE_ESCAPES[c]!, i + 1];
  if (c >= '0' && c <= '7') {
    let j = i;
    while (j < text.length && j < i + 3 && text[j]! >= '0' && text[j]! <= '7') j++;
    return [String.fromCharCode(parseInt(text.slice(i, j), 8) & 0xff), j];
  }
  if (c === 'x') {
    let j = i + 1;
    while (j < text.length && /[0-9a-fA-F]/.test(text[j]!)) j++;
    if (j === i + 1) return ['x', i + 1];
    return [String.fromCharCode(parseInt(text.slice(i + 1, j), 16) & 0xff), j];
  }
  if (c === 'c' && i + 1 < text.length) return [String.fromCharCode(text.charCodeAt(i + 1) & 0x1f), i + 2];
  return [c, i + 1];
}

export function tokenize(line: SourceLine, diags: Diagnostics): Token[] {
  const { text, cols } = line;
  const tokens: Token[] = [];
  const pos = (i: number): Position => ({ file: line.file, line: line.line, col: cols[i] ?? (cols[cols.length - 1] ?? 0) + 1 });
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '{' || c === '}') {
      tokens.push({ kind: c === '{' ? 'open' : 'close', text: c, quoted: false, pos: pos(i) });
      i++;
      continue;
    }
    const start = i;
    let word = '';
    let quoted = false;
    let quote: string | undefined;
    while (i < text.length) {
      const ch = text[i]!;
      if (quote) {
        if (ch === quote) {
          quote = undefined;
          i++;
        } else if (ch === '\\') {
          const [s, next] = decodeEscape(text, i + 1);
          word += s;
          i = next;
        } else {
          word += ch;
          i++;
        }
        continue;
      }
      if (/\s/.test(ch) || ch === '{' || ch === '}') break;
      if (ch === '"' || ch === "'") {
        quote = ch;
        quoted = true;
        i++;
        continue;
      }
      word += ch;
      i++;
    }
    if (quote) diags.error('unterminated-quote', `unterminated ${quote === '"' ? 'double' : 'single'} quote`, pos(start));
    tokens.push({ kind: 'word', text: word, quoted, pos: pos(start) });
  }
  return tokens;
}
