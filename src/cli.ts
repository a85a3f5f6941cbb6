/**
 * keepvip's command line, with keepalived-compatible flags:
 *   -f/--use-file FILE   configuration file (default /etc/keepalived/keepalived.conf)
 *   -t/--config-test     check the configuration, print diagnostics, exit (see docs/config.md)
 *   -n/--dont-fork, -l/--log-console, -D/--log-detail, -p/--pid FILE, -i/--config-id ID
 *   --dump-config        print the resolved model as JSON (secrets redacted)
 *   status [--json], dump [--json|--data|--stats], cloud status   subcommands (src/cli-commands.ts)
 * Without -t or --dump-config the daemon runs (src/daemon.ts, loaded lazily).
 */
import { realpathSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigFileError, defaultConfigId, loadConfig } from './config/load.js';
import { formatDiagnostic } from './config/diagnostics.js';
import { redactModel } from './config/redact.js';
import { hostEnv, type ConfigEnv } from './config/env.js';

export { hostEnv };
import type { ConfigModel } from './config/model.js';

export const DEFAULT_CONFIG = '/etc/keepalived/keepalived.conf';

/** Exit codes (documented in docs/config.md beside keepalived's). */
export const EXIT = {
  /** The configuration will run (warnings and notes allowed). */
  OK: 0,
  /** The configuration has errors: keepvip would refuse to run it. */
  CONFIG_ERROR: 1,
  /** Bad command line, or the configuration file cannot be read. */
  USAGE: 2,
} as const;

export interface DaemonOptions {
  configFile: string;
  configId: string;
  dontFork: boolean;
  logConsole: boolean;
  logDetail: boolean;
  pidFile?: string;
  model: ConfigModel;
}

export type RunDaemon = (options: DaemonOptions) => Promise<number>;

export interface CliDeps {
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  /** Host facts for the checks (default: interfaces from /sys/class/net). */
  env?: ConfigEnv;
  /** The daemon entry; default: runDaemon exported by ./daemon.js, loaded on demand. */
  loadDaemon?: () => Promise<RunDaemon | undefined>;
}

/**
 * V8 flags of the daemon, set before its modules load. --optimize-for-size keeps the
 * young generation small: without it, V8 grows it to 32 MB under the allocation burst of
 * many instances starting, which is most of a 200-instance daemon's peak RSS
 * (docs/operations.md, Memory). KEEPVIP_OPTIMIZE_FOR_SIZE=0 keeps V8's defaults.
 */
export function daemonV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  return env.KEEPVIP_OPTIMIZE_FOR_SIZE === '0' ? [] : ['--optimize-for-size'];
}

async function defaultLoadDaemon(): Promise<RunDaemon | undefined> {
  for (const flag of daemonV8Flags()) setFlagsFromString(flag);
  // A variable specifier keeps the compiler from requiring the module to exist.
  const specifier = './daemon.js';
  try {
    const mod = (await import(specifier)) as { runDaemon?: RunDaemon };
    return typeof mod.runDaemon === 'function' ? mod.runDaemon : undefined;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  const out = deps.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = deps.stderr ?? ((s: string) => void process.stderr.write(s));
  if (argv[0] === 'status' || argv[0] === 'cloud' || argv[0] === 'dump') {
    const cmds = await import('./cli-commands.js');
    const io = { out, err };
    if (argv[0] === 'dump') return cmds.dumpCommand(argv.slice(1), io);
    return argv[0] === 'status' ? cmds.statusCommand(argv.slice(1), io) : cmds.cloudCommand(argv.slice(1), io);
  }
  let usageError: string | undefined;
  let helpShown = false;
  const parser = yargs(argv)
    .scriptName('keepvip')
    .usage('Usage: $0 [options]\n\nkeepalived-compatible VRRP agent with cloud VIP claiming.')
    .option('use-file', { alias: 'f', type: 'string', default: DEFAULT_CONFIG, describe: 'Use the specified configuration file' })
    .option('config-test', { alias: 't', type: 'boolean', default: false, describe: 'Check the configuration and exit' })
    .option('dont-fork', { alias: 'n', type: 'boolean', default: false, describe: 'Run in the foreground' })
    .option('log-console', { alias: 'l', type: 'boolean', default: false, describe: 'Log to the console' })
    .option('log-detail', { alias: 'D', type: 'boolean', default: false, describe: 'Detailed log messages' })
    .option('pid', { alias: 'p', type: 'string', describe: 'Use the specified pid file' })
    .option('config-id', { alias: 'i', type: 'string', describe: 'Configuration id for @ID lines (default: host name)' })
    .option('dump-config', { type: 'boolean', default: false, describe: 'Print the resolved configuration as JSON (secrets redacted)' })
    .help('help')
    .alias('help', 'h')
    .version(false)
    .strict()
    .exitProcess(false)
    .fail((msg, e) => {
      usageError = msg || e?.message || 'invalid command line';
    });
  const args = await parser.parseAsync(argv, {}, (_e, _a, output) => {
    if (output) {
      helpShown = true;
      out(`${output}\n`);
    }
  });
  if (usageError !== undefined) {
    err(`keepvip: ${usageError}\nTry 'keepvip --help'.\n`);
    return EXIT.USAGE;
  }
  if (helpShown || args.help) return EXIT.OK;

  const configFile = args['use-file'] as string;
  const configId = (args['config-id'] as string | undefined) ?? defaultConfigId();
  let result;
  try {
    result = loadConfig(configFile, { configId, env: deps.env ?? hostEnv() });
  } catch (e) {
    if (e instanceof ConfigFileError) {
      err(`keepvip: ${e.message}\n`);
      return EXIT.USAGE;
    }
    throw e;
  }
  const { model, diagnostics, ok } = result;

  if (args['config-test'] || args['dump-config']) {
    for (const d of diagnostics) err(`${formatDiagnostic(d)}\n`);
    if (args['dump-config']) out(`${JSON.stringify(redactModel(model), null, 2)}\n`);
    if (args['config-test']) {
      const count = (s: string) => diagnostics.filter((d) => d.severity === s).length;
      err(
        `keepvip: ${configFile}: ${count('error')} error(s), ${count('warning')} warning(s), ${count('note')} note(s): ` +
          `${ok ? 'configuration will run' : 'configuration will NOT run'}\n`,
      );
    }
    return ok ? EXIT.OK : EXIT.CONFIG_ERROR;
  }

  for (const d of diagnostics) err(`${formatDiagnostic(d)}\n`);
  if (!ok) {
    err(`keepvip: ${configFile}: configuration has errors, not starting\n`);
    return EXIT.CONFIG_ERROR;
  }
  const runDaemon = await (deps.loadDaemon ?? defaultLoadDaemon)();
  if (!runDaemon) {
    err('keepvip: daemon mode not available\n');
    return EXIT.CONFIG_ERROR;
  }
  const options: DaemonOptions = {
    configFile,
    configId,
    dontFork: args['dont-fork'] as boolean,
    logConsole: args['log-console'] as boolean,
    logDetail: args['log-detail'] as boolean,
    model,
  };
  if (args.pid) options.pidFile = args.pid as string;
  return runDaemon(options);
}

/** True when this module is the program being run (directly, or through bin/keepvip.js). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  let entry: string;
  try {
    entry = realpathSync(script);
  } catch {
    return false;
  }
  const self = fileURLToPath(import.meta.url);
  return entry === self || /(^|\/)keepvip(\.js)?$/.test(entry);
}

if (isEntryPoint()) {
  main(hideBin(process.argv)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`keepvip: internal error: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
