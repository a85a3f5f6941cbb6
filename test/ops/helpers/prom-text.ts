/**
 * A small parser for the Prometheus text exposition format (version 0.0.4), enough to
 * check scraped values: `# HELP`, `# TYPE`, and `name{label="value",...} number` lines
 * with escaped label values.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`bad labels: ${text}`);
    const name = text.slice(i, eq).trim().replace(/^,/, '').trim();
    if (text[eq + 1] !== '"') throw new Error(`unquoted label value: ${text}`);
    let j = eq + 2;
    let value = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        j++;
        value += text[j] === 'n' ? '\n' : text[j];
      } else value += text[j];
    }
    if (j >= text.length) throw new Error(`unterminated label value: ${text}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
  }
  return labels;
}

function parseValue(v: string): number {
  // Like Prometheus (Go's ParseFloat), the special values are case-insensitive.
  const l = v.toLowerCase();
  if (l === '+inf' || l === 'inf') return Infinity;
  if (l === '-inf') return -Infinity;
  if (l === 'nan') return NaN;
  const n = Number(v);
  if (Number.isNaN(n)) throw new Error(`bad sample value: ${v}`);
  return n;
}

export function parseExposition(text: string): Exposition {
  const out: Exposition = { samples: [], types: new Map(), help: new Map() };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'HELP' ? out.help : out.types).set(meta[2]!, meta[3]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`bad exposition line: ${line}`);
    out.samples.push({ name: m[1]!, labels: m[2] ? parseLabels(m[2]) : {}, value: parseValue(m[3]!) });
  }
  return out;
}

/** The value of the one sample with this name and exactly these labels (undefined if none). */
export function sampleValue(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).sort();
  const hits = e.samples.filter((s) => {
    if (s.name !== name) return false;
    const have = Object.entries(s.labels).sort();
    return have.length === want.length && have.every(([k, v], i) => want[i]![0] === k && want[i]![1] === v);
  });
  if (hits.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matched ${hits.length} samples`);
  return hits[0]?.value;
}
