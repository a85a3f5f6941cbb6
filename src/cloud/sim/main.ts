/**
 * Run the cloud simulator standalone:
 *   tsx src/cloud/sim/main.ts --listen 127.0.0.1:8788 --state fixture.json [--seed 7]
 * Prints one JSON line {"url": ...} once listening; SIGINT/SIGTERM stop it. Faults, state
 * and the request log are then driven through the /_sim admin endpoint.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CloudSim } from './server.js';
import type { SimFixture } from './state.js';

export function parseListen(text: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  if (!m) {
    if (/^\d+$/.test(text)) return { host: '127.0.0.1', port: Number(text) };
    throw new Error(`--listen expects HOST:PORT, got ${text}`);
  }
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string', default: '127.0.0.1:0' },
      state: { type: 'string' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('usage: main.ts --listen HOST:PORT [--state fixture.json] [--seed N]\n');
    return;
  }
  const fixture = values.state ? (JSON.parse(await readFile(values.state, 'utf8')) as SimFixture) : {};
  const sim = new CloudSim({ fixture, seed: Number(values.seed) });
  const { host, port } = parseListen(values.listen!);
  const url = await sim.listen(port, host);
  process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`cloud simulator: ${(err as Error).message}\n`);
  process.exit(1);
});
