/**
 * `include` pattern expansion as keepalived does it with glob(3): csh-style brace
 * expansion first ("{a,b/{c,d}}"), then the wildcards * ? [...] per path segment.
 * Matches are sorted; a leading '.' is matched only by a pattern that starts with '.'.
 */
import { posix } from 'node:path';
import type { ConfigFs } from './fs.js';

/** Expand csh-style braces: "a{b,c{d,e}}f" -> ["abf", "acdf", "acef"]. Unbalanced braces stay literal. */
export function braceExpand(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const inner = pattern.slice(open + 1, i);
        const alternatives = splitTopLevel(inner);
        if (alternatives.length < 2 && inner.length > 0 && !inner.includes(',')) {
          // "{x}" is not an alternation in csh either: keep it literal, expand the rest.
          return braceExpand(pattern.slice(i + 1)).map((rest) => pattern.slice(0, i + 1) + rest);
        }
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        const out: string[] = [];
        for (const alt of alternatives) {
          for (const expanded of braceExpand(head + alt + tail)) out.push(expanded);
        }
        return out;
      }
    }
  }
  return [pattern];
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Translate one glob segment into an anchored RegExp. */
export function segmentRegExp(segment: string): RegExp {
  let re = '^';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < segment.length) {
      re += segment[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/** Expand one (brace-free) absolute pattern against the file system. */
function globOne(fs: ConfigFs, pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let paths = [absolute ? '/' : '.'];
  for (const seg of segments) {
    if (seg === '') continue;
    const next: string[] = [];
    for (const base of paths) {
      if (!hasWildcard(seg)) {
        next.push(posix.join(base, seg));
        continue;
      }
      let names: string[];
      try {
        names = fs.readdir(base);
      } catch {
        continue;
      }
      const re = segmentRegExp(seg);
      for (const name of names.sort()) {
        if (name.startsWith('.') && !seg.startsWith('.')) continue;
        if (re.test(name)) next.push(posix.join(base, name));
      }
    }
    paths = next;
  }
  return paths;
}

export interface GlobResult {
  /** Files matched, in order, without duplicates. */
  files: string[];
  /** Whether any part of the pattern was a wildcard (no match is then not an error for plain include). */
  wildcard: boolean;
}

/** Expand an include pattern relative to `dir` (the including file's directory). */
export function expandInclude(fs: ConfigFs, pattern: string, dir: string): GlobResult {
  const out: string[] = [];
  let wildcard = false;
  for (const alt of braceExpand(pattern)) {
    const abs = alt.startsWith('/') ? alt : posix.join(dir, alt);
    if (hasWildcard(alt)) {
      wildcard = true;
      out.push(...globOne(fs, abs).sort());
    } else {
      out.push(posix.normalize(abs));
    }
  }
  return { files: [...new Set(out)], wildcard };
}
