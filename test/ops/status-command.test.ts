import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../src/ops/control.js';
import { EXIT_BAD_ANSWER, EXIT_OK, EXIT_UNREACHABLE, runStatusCommand } from '../../src/ops/status-command.js';
import { formatStatusTable } from '../../src/ops/status-format.js';
import { sampleSnapshot } from './helpers/sample-snapshot.js';

function sink() {
  let text = '';
  return { write: (s: string) => void (text += s), get text() { return text; } };
}

describe('keepvip status', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function daemon(snapshot: () => ReturnType<typeof sampleSnapshot>): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'kvstatus-'));
    chmodSync(dir, 0o700);
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'keepvip.sock');
    const s: ControlServer = await startControlServer({ path, snapshot });
    cleanup.push(() => s.close());
    return path;
  }

  it('prints the table and exits 0 when the daemon answers', async () => {
    const socketPath = await daemon(() => sampleSnapshot());
    const out = sink();
    const err = sink();
    expect(await runStatusCommand({ socketPath, out, err })).toBe(EXIT_OK);
    expect(out.text).toBe(formatStatusTable(sampleSnapshot()));
    expect(err.text).toBe('');
  });

  it('prints the snapshot as JSON with --json', async () => {
    const socketPath = await daemon(() => sampleSnapshot());
    const out = sink();
    expect(await runStatusCommand({ socketPath, json: true, out, err: sink() })).toBe(EXIT_OK);
    expect(JSON.parse(out.text)).toEqual(sampleSnapshot());
  });

  it('exits 1 with a message when no daemon is reachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvstatus-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const out = sink();
    const err = sink();
    expect(await runStatusCommand({ socketPath: join(dir, 'none.sock'), out, err })).toBe(EXIT_UNREACHABLE);
    expect(out.text).toBe('');
    expect(err.text).toMatch(/^keepvip status: cannot reach the daemon at .*none\.sock: ENOENT\n$/);
  });

  it('exits 2 when the daemon answers with an error', async () => {
    const socketPath = await daemon(() => {
      throw Object.assign(new Error('starting up'), { code: 'NOT_READY' });
    });
    const err = sink();
    expect(await runStatusCommand({ socketPath, out: sink(), err })).toBe(EXIT_BAD_ANSWER);
    expect(err.text).toBe('keepvip status: daemon error NOT_READY: starting up\n');
  });
});
