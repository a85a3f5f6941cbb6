/**
 * The file access the loader needs, behind an interface so tests can use an in-memory tree.
 * The default implementation reads the real file system synchronously.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';

/**
 * Larger files are refused (EFBIG) instead of read: a device such as /dev/zero never ends,
 * and a file this size is not a configuration.
 */
export const MAX_CONFIG_BYTES = 128 * 1024 * 1024;

export interface ConfigFs {
  /** Read a file as UTF-8; throws an Error with a `code` (ENOENT, EACCES, EISDIR...). */
  readFile(path: string): string;
  /** Entry names of a directory; throws when it is not one. */
  readdir(path: string): string[];
  isDirectory(path: string): boolean;
}

export const nodeFs: ConfigFs = {
  readFile: (path) => {
    const fail = (code: string, message: string): never => {
      throw Object.assign(new Error(message), { code });
    };
    if (statSync(path).isDirectory()) fail('EISDIR', `${path} is a directory`);
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      if (st.size > MAX_CONFIG_BYTES) fail('EFBIG', `${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
      if (st.isFile()) return readFileSync(fd, 'utf8');
      // Character devices and pipes report no size: read to the end, never past the cap.
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const chunk = Buffer.allocUnsafe(1 << 20);
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        total += n;
        if (total > MAX_CONFIG_BYTES) fail('EFBIG', `${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
        chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      }
      return Buffer.concat(chunks, total).toString('utf8');
    } finally {
      closeSync(fd);
    }
  },
  readdir: (path) => readdirSync(path),
  isDirectory: (path) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
};

/** An in-memory file tree (absolute paths) for tests. */
export function memoryFs(files: Record<string, string>): ConfigFs {
  const dirs = new Set<string>();
  for (const p of Object.keys(files)) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/') || '/');
  }
  const fail = (code: string, path: string): never => {
    const err = new Error(`${code}: ${path}`) as Error & { code: string };
    err.code = code;
    throw err;
  };
  return {
    readFile: (path) => (path in files ? files[path]! : dirs.has(path) ? fail('EISDIR', path) : fail('ENOENT', path)),
    readdir: (path) => {
      if (!dirs.has(path)) return fail('ENOTDIR', path);
      const prefix = path === '/' ? '/' : `${path}/`;
      const names = new Set<string>();
      for (const p of [...Object.keys(files), ...dirs]) {
        if (p.startsWith(prefix) && p.length > prefix.length) names.add(p.slice(prefix.length).split('/')[0]!);
      }
      return [...names];
    },
    isDirectory: (path) => dirs.has(path),
  };
}
