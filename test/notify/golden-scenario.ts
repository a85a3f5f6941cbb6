/**
 * The notify scenario compared with keepalived 2.2.7: one sync group G1 {VI_1, VI_2};
 * VI_1 tracks a weight-0 script that fails while a "fail" file exists. Driven
 * BACKUP -> MASTER -> FAULT -> BACKUP -> MASTER -> STOP. The same script lines build the
 * keepalived config and keepvip's notify targets, so both see identical strings.
 */
import { createReadStream } from 'node:fs';
import { parseScriptDirective } from '../../src/track/argv.js';
import type { NotifyTarget } from '../../src/notify/notifier.js';

/** Script lines per target: keyword -> the text after it, with $REC for the recorder. */
export const SCRIPT_LINES: Record<string, Record<string, string>> = {
  'GROUP:G1': {
    notify_master: '"$REC group-master"',
    notify_backup: '"$REC group-backup"',
    notify_fault: '"$REC group-fault"',
    notify_stop: '"$REC group-stop"',
    notify: '"$REC group-generic"',
  },
  'INSTANCE:VI_1': {
    notify_master: `"$REC master 'with space'"`,
    notify_backup: '"$REC backup"',
    notify_fault: '"$REC fault"',
    notify_stop: '"$REC stop"',
    notify: '"$REC generic"',
  },
  'INSTANCE:VI_2': {
    notify: '"$REC generic2"',
  },
};

/** A recorder: appends `ns-timestamp|arg1|arg2...` to LOG (one write, so lines never mix). */
export function recorderScript(log: string): string {
  return `#!/bin/sh\nline="$(date +%s%N)"\nfor a in "$@"; do line="$line|$a"; done\necho "$line" >> ${log}\n`;
}

export function keepalivedConfig(dir: string, rec: string): string {
  const lines = (k: string): string =>
    Object.entries(SCRIPT_LINES[k]!)
      .map(([kw, v]) => `  ${kw} ${v.replace('$REC', rec)}\n`)
      .join('');
  return `global_defs {
  router_id golden
  notify_fifo ${dir}/fifo
}
vrrp_script chk {
  script "/usr/bin/test ! -e ${dir}/fail"
  interval 1
  weight 0
}
vrrp_sync_group G1 {
  group {
    VI_1
    VI_2
  }
${lines('GROUP:G1')}}
vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  virtual_router_id 51
  priority 150
  advert_int 1
  virtual_ipaddress {
    192.0.2.100
  }
  track_script {
    chk
  }
${lines('INSTANCE:VI_1')}}
vrrp_instance VI_2 {
  interface eth0
  state BACKUP
  virtual_router_id 52
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.0.2.101
  }
${lines('INSTANCE:VI_2')}}
`;
}

const KEYS: Record<string, keyof NotifyTarget> = {
  notify_master: 'master',
  notify_backup: 'backup',
  notify_fault: 'fault',
  notify_stop: 'stop',
  notify: 'generic',
};

export function notifyTargets(rec: string): NotifyTarget[] {
  return Object.entries(SCRIPT_LINES).map(([k, kws]) => {
    const [kind, name] = k.split(':') as ['INSTANCE' | 'GROUP', string];
    const t: NotifyTarget = { kind, name };
    for (const [kw, v] of Object.entries(kws)) {
      (t as unknown as Record<string, unknown>)[KEYS[kw]!] = { argv: parseScriptDirective(v.replace('$REC', rec)).argv };
    }
    return t;
  });
}

/** Recorder log -> argv lists (timestamp dropped, recorder path replaced by $REC), in time order. */
export function readArgvLog(text: string, rec: string): string[][] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'))
    .sort((a, b) => (BigInt(a[0]!) < BigInt(b[0]!) ? -1 : BigInt(a[0]!) > BigInt(b[0]!) ? 1 : 0))
    .map((parts) => ['$REC', ...parts.slice(1)].map((a) => a.replace(rec, '$REC')));
}

/** Sorted, for comparing what ran regardless of the (unordered, in keepalived) timing. */
export function multiset(argvs: string[][]): string[] {
  return argvs.map((a) => JSON.stringify(a)).sort();
}

/** FIFO lines grouped per instance/group name, in order (what is deterministic across runs). */
export function perName(lines: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const l of lines) {
    const name = /"([^"]*)"/.exec(l)?.[1] ?? '?';
    (out[name] ??= []).push(l);
  }
  return out;
}

/** Collect lines from a FIFO until the last writer closes it. */
export function readFifoLines(path: string): { lines: string[]; opened: Promise<void>; ended: Promise<void> } {
  const lines: string[] = [];
  let buf = '';
  const s = createReadStream(path, { encoding: 'utf8' });
  s.on('data', (d: string | Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  const opened = new Promise<void>((r) => s.once('open', () => r()));
  const ended = new Promise<void>((r) => {
    s.on('end', () => r());
    s.on('error', () => r());
  });
  return { lines, opened, ended };
}
