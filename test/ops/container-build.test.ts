/**
 * The container image's build, outside Docker: copy the repository (tracked and new,
 * non-ignored files from the working tree, less what .dockerignore excludes, as
 * `docker build` would send them) to a temporary directory, run
 * scripts/build-runtime.sh there exactly as the Dockerfile's builder stage does, and
 * check that the runtime tree it assembles starts (`node bin/keepvip.js --help`) and
 * holds no development dependencies. npm uses its local cache first
 * (npm_config_prefer_offline), so the run takes about a minute on a warm machine.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');

/** A matcher for the .dockerignore patterns used here: paths, directories and `*` globs. */
function dockerignore(text: string): (path: string) => boolean {
  const pats = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const res = pats.map((p) => new RegExp(`^${p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}(/.*)?$`));
  return (path) => res.some((r) => r.test(path) || r.test(path.split('/').pop()!));
}

describe('Dockerfile', () => {
  const text = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
  it('builds with scripts/build-runtime.sh and ships its tree on a slim image', () => {
    expect(text).toMatch(/^FROM node:20-bookworm AS builder$/m);
    expect(text).toMatch(/^RUN bash scripts\/build-runtime\.sh \/opt\/keepvip$/m);
    expect(text).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(text).toMatch(/^COPY --from=builder \/opt\/keepvip \/opt\/keepvip$/m);
    expect(text).toMatch(/^HEALTHCHECK .*CMD \["keepvip", "status"\]$/m);
    expect(text).toMatch(/^ENTRYPOINT \["keepvip", "-n"\]$/m);
    expect(text).toMatch(/^CMD \["-f", "\/etc\/keepalived\/keepalived.conf"\]$/m);
  });

  it('.dockerignore keeps what the build needs and drops host build output', () => {
    const ignore = dockerignore(readFileSync(join(REPO, '.dockerignore'), 'utf8'));
    for (const keep of ['package.json', 'package-lock.json', 'binding.gyp', 'src/cli.ts', 'native/kv_addon.c', 'scripts/build-runtime.sh', 'bin/keepvip.js', 'config/keepalived.conf', 'tsconfig.build.json']) {
      expect(ignore(keep), keep).toBe(false);
    }
    for (const drop of ['node_modules/pino/package.json', 'dist/cli.js', 'build/Release/keepvip.node', 'x.tsbuildinfo', 'test/ops/log.test.ts']) {
      expect(ignore(drop), drop).toBe(true);
    }
  });
});

describe('scripts/build-runtime.sh (the Dockerfile build, outside Docker)', () => {
  let work: string;
  let out: string;
  let buildLog = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kvimage-'));
    const src = join(work, 'src');
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: REPO,
      encoding: 'utf8',
    })
      .split('\0')
      .filter(Boolean);
    // What `docker build .` would send: the files minus .dockerignore.
    const ignore = dockerignore(readFileSync(join(REPO, '.dockerignore'), 'utf8'));
    for (const f of files.filter((f) => !ignore(f))) {
      const from = join(REPO, f);
      if (!existsSync(from)) continue; // deleted in the working tree
      mkdirSync(dirname(join(src, f)), { recursive: true });
      cpSync(from, join(src, f));
    }
    out = join(work, 'runtime');
    try {
      const r = await run('bash', ['scripts/build-runtime.sh', out], {
        cwd: src,
        env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
      });
      buildLog = `${r.stdout}${r.stderr}`;
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`build-runtime.sh failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`.slice(-6000));
    }
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('assembles only what the runtime image ships', () => {
    expect(buildLog).toContain(`runtime tree in ${out}`);
    const top = readdirSync(out).sort();
    const expected = ['bin', 'dist', 'node_modules', 'package.json'];
    if (existsSync(join(REPO, 'binding.gyp'))) expected.push('build');
    if (existsSync(join(REPO, 'config'))) expected.push('config');
    expect(top).toEqual(expected.sort());
    expect(existsSync(join(out, 'dist', 'cli.js'))).toBe(true);
    // Runtime dependencies are there; development ones were pruned.
    for (const dep of ['pino', 'pino-pretty', 'prom-client', 'yargs']) expect(existsSync(join(out, 'node_modules', dep)), dep).toBe(true);
    for (const dev of ['vitest', 'typescript', 'tsx', 'fast-check', '@huaweicloud/huaweicloud-sdk-core', '@huaweicloud']) {
      expect(existsSync(join(out, 'node_modules', dev)), dev).toBe(false);
    }
  });

  it.skipIf(!existsSync(join(REPO, 'binding.gyp')))('ships a native addon that loads', () => {
    const addon = join(out, 'build', 'Release', 'keepvip.node');
    expect(existsSync(addon)).toBe(true);
    const loaded = execFileSync(process.execPath, ['-e', `console.log(typeof require(${JSON.stringify(addon)}))`], {
      encoding: 'utf8',
    });
    expect(loaded.trim()).toBe('object');
  });

  it('starts: node bin/keepvip.js --help exits 0', async () => {
    const r = await run(process.execPath, [join(out, 'bin', 'keepvip.js'), '--help'], { cwd: tmpdir(), timeout: 30_000 });
    expect(r.stdout).toMatch(/keepvip/);
  });

  it('starts as an executable through its #! line (the V8 flags the service runs with)', async () => {
    const bin = join(out, 'bin', 'keepvip.js');
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env -S node --no-memory-reducer');
    const r = await run(bin, ['--help'], { cwd: tmpdir(), timeout: 30_000 });
    expect(r.stdout).toMatch(/keepvip/);
  });
});
