/**
 * Keyword tables and the walker that applies them to a block. Each keyword is either
 * supported (a handler fills the draft), parsed but not acted upon by keepvip, not
 * supported at all, or part of keepalived's LVS configuration (skipped with one note per
 * configuration). Unknown keywords are warned about and skipped with their block.
 */
import type { Diagnostics, Position } from '../diagnostics.js';
import type { Statement } from '../tree.js';
import type { Draft } from './drafts.js';

export type KeywordStatus =
  /** keepvip implements it. */
  | 'supported'
  /** keepalived accepts it, keepvip reads it into the model but does not act on it. */
  | 'parsed-unsupported'
  /** keepalived accepts it, keepvip ignores it. */
  | 'unsupported'
  /** keepalived LVS / checker configuration: skipped with one note. */
  | 'lvs'
  /** keepalived accepts it as a deprecated synonym or no-op; keepvip does the same. */
  | 'deprecated';

export interface Ctx {
  diags: Diagnostics;
  draft: Draft;
  /** Set once the single LVS note has been given. */
  lvsNoted: boolean;
  /** Counter giving named blocks their reading order. */
  seq: number;
}

export interface KeywordSpec<T> {
  status: KeywordStatus;
  handle?: (st: Statement, target: T, ctx: Ctx) => void;
  /** Why it is not supported, shown in the diagnostic. */
  why?: string;
  /** Whether keepalived expects a block here (used for a helpful diagnostic). */
  block?: boolean;
  /**
   * Without its block, the keyword is still handled, as an empty block: keepalived 2.2.7
   * creates the item and its own checks refuse it (a `vrrp_instance NAME` cut off before
   * its `{` has no virtual_router_id).
   */
  emptyWithoutBlock?: boolean;
}

export type KeywordTable<T> = Record<string, KeywordSpec<T>>;

export function noteLvs(ctx: Ctx, pos: Position, what: string): void {
  if (ctx.lvsNoted) return;
  ctx.lvsNoted = true;
  ctx.diags.note(
    'lvs-skipped',
    `LVS configuration (${what} and any other virtual_server, virtual_server_group, real_server or checker keywords) skipped: keepvip implements VRRP only`,
    pos,
  );
}

export function walk<T>(
  stmts: Statement[],
  table: KeywordTable<T>,
  target: T,
  ctx: Ctx,
  where: string,
  /** keepvip's own blocks make unknown keys errors. */
  unknown: 'warning' | 'error' = 'warning',
): void {
  for (const st of stmts) {
    const name = st.keyword.text;
    // A '{' with no keyword was already reported by the tree builder.
    if (name === '{' && !st.keyword.quoted && st.args.length === 0) continue;
    const spec = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
    if (!spec) {
      ctx.diags.add(
        unknown,
        'unknown-keyword',
        `unknown keyword '${name}' in ${where} (skipped${st.block ? ' with its block' : ''})`,
        st.keyword.pos,
      );
      continue;
    }
    switch (spec.status) {
      case 'lvs':
        noteLvs(ctx, st.keyword.pos, `'${name}'`);
        continue;
      case 'unsupported':
        ctx.diags.warning(
          'unsupported-keyword',
          `'${name}' is not supported by keepvip (ignored${spec.why ? `: ${spec.why}` : ''})`,
          st.keyword.pos,
        );
        continue;
      case 'parsed-unsupported':
        ctx.diags.warning(
          'unsupported-keyword',
          `'${name}' is parsed but not supported by keepvip${spec.why ? ` (${spec.why})` : ''}`,
          st.keyword.pos,
        );
        break;
      case 'deprecated':
      case 'supported':
        break;
    }
    if (spec.block && !st.block) {
      ctx.diags.warning('block-expected', `'${name}' expects a { ... } block`, st.keyword.pos);
      if (!spec.emptyWithoutBlock) continue;
    }
    if (!spec.block && st.block) {
      ctx.diags.warning('unexpected-open-brace', `'${name}' does not take a block (block skipped)`, st.open ?? st.keyword.pos);
    }
    spec.handle?.(st, target, ctx);
  }
}

/** Build a table of keywords that are all handled the same way (unsupported, lvs...). */
export function many<T>(names: string[], spec: KeywordSpec<T>): KeywordTable<T> {
  const out: KeywordTable<T> = {};
  for (const n of names) out[n] = spec;
  return out;
}
