/**
 * Statements and blocks: `keyword [args...] [{ statements }]`. A statement ends at the end
 * of its line or at a brace; `{` opens the block of the statement before it (also when it
 * stands alone on the next line), `}` closes the innermost block.
 */
import type { Diagnostics, Position } from './diagnostics.js';
import type { Token } from './lexer.js';
import { tokenize } from './lexer.js';
import type { SourceLine } from './preprocess.js';

export interface Statement {
  keyword: Token;
  args: Token[];
  /** Present when the statement opened a block. */
  block?: Statement[];
  /** Where the block's `{` was. */
  open?: Position;
}

export function buildTree(lines: SourceLine[], diags: Diagnostics): Statement[] {
  const root: Statement[] = [];
  const stack: Array<{ list: Statement[]; owner?: Statement }> = [{ list: root }];
  const top = () => stack[stack.length - 1]!;
  let lastOnPreviousLine: Statement | undefined;

  for (const line of lines) {
    const tokens = tokenize(line, diags);
    let words: Token[] = [];
    let lastThisLine: Statement | undefined;
    const flush = (): Statement | undefined => {
      if (words.length === 0) return undefined;
      const st: Statement = { keyword: words[0]!, args: words.slice(1) };
      top().list.push(st);
      words = [];
      lastThisLine = st;
      return st;
    };
    for (const t of tokens) {
      if (t.kind === 'word') {
        words.push(t);
      } else if (t.kind === 'open') {
        let owner = flush();
        if (!owner && !lastThisLine && lastOnPreviousLine && !lastOnPreviousLine.block && top().list.at(-1) === lastOnPreviousLine) {
          owner = lastOnPreviousLine;
        }
        if (!owner || owner.block) {
          diags.error('unexpected-open-brace', "unexpected '{' without a keyword", t.pos);
          owner = { keyword: { ...t, kind: 'word', text: '{' }, args: [] };
          top().list.push(owner);
        }
        owner.block = [];
        owner.open = t.pos;
        stack.push({ list: owner.block, owner });
        lastThisLine = owner;
      } else {
        flush();
        if (stack.length === 1) {
          diags.error('unmatched-close-brace', "unmatched '}'", t.pos);
        } else {
          const closed = stack.pop()!;
          lastThisLine = closed.owner;
        }
      }
    }
    flush();
    lastOnPreviousLine = lastThisLine;
  }
  for (let i = stack.length - 1; i > 0; i--) {
    const owner = stack[i]!.owner!;
    diags.error('missing-close-brace', `block '${owner.keyword.text}' is not closed (missing '}')`, owner.open ?? owner.keyword.pos);
  }
  return root;
}
