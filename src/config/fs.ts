/**
 * The file access the loader needs, behind an interface so tests can use an in-memory tree.
 * The default implementation reads the real file system synchronously.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';

export interface ConfigFs {
  /** Read a file as UTF-8; throws an Error with a `code` (ENOENT, EACCES, EISDIR...). */
  readFile(path: string): string;
  /** Entry names of a directory; throws when it is not one. */
  readdir(path: string): string[];
  isDirectory(path: string): boolean;
}

export const nodeFs: ConfigFs = {
  readFile: (path) => {
    if (statSync(path).isDirectory()) {
      const err = new Error(`${path} is a directory`) as Error & { code: string };
      err.code = 'EISDIR';
      throw err;
    }
    return readFileSync(path, 'utf8');
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
