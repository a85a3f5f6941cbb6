import { describe, expect, it } from 'vitest';
import { chooseFormat, createLog } from '../../src/ops/log.js';
import { CENSOR, redactDeep, redactPaths, SecretScrubber } from '../../src/ops/redact.js';

function capture() {
  const lines: string[] = [];
  return { lines, sink: { write: (s: string) => void lines.push(s) } };
}

describe('log format selection', () => {
  it('is JSON by default, pretty with -l or on a terminal, and explicit format wins', () => {
    expect(chooseFormat({})).toBe('json');
    expect(chooseFormat({ console: true })).toBe('pretty');
    expect(chooseFormat({ isTTY: true })).toBe('pretty');
    expect(chooseFormat({ console: true, format: 'json' })).toBe('json');
  });
});

describe('JSON logs', () => {
  it('write one JSON object per line with the event name, level label and fields', () => {
    const c = capture();
    const log = createLog({ sink: c.sink, isTTY: false });
    log.event('instance_state', { instance: 'VI_1', from: 'BACKUP', to: 'MASTER', priority: 150, reason: 'master down timer expired' });
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0]!.endsWith('\n')).toBe(true);
    const o = JSON.parse(c.lines[0]!);
    expect(o).toMatchObject({
      level: 'info',
      event: 'instance_state',
      instance: 'VI_1',
      from: 'BACKUP',
      to: 'MASTER',
      priority: 150,
      msg: 'state changed',
    });
    expect(typeof o.time).toBe('string');
  });

  it('leaves out debug events unless -D', () => {
    const c = capture();
    const log = createLog({ sink: c.sink, isTTY: false });
    log.event('master_seen', { instance: 'VI_1', master: '192.0.2.11', priority: 200 });
    expect(c.lines).toHaveLength(0);
    expect(log.enabled('master_seen')).toBe(false);
    const d = capture();
    const detail = createLog({ sink: d.sink, isTTY: false, detail: true });
    detail.event('master_seen', { instance: 'VI_1', master: '192.0.2.11', priority: 200 });
    expect(d.lines).toHaveLength(1);
    expect(JSON.parse(d.lines[0]!).level).toBe('debug');
  });

  it('writes only catalogued fields', () => {
    const c = capture();
    const log = createLog({ sink: c.sink, isTTY: false });
    const config = { instances: 2, auth_pass: 'pw-one-1', unrelated: 'x' };
    log.event('daemon_ready', config as unknown as { instances: number });
    const o = JSON.parse(c.lines[0]!);
    expect(o.instances).toBe(2);
    expect(o).not.toHaveProperty('auth_pass');
    expect(o).not.toHaveProperty('unrelated');
  });
});

describe('pretty logs', () => {
  it('are one human-readable line with the instance first, and no JSON braces around the message', () => {
    const c = capture();
    const log = createLog({ sink: c.sink, console: true, colorize: false });
    log.event('instance_state', { instance: 'VI_1', from: 'BACKUP', to: 'MASTER', priority: 150, reason: 'timer' });
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: \(VI_1\) state changed /);
    expect(c.lines[0]).toContain('"to":"MASTER"');
    expect(c.lines[0]!.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('secrets never reach the output', () => {
  const secrets = {
    auth_pass: 'vrrp-pw-8c1e',
    password: 'keystone-pw-4a7b',
    sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
    secret: 'app-cred-secret-19ff',
    token: 'gAAAAAB-token-value',
    securitytoken: 'sts-token-0d9e',
    'X-Auth-Token': 'x-auth-token-value-77',
    Authorization: 'SDK-HMAC-SHA256 Access=AK, Signature=abcdef0123',
  };
  const all = Object.values(secrets);

  for (const format of ['json', 'pretty'] as const) {
    it(`${format}: by key at any reachable depth through the raw pino logger`, () => {
      const c = capture();
      const log = createLog({ sink: c.sink, format, colorize: false });
      log.pino.info({ ...secrets }, 'top level');
      log.pino.info({ cfg: { ...secrets } }, 'nested once');
      log.pino.info({ a: { b: { ...secrets } } }, 'nested twice');
      log.pino.info({ a: { b: { c: { ...secrets } } } }, 'nested three times');
      log.pino.info({ a: { b: { c: { d: { e: { ...secrets } } } } } }, 'nested five times');
      log.pino.error(Object.assign(new Error('upstream said no'), { response: { headers: { 'x-subject-token': secrets.token } } }));
      log.pino.info({ headers: { 'x-auth-token': secrets['X-Auth-Token'], authorization: secrets.Authorization } }, 'headers');
      log.pino.info({ list: [{ password: secrets.password }] }, 'in an array');
      const out = c.lines.join('');
      expect(c.lines).toHaveLength(8);
      expect(out).toContain('upstream said no');
      for (const s of all) expect(out, s).not.toContain(s);
      expect(out).toContain(CENSOR);
    });

    it(`${format}: by value once registered, in messages and free-text fields`, () => {
      const c = capture();
      const log = createLog({ sink: c.sink, format, colorize: false, secrets: [secrets.auth_pass] });
      log.addSecret({ reveal: () => secrets.sk });
      log.addSecret('quote"and\\slash-secret');
      log.event('script_failed', { script: `/bin/check --pw ${secrets.auth_pass}`, code: 'EXIT', error: `bad ${secrets.sk}` });
      log.event('config_warning', { file: 'k.conf', line: 3, message: 'value quote"and\\slash-secret ignored' });
      log.pino.warn(`free text ${secrets.auth_pass}`);
      const out = c.lines.join('');
      expect(c.lines).toHaveLength(3);
      expect(out).not.toContain(secrets.auth_pass);
      expect(out).not.toContain(secrets.sk);
      expect(out).not.toContain('slash-secret');
      expect(out).toContain('/bin/check --pw [Redacted]');
    });
  }

  it('redact paths cover every secret key in written and lower case', () => {
    const paths = redactPaths();
    expect(paths).toContain('auth_pass');
    expect(paths).toContain('["x-auth-token"]');
    expect(paths).toContain('["X-Auth-Token"]');
    expect(paths).toContain('Authorization');
    expect(paths).toContain('authorization');
  });

  it('redactDeep censors nested keys copy-on-write and leaves clean records untouched', () => {
    const clean = { instance: 'VI_1', nested: { a: [1, { b: 2 }] } };
    expect(redactDeep(clean)).toBe(clean);
    const dirty = { instance: 'VI_1', cfg: { list: [{ Password: 'p1' }, { ok: 1 }] }, h: { 'X-Auth-Token': 't' } };
    const r = redactDeep(dirty);
    expect(r).toEqual({ instance: 'VI_1', cfg: { list: [{ Password: CENSOR }, { ok: 1 }] }, h: { 'X-Auth-Token': CENSOR } });
    expect(dirty.cfg.list[0]!.Password).toBe('p1');
    expect(r.cfg.list[1]).toBe(dirty.cfg.list[1]);
    const err = Object.assign(new Error('request failed'), { config: { headers: { authorization: 'Bearer zzz' } } });
    const re = redactDeep({ err }) as { err: { message: string; stack: string; config: { headers: { authorization: string } } } };
    expect(re.err.message).toBe('request failed');
    expect(re.err.stack).toContain('request failed');
    expect(re.err.config.headers.authorization).toBe(CENSOR);
  });

  it('the scrubber ignores values too short to scrub safely and replaces longest first', () => {
    const s = new SecretScrubber();
    s.add('ab');
    s.add('abcd');
    s.add('abcdef');
    expect(s.scrub('xx ab abcd abcdef')).toBe(`xx ab ${CENSOR} ${CENSOR}`);
  });
});
