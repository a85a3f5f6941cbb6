/**
 * notify_fifo / vrrp_notify_fifo writer, as keepalived 2.2.7 does it:
 * create the FIFO (mode 0666 less the umask) unless it exists, start the optional
 * notify_fifo_script with the FIFO's path as its last argument, then open the FIFO
 * O_RDWR|O_NONBLOCK. Holding a read end ourselves means the open never blocks and never
 * fails with ENXIO when no reader is there, and a write never raises EPIPE. A write that
 * finds the pipe full (EAGAIN) drops the line and counts it: the daemon never blocks on a
 * slow or absent reader. Lines are far below PIPE_BUF, so each is written whole or not at all.
 * On close the script gets SIGTERM (its group; SIGKILL 2 s later) and a FIFO we created
 * is removed.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants as C, fstatSync, openSync, promises as fsp, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { execCommand, type Execution, type SpawnFn } from '../track/exec.js';

const execFileP = promisify(execFile);

export type FifoErrorCode = 'KV_FIFO_CREATE' | 'KV_FIFO_OPEN' | 'KV_FIFO_NOT_FIFO';

export class FifoError extends Error {
  readonly code: FifoErrorCode;
  constructor(code: FifoErrorCode, message: string) {
    super(message);
    this.name = 'FifoError';
    this.code = code;
  }
}

/** Where notify lines go (a FifoWriter, or anything else in tests). */
export interface LineSink {
  write(line: string): boolean;
}

export interface FifoOptions {
  /** chown a FIFO we create (notify_fifo PATH USER GROUP). */
  owner?: { uid: number; gid: number };
  /** notify_fifo_script (already split and checked); the FIFO path is appended. */
  script?: { argv: readonly string[]; uid?: number; gid?: number };
  spawn?: SpawnFn;
}

export interface FifoStats {
  written: number;
  /** Lines dropped because the pipe was full (no reader, or a slow one). */
  dropped: number;
  /** Lines lost to other write errors. */
  errors: number;
}

export class FifoWriter implements LineSink {
  readonly stats: FifoStats = { written: 0, dropped: 0, errors: 0 };
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly created: boolean,
    private readonly script: Execution | undefined,
  ) {
    this.fd = fd;
  }

  static async open(path: string, opts: FifoOptions = {}): Promise<FifoWriter> {
    let created = false;
    try {
      const st = await fsp.lstat(path);
      if (!st.isFIFO()) throw new FifoError('KV_FIFO_NOT_FIFO', `${path} exists and is not a FIFO`);
    } catch (e) {
      if (e instanceof FifoError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FifoError('KV_FIFO_CREATE', `cannot stat ${path}: ${(e as Error).message}`);
      try {
        // Node has no mkfifo(2); coreutils' mkfifo applies the umask like keepalived's 0666.
        await execFileP('mkfifo', ['--', path]);
        created = true;
      } catch (err) {
        throw new FifoError('KV_FIFO_CREATE', `cannot create FIFO ${path}: ${(err as Error).message}`);
      }
      if (opts.owner) await fsp.chown(path, opts.owner.uid, opts.owner.gid);
    }
    let script: Execution | undefined;
    if (opts.script) {
      script = execCommand({
        argv: [...opts.script.argv, path],
        timeoutMs: 0,
        uid: opts.script.uid,
        gid: opts.script.gid,
        spawn: opts.spawn,
      });
    }
    let fd: number;
    try {
      fd = openSync(path, C.O_RDWR | C.O_NONBLOCK | C.O_NOFOLLOW); // libuv adds O_CLOEXEC
      if (!fstatSync(fd).isFIFO()) {
        closeSync(fd);
        throw new FifoError('KV_FIFO_NOT_FIFO', `${path} is not a FIFO`);
      }
    } catch (e) {
      script?.terminate();
      if (created) await fsp.unlink(path).catch(() => undefined);
      if (e instanceof FifoError) throw e;
      throw new FifoError('KV_FIFO_OPEN', `cannot open FIFO ${path}: ${(e as Error).message}`);
    }
    return new FifoWriter(path, fd, created, script);
  }

  /** Write one line now; false when it was dropped. Never blocks. */
  write(line: string): boolean {
    if (this.fd === undefined) {
      this.stats.errors++;
      return false;
    }
    const buf = Buffer.from(line, 'utf8');
    try {
      const n = writeSync(this.fd, buf);
      if (n !== buf.length) {
        this.stats.errors++;
        return false;
      }
      this.stats.written++;
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') this.stats.dropped++;
      else this.stats.errors++;
      return false;
    }
  }

  /** Stop the FIFO script, close, and remove the FIFO if we created it. */
  async close(): Promise<void> {
    if (this.script) {
      this.script.terminate();
      await this.script.result;
    }
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    if (this.created) await fsp.unlink(this.path).catch(() => undefined);
  }
}
