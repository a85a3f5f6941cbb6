import { describe, expect, it } from 'vitest';
import { ArgvError, commandString, openCheckOf, parseScriptDirective, splitCommand, splitQuotedEscaped } from '../../src/track/argv.js';
import { ARGV_CASES } from './argv-cases.js';

const P = '/etc/keepalived/x.sh';

describe('parseScriptDirective matches what keepalived 2.2.7 passed to the script', () => {
  for (const c of ARGV_CASES) {
    const rest = c.rest.replace('P', P);
    it(JSON.stringify(c.rest), () => {
      if (c.error) {
        let err: unknown;
        try {
          parseScriptDirective(rest);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(ArgvError);
        expect((err as ArgvError).code).toBe(c.error);
        return;
      }
      const d = parseScriptDirective(rest);
      expect(d.argv).toEqual([P + (c.pathSuffix ?? ''), ...c.args!]);
      expect(d.user).toBe(c.user);
      expect(d.group).toBe(c.group);
    });
  }
});

describe('splitQuotedEscaped', () => {
  it('takes unquoted extra words as user and group', () => {
    expect(parseScriptDirective(`${P} nobody nogroup`)).toEqual({ argv: [P], user: 'nobody', group: 'nogroup' });
    expect(parseScriptDirective(`"${P} a" nobody`)).toEqual({ argv: [P, 'a'], user: 'nobody' });
  });

  it('keeps multi-byte UTF-8 and builds it from byte escapes', () => {
    expect(splitQuotedEscaped('é "ü x"')).toEqual(['é', 'ü x']);
    expect(splitQuotedEscaped(String.raw`\xc3\xa9`)).toEqual(['é']);
  });

  it('turns a lone high byte into U+FFFD (a Node.js argument is a string)', () => {
    expect(splitQuotedEscaped(String.raw`\377`)).toEqual(['\ufffd']);
  });

  it('splits on every C isspace character and joins quoted parts to their neighbours', () => {
    expect(splitQuotedEscaped('a\tb\nc\rd\ve\ff g')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(splitQuotedEscaped(`x"a b"'c d'y z`)).toEqual(['xa bc dy', 'z']);
    expect(splitQuotedEscaped(`'"' "'"`)).toEqual(['"', "'"]);
  });

  it('returns no words for blank input, and splitCommand refuses it', () => {
    expect(splitQuotedEscaped('  \t ')).toEqual([]);
    expect(() => splitCommand('   ')).toThrow(expect.objectContaining({ code: 'KV_ARGV_EMPTY' }));
    expect(() => splitCommand("''")).toThrow(expect.objectContaining({ code: 'KV_ARGV_EMPTY' }));
  });
});

describe('openCheckOf (keepalived\'s "</path" form)', () => {
  it.each([
    ['</dev/tcp/127.0.0.1/80', { kind: 'tcp', host: '127.0.0.1', port: 80 }],
    ['<  /dev/tcp/localhost/8080', { kind: 'tcp', host: 'localhost', port: 8080 }],
    ['</dev/udp/192.0.2.1/53', { kind: 'udp', host: '192.0.2.1', port: 53 }],
    ['</etc/hostname', { kind: 'file', path: '/etc/hostname' }],
    ['</dev/tcp/127.0.0.1/99999', { kind: 'file', path: '/dev/tcp/127.0.0.1/99999' }],
  ])('%s', (a0, want) => {
    expect(openCheckOf([a0])).toEqual(want);
  });

  it('does not apply to ordinary commands, a bare "<" word or output redirection', () => {
    expect(openCheckOf(['/usr/bin/test'])).toBeUndefined();
    expect(openCheckOf(['<', '/etc/hostname'])).toBeUndefined();
    expect(openCheckOf(['<x'])).toBeUndefined();
    expect(openCheckOf(['>/tmp/x'])).toBeUndefined();
  });
});

describe('commandString (keepalived cmd_str)', () => {
  it('quotes each word, except for redirection forms', () => {
    expect(commandString(['/bin/x', 'a b'])).toBe("'/bin/x' 'a b'");
    expect(commandString(['</dev/tcp/127.0.0.1/22'])).toBe('</dev/tcp/127.0.0.1/22');
  });
});
