/**
 * keepvip's subcommands beside keepalived's flags:
 *   keepvip status [--json] [--socket PATH | -f FILE]   the running daemon's view
 *   keepvip dump [--json] [--data] [--stats] [--file PATH] [--stdout] [--socket PATH | -f FILE]
 *                                                         the daemon's dumps, written at keepalived's paths
 *   keepvip cloud status [-f FILE] [--json]               the cloud's view of each cloud_vip
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { controlRequest, DEFAULT_CONTROL_SOCKET } from './ops/control.js';
import { runStatusCommand } from './ops/status-command.js';
import { runDumpCommand } from './ops/dump-command.js';
import { configSecrets, type DumpFormat } from './ops/dumps.js';
import { loadConfig } from './config/load.js';
import { providerConfigFromModel, vipsFromModel, type CloudVip } from './cloud/config.js';
import { createProvider } from './cloud/factory.js';
import type { CloudProvider } from './cloud/provider.js';
import { cloudStatus } from './cloud/status.js';

const DEFAULT_CONFIG = '/etc/keepalived/keepalived.conf';

/** The interface's MAC (this node's NIC on a server with several), when it exists here. */
function macOf(ifname: string | undefined): string | undefined {
  if (!ifname) return undefined;
  try {
    return readFileSync(`/sys/class/net/${ifname}/address`, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The control socket from --socket, else keepvip_defs control_socket of the config file, else the default. */
function socketFrom(socket: string | undefined, file: string | undefined): string {
  if (socket) return socket;
  if (file) {
    try {
      return loadConfig(file).model.keepvip.controlSocket ?? DEFAULT_CONTROL_SOCKET;
    } catch {
      return DEFAULT_CONTROL_SOCKET;
    }
  }
  return DEFAULT_CONTROL_SOCKET;
}

export async function statusCommand(argv: string[], io: Io): Promise<number> {
  const args = await yargs(argv)
    .scriptName('keepvip status')
    .option('json', { type: 'boolean', default: false, describe: 'Print the status snapshot as JSON' })
    .option('socket', { type: 'string', describe: `Control socket (default ${DEFAULT_CONTROL_SOCKET})` })
    .option('use-file', { alias: 'f', type: 'string', describe: 'Read control_socket from this configuration' })
    .strict()
    .exitProcess(false)
    .help()
    .parseAsync();
  if (args.help) return 0;
  return runStatusCommand({
    socketPath: socketFrom(args.socket, args['use-file']),
    json: args.json,
    out: { write: (s: string) => io.out(s) },
    err: { write: (s: string) => io.err(s) },
  });
}

export async function dumpCommand(argv: string[], io: Io): Promise<number> {
  const args = await yargs(argv)
    .scriptName('keepvip dump')
    .usage(
      'Usage: $0 [--json] [--data] [--stats] [--file PATH] [--stdout]\n\n' +
        "Fetch the running daemon's keepalived-compatible dumps over the control socket and write\n" +
        'them at keepalived\'s paths (/tmp/keepalived.json, .data, .stats; dump_dir when configured).',
    )
    .option('json', { type: 'boolean', default: false, describe: 'The JSON dump (/tmp/keepalived.json); the default' })
    .option('data', { type: 'boolean', default: false, describe: 'The data dump (/tmp/keepalived.data, as SIGUSR1)' })
    .option('stats', { type: 'boolean', default: false, describe: 'The stats dump (/tmp/keepalived.stats, as SIGUSR2)' })
    .option('file', { type: 'string', describe: 'Write to this path instead (one dump only)' })
    .option('stdout', { type: 'boolean', default: false, describe: 'Print the dump instead of writing a file' })
    .option('socket', { type: 'string', describe: `Control socket (default ${DEFAULT_CONTROL_SOCKET})` })
    .option('use-file', { alias: 'f', type: 'string', describe: 'Read control_socket and dump_dir from this configuration' })
    .strict()
    .exitProcess(false)
    .help()
    .parseAsync();
  if (args.help) return 0;
  const formats = (['json', 'data', 'stats'] as const).filter((f) => args[f]) as DumpFormat[];
  let model;
  if (args['use-file']) {
    try {
      model = loadConfig(args['use-file']).model;
    } catch (e) {
      io.err(`keepvip dump: ${(e as Error).message}\n`);
      return 2;
    }
  }
  return runDumpCommand({
    formats,
    socketPath: args.socket ?? model?.keepvip.controlSocket ?? DEFAULT_CONTROL_SOCKET,
    ...(args.file !== undefined ? { file: args.file } : {}),
    ...(model?.keepvip.dumpDir ? { dumpDir: model.keepvip.dumpDir } : {}),
    stdout: args.stdout,
    secrets: model ? configSecrets(model) : [],
    out: { write: (s: string) => io.out(s) },
    err: { write: (s: string) => io.err(s) },
  });
}

export async function cloudCommand(argv: string[], io: Io): Promise<number> {
  if (argv[0] !== 'status') {
    io.err("keepvip cloud: unknown subcommand; try 'keepvip cloud status -f FILE'\n");
    return 2;
  }
  const args = await yargs(argv.slice(1))
    .scriptName('keepvip cloud status')
    .option('use-file', { alias: 'f', type: 'string', default: DEFAULT_CONFIG })
    .option('config-id', { alias: 'i', type: 'string' })
    .option('json', { type: 'boolean', default: false })
    .strict()
    .exitProcess(false)
    .help()
    .parseAsync();
  if (args.help) return 0;
  let model;
  try {
    const r = loadConfig(args['use-file'], args['config-id'] ? { configId: args['config-id'] } : {});
    model = r.model;
  } catch (e) {
    io.err(`keepvip: ${(e as Error).message}\n`);
    return 2;
  }
  const providers = new Map<string, CloudProvider>();
  for (const p of model.cloudProviders) providers.set(p.name, createProvider(providerConfigFromModel(p)));
  const vips: CloudVip[] = [];
  for (const inst of model.instances) {
    if (!inst.cloudVip) continue;
    vips.push(...vipsFromModel(inst, macOf(inst.interface)));
  }
  if (!vips.length) {
    io.err('keepvip cloud status: no cloud_vip in the configuration\n');
    return 1;
  }
  const results = await cloudStatus(providers, vips);
  // This node's VRRP state, when its daemon answers, to say whether the cloud agrees.
  const states = new Map<string, string>();
  try {
    const res = await controlRequest(socketFrom(undefined, args['use-file']), { cmd: 'status' }, { timeoutMs: 2000 });
    if (res.ok && res.cmd === 'status') for (const i of res.result.instances) states.set(i.name, i.state);
  } catch {
    /* no daemon here: report the cloud's view alone */
  }
  const agreement = (instance: string | undefined, held: boolean): string => {
    const st = instance ? states.get(instance) : undefined;
    if (!st) return 'VRRP state unknown';
    const ok = held === (st === 'MASTER');
    return `VRRP ${st}: ${ok ? 'consistent' : 'INCONSISTENT'}`;
  };
  if (args.json) {
    const withState = results.map((r) => ({ ...r, vrrpState: (r.instance && states.get(r.instance)) || null }));
    io.out(`${JSON.stringify(withState, null, 2)}\n`);
  }
  else {
    for (const r of results) {
      if (!r.ok) io.out(`${r.instance ?? '-'}  ${r.vip}  ${r.provider}  ERROR ${r.code}: ${r.message}\n`);
      else {
        const holders = r.holders.map((h) => `${h.ip ?? h.portId ?? '?'}${h.self ? ' (this node)' : ''}`).join(', ') || 'none';
        const eips = r.eips.map((e) => e.address).join(', ') || 'none';
        io.out(
          `${r.instance ?? '-'}  ${r.vip}  ${r.provider}/${r.type}  vip_port ${r.vipPortId ?? '-'}  holders: ${holders}  ` +
            `held by this node: ${r.heldByThisNode ? 'yes' : 'no'} (${agreement(r.instance, r.heldByThisNode)})  EIPs: ${eips}\n`,
        );
      }
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
