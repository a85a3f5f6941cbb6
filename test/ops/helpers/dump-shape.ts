/**
 * Structure of keepalived's text dumps, for comparing ours with a real capture: section
 * rulers, the objects in each section, and each object's keys in order.
 */

export interface DumpObject {
  /** e.g. "VRRP Instance = VI_1" */
  header: string;
  name: string;
  /** Keys of the three-space-indented lines, in order. */
  keys: string[];
  /** The raw lines of the object (header excluded). */
  lines: string[];
}

/** The key of a `   Key = value`, `   Key : value`, `   Key:` or `   Words 1.2.3.4` line. */
export function lineKey(line: string): string {
  const t = line.trim();
  const m = /^(.*?)(?: = |:(?: |$)| : )/.exec(t);
  if (m) return m[1]!.trim();
  const words = t.split(/\s+/);
  const i = words.findIndex((w) => /\d/.test(w));
  return (i < 0 ? words : words.slice(0, i)).join(' ');
}

/** Sections by ruler name, each a list of objects (one-space-indented headers). */
export function parseDataDump(text: string): Map<string, DumpObject[]> {
  const sections = new Map<string, DumpObject[]>();
  let current: DumpObject[] | undefined;
  let obj: DumpObject | undefined;
  let rulerName = '';
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const ruler = /^------< (.+) >------$/.exec(line);
    if (ruler) {
      current = [];
      rulerName = ruler[1]!;
      sections.set(rulerName, current);
      obj = undefined;
      continue;
    }
    if (!current) throw new Error(`line outside a section: ${line}`);
    if (/^ \S/.test(line) && rulerName !== 'Global definitions') {
      const header = line.trim();
      obj = { header, name: header.split(/ = |, /)[1] ?? header, keys: [], lines: [] };
      current.push(obj);
    } else if (/^ {3}\S/.test(line)) {
      if (!obj) throw new Error(`line outside an object: ${line}`);
      obj.keys.push(lineKey(line));
      obj.lines.push(line);
    } else if (obj) {
      obj.lines.push(line);
    }
  }
  return sections;
}

/** Whether `sub` appears in `seq` in the same order (not necessarily adjacent). */
export function isSubsequence(sub: readonly string[], seq: readonly string[]): boolean {
  let j = 0;
  for (const s of sub) {
    while (j < seq.length && seq[j] !== s) j++;
    if (j === seq.length) return false;
    j++;
  }
  return true;
}

/** Stats dump per instance with numbers replaced by N. */
export function statsShape(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = /^VRRP Instance: (.+)$/.exec(line);
    if (m) {
      cur = [];
      out.set(m[1]!, cur);
      continue;
    }
    cur?.push(line.replace(/: \d+$/, ': N'));
  }
  return out;
}
