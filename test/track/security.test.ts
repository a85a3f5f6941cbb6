/**
 * keepalived's script security rules (security.ts), on real files. Every row was also
 * run through keepalived 2.2.7 with enable_script_security (docs/tracking.md): "refused"
 * rows were disabled by keepalived ("Unsafe permissions found ... - disabling"), the
 * others ran.
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkScript } from '../../src/track/security.js';
import { createLab, skipReason } from '../helpers/netns.js';
import { startKeepalived } from './keepalived-lab.js';
import { prepareScript } from '../../src/track/prepare.js';
import type { UserDb } from '../../src/track/users.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

// chown to another user needs root; under CI=true run anyway so a missing privilege fails loudly.
describe.skipIf(!isRoot && !process.env.CI)('script security (keepalived check_script_secure)', () => {
  let base: string;
  const mk = (rel: string, mode: number, owner?: [number, number]): string => {
    const p = `${base}/${rel}`;
    mkdirSync(p, { recursive: true });
    chmodSync(p, mode);
    if (owner) chownSync(p, owner[0], owner[1]);
    return p;
  };
  // Each script leaves a mark when it runs (for the keepalived comparison below).
  const mark = (p: string): string => `${base}/marks/${p.replace(/\//g, '_')}`;
  const file = (p: string, mode = 0o755, owner?: [number, number]): string => {
    writeFileSync(p, `#!/bin/sh\ntouch ${base}/marks/$(echo "$0" | tr / _)\nexit 0\n`);
    chmodSync(p, mode);
    if (owner) chownSync(p, owner[0], owner[1]);
    return p;
  };

  beforeAll(() => {
    // mkdtemp gives 0700 root: fine as an ancestor (root-owned, not writable by others).
    base = mkdtempSync('/tmp/kv-sec-');
    chmodSync(base, 0o755);
    mk('marks', 0o777);
    file(`${mk('d1', 0o777)}/ok.sh`); // world-writable dir without sticky bit
    file(`${mk('d2', 0o755, [NOBODY, 0])}/ok.sh`); // dir owned by nobody
    file(`${mk('d3', 0o1777)}/ok.sh`); // sticky, root-owned: fine (like /tmp)
    file(`${mk('d4', 0o775, [0, NOBODY])}/ok.sh`); // group-writable, non-root group
    file(`${mk('d5', 0o775)}/ok.sh`); // group-writable, group root: fine
    const d6 = mk('d6', 0o755);
    file(`${d6}/ok.sh`);
    file(`${d6}/f.sh`, 0o757); // world-writable file
    file(`${d6}/g.sh`, 0o775, [0, NOBODY]); // group-writable file, non-root group
    file(`${d6}/g2.sh`, 0o775); // group-writable file, group root: fine
    file(`${d6}/h.sh`, 0o755, [NOBODY, 0]); // file owned by nobody
    file(`${d6}/n.sh`, 0o644); // not executable
    symlinkSync(`${base}/d1/ok.sh`, `${d6}/link.sh`); // resolves into d1
    file(`${base}/d1/suid.sh`, 0o4755); // setuid root, in an unsafe dir
    file(`${base}/d1/plain.sh`, 0o755);
    copyFileSync(`${d6}/ok.sh`, `${d6}/sgid.sh`);
    chmodSync(`${d6}/sgid.sh`, 0o755);
    chownSync(`${d6}/sgid.sh`, 0, NOBODY);
    chmodSync(`${d6}/sgid.sh`, 0o2755); // setgid non-root: no protection needed for nobody
    file(`${mk('d7', 0o757)}/ok.sh`); // world-writable (no sticky) via "other" bits only
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const root = { uid: 0, gid: 0, enforce: true };
  const nobody = { uid: NOBODY, gid: NOBODY, enforce: true };
  const rows: Array<[string, { uid: number; gid: number; enforce: boolean }, string | null, RegExp?]> = [
    ['d1/ok.sh', root, 'KV_SCRIPT_INSECURE', /d1' is writable by everyone/],
    ['d2/ok.sh', root, 'KV_SCRIPT_INSECURE', /d2' is owned by uid 65534/],
    ['d3/ok.sh', root, null],
    ['d4/ok.sh', root, 'KV_SCRIPT_INSECURE', /d4' is writable by group 65534/],
    ['d5/ok.sh', root, null],
    ['d6/ok.sh', root, null],
    ['d6/f.sh', root, 'KV_SCRIPT_INSECURE', /f\.sh' is writable by everyone/],
    ['d6/g.sh', root, 'KV_SCRIPT_INSECURE', /g\.sh' is writable by group 65534/],
    ['d6/g2.sh', root, null],
    ['d6/h.sh', root, 'KV_SCRIPT_INSECURE', /h\.sh' is owned by uid 65534/],
    ['d6/n.sh', root, 'KV_SCRIPT_NOT_EXECUTABLE', /not executable for uid:gid 0:0/],
    ['d6/link.sh', root, 'KV_SCRIPT_INSECURE', /d1\/ok\.sh/],
    ['d1/plain.sh', nobody, null], // not run as root: no path check
    ['d1/suid.sh', nobody, 'KV_SCRIPT_INSECURE'], // setuid root: checked even for nobody
    ['d6/sgid.sh', nobody, null],
    ['d7/ok.sh', root, 'KV_SCRIPT_INSECURE', /writable by everyone/],
    ['d6/missing.sh', root, 'KV_SCRIPT_NOT_FOUND'],
  ];

  it.each(rows)('%s as %o -> %s', async (rel, who, code, reason) => {
    const r = await checkScript([`${base}/${rel}`, 'arg'], who);
    if (code === null) {
      expect(r).toMatchObject({ ok: true, insecure: false });
      return;
    }
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe(code);
    if (reason) expect(r.reason).toMatch(reason);
  });

  it('without enable_script_security an unsafe script runs, with a warning', async () => {
    const r = await checkScript([`${base}/d1/ok.sh`], { uid: 0, gid: 0, enforce: false });
    expect(r).toMatchObject({ ok: true, insecure: true });
    if (r.ok) expect(r.warnings.join()).toMatch(/enable_script_security would refuse it/);
    // A script that cannot run is refused either way.
    expect(await checkScript([`${base}/d6/n.sh`], { uid: 0, gid: 0, enforce: false })).toMatchObject({ ok: false, code: 'KV_SCRIPT_NOT_EXECUTABLE' });
  });

  it('searches PATH for a bare name, with a warning', async () => {
    const r = await checkScript(['ok.sh'], { uid: 0, gid: 0, enforce: true, pathEnv: `${base}/nowhere:${base}/d6` });
    expect(r).toMatchObject({ ok: true, program: `${base}/d6/ok.sh` });
    if (r.ok) expect(r.warnings[0]).toMatch(/resolved by PATH search/);
    expect(await checkScript(['no-such-cmd-xyz'], { uid: 0, gid: 0, enforce: true, pathEnv: `${base}/d6` })).toMatchObject({
      ok: false,
      code: 'KV_SCRIPT_NOT_FOUND',
    });
  });

  it('accepts the "</path" form without looking at files', async () => {
    expect(await checkScript(['</dev/tcp/127.0.0.1/80'], root)).toMatchObject({ ok: true });
  });

  describe.skipIf(!!skipReason('keepalived'))('the same rows under keepalived 2.2.7 (enable_script_security, script_user root)', () => {
    it('keepalived runs exactly the scripts checkScript accepts', async () => {
      const live = rows.filter(([rel]) => !rel.includes('missing'));
      let conf = 'global_defs {\n  router_id sec\n  enable_script_security\n  script_user root\n}\n';
      live.forEach(([rel, who], i) => {
        conf += `vrrp_script s${i} {\n  script "${base}/${rel}"\n  interval 1\n${who.uid ? '  user nobody\n' : ''}}\n`;
        conf +=
          `vrrp_instance V${i} {\n  interface eth0\n  state BACKUP\n  virtual_router_id ${i + 1}\n  priority 100\n  advert_int 1\n` +
          `  virtual_ipaddress {\n    192.0.2.${100 + i}\n  }\n  track_script {\n    s${i}\n  }\n}\n`;
      });
      const lab = createLab({ nodes: ['a'] });
      try {
        const ka = startKeepalived(lab, lab.node('a').ns, base, conf);
        await new Promise((r) => setTimeout(r, 2500));
        await ka.stop();
      } finally {
        await lab.cleanup();
      }
      const theirs = live.map(([rel]) => `${rel}: ${existsSync(mark(`${base}/${rel}`)) ? 'ran' : 'refused'}`);
      const mine = await Promise.all(live.map(async ([rel, who]) => `${rel}: ${(await checkScript([`${base}/${rel}`], who)).ok ? 'ran' : 'refused'}`));
      expect(theirs).toEqual(mine);
      expect(theirs.filter((t) => t.endsWith('ran')).length).toBeGreaterThan(3);
      expect(theirs.filter((t) => t.endsWith('refused')).length).toBeGreaterThan(5);
    }, 30_000);
  });

  describe('prepareScript (user resolution + checks)', () => {
    const db: UserDb = {
      user: (n) => ({ root: { uid: 0, gid: 0 }, nobody: { uid: NOBODY, gid: NOBODY } })[n],
      group: (n) => ({ root: 0, nogroup: NOBODY })[n],
    };
    const self = { uid: 0, gid: 0 };

    it('refuses scripts without a user when enable_script_security is on and no default user exists', async () => {
      const r = await prepareScript({ argv: [`${base}/d6/ok.sh`] }, { enableScriptSecurity: true, db, self });
      expect(r).toMatchObject({ ok: false, code: 'KV_SCRIPT_NO_DEFAULT_USER' });
    });

    it('runs as root by default without enable_script_security, as script_user, or as the script own user', async () => {
      expect(await prepareScript({ argv: [`${base}/d6/ok.sh`] }, { enableScriptSecurity: false, db, self })).toMatchObject({ ok: true, user: '0' });
      const r = await prepareScript({ argv: [`${base}/d1/plain.sh`] }, { enableScriptSecurity: true, scriptUser: { user: 'nobody' }, db, self });
      expect(r).toMatchObject({ ok: true, uid: NOBODY, gid: NOBODY });
      const own = await prepareScript({ argv: [`${base}/d6/ok.sh`], user: 'nobody', group: 'root' }, { enableScriptSecurity: true, scriptUser: { user: 'root' }, db, self });
      expect(own).toMatchObject({ ok: true, uid: NOBODY, gid: 0 });
      expect(await prepareScript({ argv: [`${base}/d6/ok.sh`], user: 'ghost' }, { enableScriptSecurity: true, db, self })).toMatchObject({
        ok: false,
        code: 'KV_SCRIPT_UNKNOWN_USER',
      });
    });

    it('refuses an unsafe root script under enable_script_security', async () => {
      const r = await prepareScript({ argv: [`${base}/d1/ok.sh`] }, { enableScriptSecurity: true, scriptUser: { user: 'root' }, db, self });
      expect(r).toMatchObject({ ok: false, code: 'KV_SCRIPT_INSECURE' });
    });
  });
});
