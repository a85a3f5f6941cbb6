/**
 * The logger: pino writing JSON lines to stdout, or human-readable lines (pino-pretty's
 * prettyFactory, run in-process and synchronously: no worker-thread transport, so it
 * works in a single-file build) when `-l` is given or stdout is a terminal. `-D` lowers
 * the level from info to debug. Events come from the catalogue in events.ts only.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { createRequire } from 'node:module';
import { EVENTS, eventFieldNames, type EventDef, type EventFields, type EventName, type Level } from './events.js';
import { CENSOR, redactDeep, redactPaths, SecretScrubber, type SecretLike } from './redact.js';

/** Where finished lines go. */
export interface LineSink {
  write(line: string): unknown;
}

export interface LogOptions {
  /** keepalived `-l` / `--log-console`: human-readable lines. */
  console?: boolean;
  /** keepalived `-D` / `--log-detail`: debug level. */
  detail?: boolean;
  /** Explicit level (overrides `detail`). */
  level?: Level;
  /** Whether stdout is a terminal (default: process.stdout.isTTY); a terminal gets pretty lines. */
  isTTY?: boolean;
  /** Force the output format, whatever `console` and the terminal say. */
  format?: 'json' | 'pretty';
  /** Colours in pretty output (default: only on a terminal). */
  colorize?: boolean;
  /** Destination (default: stdout, written synchronously). */
  sink?: LineSink;
  /** Secret values to scrub from every line from the start. */
  secrets?: SecretLike[];
}

export interface Log {
  /** Log a catalogued event. Only the event's catalogued fields are written. */
  event<E extends EventName>(name: E, fields: EventFields<E>): void;
  /** Whether an event's level is enabled (to skip building costly fields). */
  enabled(name: EventName): boolean;
  /** Register a secret value (auth_pass, SK, token) to scrub from every line. */
  addSecret(value: SecretLike | undefined): void;
  readonly level: Level;
  readonly format: 'json' | 'pretty';
  /** The underlying pino logger (for libraries that want one); prefer event(). */
  readonly pino: Logger;
}

/** Which format the options select: explicit format, else `-l` or a terminal means pretty. */
export function chooseFormat(opts: Pick<LogOptions, 'console' | 'isTTY' | 'format'>): 'json' | 'pretty' {
  if (opts.format) return opts.format;
  return opts.console || opts.isTTY ? 'pretty' : 'json';
}

function stdoutSink(): LineSink {
  // pino.destination is a synchronous SonicBoom on fd 1: lines are out before exit.
  return pino.destination({ dest: 1, sync: true });
}

export function createLog(opts: LogOptions = {}): Log {
  const isTTY = opts.isTTY ?? Boolean(process.stdout.isTTY);
  const format = chooseFormat({ ...opts, isTTY });
  const level: Level = opts.level ?? (opts.detail ? 'debug' : 'info');
  const sink = opts.sink ?? stdoutSink();
  const scrubber = new SecretScrubber();
  for (const s of opts.secrets ?? []) scrubber.add(s);

  let destination: DestinationStream;
  if (format === 'pretty') {
    // Loaded only for pretty output: JSON logging (the service default) never pays for it.
    const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    const prettify = prettyFactory({
      colorize: opts.colorize ?? isTTY,
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
      ignore: 'pid,hostname,event',
      // "(VI_1) state changed ..." like keepalived's "(VI_1) Entering MASTER STATE".
      messageFormat: '{if instance}({instance}) {end}{msg}',
      singleLine: true,
    });
    destination = { write: (line: string) => void sink.write(prettify(scrubber.scrub(line))) };
  } else {
    destination = {
      write: (line: string) => void sink.write(scrubber.size ? scrubber.scrub(line) : line),
    };
  }

  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: (record) => redactDeep(record) },
      redact: { paths: redactPaths(), censor: CENSOR },
    },
    destination,
  );

  return {
    level,
    format,
    pino: logger,
    enabled: (name) => logger.isLevelEnabled(EVENTS[name].level),
    addSecret: (value) => scrubber.add(value),
    event(name, fields) {
      const def: EventDef = EVENTS[name];
      if (!logger.isLevelEnabled(def.level)) return;
      const record: Record<string, unknown> = { event: name };
      const src = fields as Record<string, unknown>;
      for (const f of eventFieldNames(name)) {
        const v = src[f];
        if (v !== undefined) record[f] = v;
      }
      logger[def.level](record, def.msg);
    },
  };
}

/** A Log that writes nothing (tests, tools). */
export function nullLog(): Log {
  return createLog({ sink: { write: () => undefined }, format: 'json', level: 'fatal' });
}
