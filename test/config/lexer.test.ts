import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/config/diagnostics.js';
import { tokenize } from '../../src/config/lexer.js';
import { buildTree } from '../../src/config/tree.js';
import { preprocess } from '../../src/config/preprocess.js';
import { memoryFs } from '../../src/config/fs.js';

const line = (text: string) => ({ file: 'f.conf', line: 3, text, cols: Array.from({ length: text.length }, (_, i) => i + 1) });

describe('tokenize', () => {
  it('splits words and braces with 1-based columns', () => {
    const d = new Diagnostics();
    const t = tokenize(line('vrrp_instance VI_1{ state MASTER }'), d);
    expect(t.map((x) => [x.kind, x.text, x.pos.col])).toEqual([
      ['word', 'vrrp_instance', 1],
      ['word', 'VI_1', 15],
      ['open', '{', 19],
      ['word', 'state', 21],
      ['word', 'MASTER', 27],
      ['close', '}', 34],
    ]);
    expect(t[0]!.pos).toEqual({ file: 'f.conf', line: 3, col: 1 });
  });

  it('joins quoted parts and keeps whitespace inside quotes (keepalived.conf(5) "Quoted strings")', () => {
    const d = new Diagnostics();
    expect(tokenize(line(`abcd" efg h jkl "mnop`), d).map((x) => x.text)).toEqual(['abcd efg h jkl mnop']);
    expect(tokenize(line(`abcd "efg h jkl" mnop`), d).map((x) => x.text)).toEqual(['abcd', 'efg h jkl', 'mnop']);
    expect(tokenize(line(`"a { b }"`), d).map((x) => [x.kind, x.text])).toEqual([['word', 'a { b }']]);
  });

  it('decodes escapes inside quotes only', () => {
    const d = new Diagnostics();
    const [t] = tokenize(line(String.raw`"\x41\102\t\"\\\cA\q"`), d);
    expect(t!.text).toBe('AB\t"\\\x01q');
    expect(tokenize(line(String.raw`a\tb`), d)[0]!.text).toBe(String.raw`a\tb`);
  });

  it('reports an unterminated quote at the word', () => {
    const d = new Diagnostics();
    const t = tokenize(line('notify "/bin/echo a'), d);
    expect(t.map((x) => x.text)).toEqual(['notify', '/bin/echo a']);
    expect(d.all()).toMatchObject([{ code: 'unterminated-quote', severity: 'error', pos: { line: 3, col: 8 } }]);
  });
});

describe('buildTree', () => {
  const tree = (text: string) => {
    const d = new Diagnostics();
    const fs = memoryFs({ '/c.conf': text });
    const { lines } = preprocess('/c.conf', { fs, configId: 'x' }, d);
    return { stmts: buildTree(lines, d), diags: d.all() };
  };

  it('attaches a block opened on the next line and closes blocks sharing lines', () => {
    const { stmts, diags } = tree('vrrp_instance A\n{\n interface eth0 ; x\n track_script { a b } priority 5\n}\n');
    expect(diags).toEqual([]);
    expect(stmts).toHaveLength(1);
    const body = stmts[0]!.block!;
    expect(body.map((s) => s.keyword.text)).toEqual(['interface', 'track_script', 'priority']);
    expect(body[0]!.args.map((a) => a.text)).toEqual(['eth0', ';', 'x']);
    expect(body[1]!.block!.map((s) => [s.keyword.text, ...s.args.map((a) => a.text)])).toEqual([['a', 'b']]);
  });

  it('reports unmatched and missing braces with positions', () => {
    const { diags } = tree('a {\n}\n}\nb {\n c\n');
    expect(diags.map((d) => [d.code, d.pos.line, d.pos.col])).toEqual([
      ['unmatched-close-brace', 3, 1],
      ['missing-close-brace', 4, 3],
    ]);
  });
});
