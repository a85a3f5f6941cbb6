import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/config/diagnostics.js';
import { preprocess, commentStart } from '../../src/config/preprocess.js';
import { memoryFs, type ConfigFs } from '../../src/config/fs.js';
import { braceExpand, expandInclude } from '../../src/config/glob.js';

function run(files: Record<string, string>, configId = 'main', main = '/etc/k/keepalived.conf') {
  const d = new Diagnostics();
  const r = preprocess(main, { fs: memoryFs(files), configId, random: () => 0 }, d);
  return { lines: r.lines.map((l) => l.text.trim()), raw: r.lines, files: r.files, diags: d.all() };
}

describe('comments', () => {
  it('start at # or ! outside quotes', () => {
    expect(commentStart('a b # c')).toBe(4);
    expect(commentStart('a "b # c" ! d')).toBe(10);
    expect(commentStart("x 'y!' z")).toBe(-1);
  });
});

describe('include', () => {
  it('expands globs and braces relative to the including file, recursively, in sorted order', () => {
    const r = run({
      '/etc/k/keepalived.conf': 'include conf.d/*.conf\ninclude {x,sub/y}.inc\n',
      '/etc/k/conf.d/b.conf': 'B',
      '/etc/k/conf.d/a.conf': 'A\ninclude ../x.inc',
      '/etc/k/conf.d/.hidden.conf': 'HIDDEN',
      '/etc/k/x.inc': 'X',
      '/etc/k/sub/y.inc': 'Y',
    });
    expect(r.lines).toEqual(['A', 'X', 'B', 'X', 'Y']);
    expect(r.files).toEqual(['/etc/k/keepalived.conf', '/etc/k/conf.d/a.conf', '/etc/k/x.inc', '/etc/k/conf.d/b.conf', '/etc/k/x.inc', '/etc/k/sub/y.inc']);
    expect(r.raw[1]).toMatchObject({ file: '/etc/k/x.inc', line: 1 });
    expect(r.diags).toEqual([]);
  });

  it('warns when nothing matches, when a file is unreadable, and on include loops', () => {
    const failing: ConfigFs = {
      ...memoryFs({ '/m.conf': 'include none*.conf\ninclude locked.conf\ninclude m.conf\n', '/locked.conf': '' }),
    };
    const base = failing.readFile;
    failing.readFile = (p) => {
      if (p === '/locked.conf') throw Object.assign(new Error('denied'), { code: 'EACCES' });
      return base(p);
    };
    const d = new Diagnostics();
    preprocess('/m.conf', { fs: failing, configId: 'x' }, d);
    const codes = d.all().map((x) => x.code);
    expect(codes).toContain('include-no-match');
    expect(codes).toContain('include-unreadable');
    expect(codes).toContain('include-depth');
    expect(d.all().find((x) => x.code === 'include-unreadable')!.message).toContain('EACCES');
  });

  it('brace expansion follows csh rules', () => {
    expect(braceExpand('{foo/{,cat,dog},bar}')).toEqual(['foo/', 'foo/cat', 'foo/dog', 'bar']);
    expect(braceExpand('a{b}c')).toEqual(['a{b}c']);
    expect(expandInclude(memoryFs({ '/d/a.x': '' }), '[ab].x', '/d').files).toEqual(['/d/a.x']);
  });
});

describe('conditionals and definitions', () => {
  it('keeps @ID lines for the config id and @^ID lines for the others', () => {
    const text = '@main a\n@backup b\n@^main c\n@^backup d\n';
    expect(run({ '/etc/k/keepalived.conf': text }, 'main').lines).toEqual(['a', 'd']);
    expect(run({ '/etc/k/keepalived.conf': text }, 'backup').lines).toEqual(['b', 'c']);
  });

  it('substitutes at use time, recursively, leaving undefined names alone', () => {
    const text = [
      '$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}',
      '$ADDRESS_BASE_SUB=0',
      '${ADDRESS_BASE}.100/32',
      '$ADDRESS_BASE_SUB=10',
      '${ADDRESS_BASE}.100/32',
      'script $UNDEFINED ${ALSO_UNDEFINED}',
      '$P=5',
      'priority $P',
      'x$P $Px',
    ].join('\n');
    expect(run({ '/etc/k/keepalived.conf': text }).lines).toEqual([
      '10.2.0.100/32',
      '10.2.10.100/32',
      'script $UNDEFINED ${ALSO_UNDEFINED}',
      'priority 5',
      'x5 $Px',
    ]);
  });

  it('expands multi-line definitions, with conditionals and definitions inside', () => {
    const text = ['$INST= \\', '  vrrp_instance VI_${NUM} { \\', '    @high priority 130 \\', '    @low priority 120 \\', '  }', '$NUM=1', '$INST'].join('\n');
    expect(run({ '/etc/k/keepalived.conf': text }, 'high').lines).toEqual(['vrrp_instance VI_1 {', 'priority 130', '}']);
  });

  it('maps substituted text to the position of the reference', () => {
    const r = run({ '/etc/k/keepalived.conf': '$IF=eth0\n  interface $IF extra\n' });
    const l = r.raw[0]!;
    expect(l.text).toBe('  interface eth0 extra');
    expect(l.cols[12]).toBe(13); // 'eth0' maps to the '$' of $IF
    expect(l.cols[17]).toBe(17); // ' extra' keeps its own columns
  });

  it('provides _PWD, _INSTANCE, _HASH, _BANG and _RANDOM', () => {
    const r = run({ '/etc/k/keepalived.conf': 'a ${_PWD} ${_INSTANCE} ${_HASH}${_BANG} ${_RANDOM 5 9}' }, 'n1');
    expect(r.lines).toEqual(['a /etc/k n1 #! 5']);
  });

  it('stops recursive definitions with a warning and reports ~SEQ as unsupported', () => {
    const r = run({ '/etc/k/keepalived.conf': '$A=x $A\nrouter_id $A\n~SEQ(N,1,3) ip ${N}\n' });
    expect(r.diags.map((d) => [d.code, d.severity, d.pos.line])).toEqual([
      ['definition-recursion', 'warning', 2],
      ['unsupported-syntax', 'error', 3],
    ]);
  });
});

describe('default config id', () => {
  it('is the host name up to the first dot, and @ID lines follow it when -i is not given', async () => {
    const { hostname } = await import('node:os');
    const { defaultConfigId, parseConfigText } = await import('../../src/config/load.js');
    const id = hostname().split('.')[0]!;
    expect(defaultConfigId()).toBe(id);
    expect(defaultConfigId()).not.toContain('.');
    const text = `global_defs {\n  @${id} router_id mine\n  @^${id} router_id others\n}\n`;
    const r = parseConfigText(text);
    expect(r.model.configId).toBe(id);
    expect(r.model.globalDefs.routerId).toBe('mine');
    // An explicit id (-i) replaces it.
    expect(parseConfigText(text, { configId: `${id}-other` }).model.globalDefs.routerId).toBe('others');
  });
});
