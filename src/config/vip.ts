/**
 * One virtual_ipaddress line: ADDR[/LEN] [brd X] [dev IF] [scope S] [label L] [no_track]
 * plus the other `ip address add` options keepalived accepts. As in keepalived, a bad
 * address drops the line, a bad prefix length falls back to the host length, and an
 * unknown option is warned about and ignored.
 */
import type { Diagnostics } from './diagnostics.js';
import type { Statement } from './tree.js';
import type { VipEntry } from './model.js';
import { canonicalIp, familyOf } from '../core/ip.js';

const SCOPES = new Set(['site', 'link', 'host', 'nowhere', 'global']);
/** Options taking one value, kept as written. */
const VALUE_OPTIONS = new Set(['peer', 'preferred_lft', 'track_group']);
/** Flag options, kept as written. */
const FLAG_OPTIONS = new Set(['home', '-nodad', 'nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'use_vmac']);

export function parseVip(st: Statement, diags: Diagnostics): VipEntry | undefined {
  const words = [st.keyword, ...st.args];
  const first = words[0]!;
  const [addrText, lenText, ...rest] = first.text.split('/');
  const family = familyOf(addrText ?? '');
  if (!family || rest.length > 0) {
    diags.warning('invalid-value', `virtual address '${first.text}' is not a valid IP address (line ignored)`, first.pos);
    return undefined;
  }
  const hostLen = family === 4 ? 32 : 128;
  let prefixLen = hostLen;
  if (lenText !== undefined) {
    const n = /^\d+$/.test(lenText) ? Number(lenText) : NaN;
    if (Number.isNaN(n) || n > hostLen) {
      diags.warning('out-of-range', `invalid prefix length '${lenText}' for ${addrText} (using ${hostLen})`, first.pos);
    } else prefixLen = n;
  }
  const vip: VipEntry = {
    address: canonicalIp(addrText!),
    family,
    prefixLen,
    noTrack: false,
    options: [],
    pos: first.pos,
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const value = words[i + 1];
    const needValue = (): string | undefined => {
      if (!value) {
        diags.warning('missing-value', `'${w.text}' needs a value in a virtual address`, w.pos);
        return undefined;
      }
      i++;
      return value.text;
    };
    switch (w.text) {
      case 'brd':
      case 'broadcast': {
        const v = needValue();
        if (v === undefined) break;
        if (family !== 4 || (v !== '+' && v !== '-' && familyOf(v) !== 4)) {
          diags.warning('invalid-value', `invalid broadcast address '${v}' (ignored)`, value!.pos);
        } else vip.brd = v === '+' || v === '-' ? v : canonicalIp(v);
        break;
      }
      case 'dev': {
        const v = needValue();
        if (v !== undefined) vip.dev = v;
        break;
      }
      case 'scope': {
        const v = needValue();
        if (v === undefined) break;
        if (!SCOPES.has(v) && !/^\d+$/.test(v)) diags.warning('invalid-value', `invalid scope '${v}' (ignored)`, value!.pos);
        else vip.scope = v;
        break;
      }
      case 'label': {
        const v = needValue();
        if (v !== undefined) vip.label = v;
        break;
      }
      case 'no_track':
        vip.noTrack = true;
        break;
      default:
        if (VALUE_OPTIONS.has(w.text)) {
          const v = needValue();
          if (v !== undefined) vip.options.push(w.text, v);
        } else if (FLAG_OPTIONS.has(w.text)) {
          vip.options.push(w.text);
        } else {
          diags.warning('invalid-value', `unknown option '${w.text}' for a virtual address (ignored)`, w.pos);
        }
    }
  }
  return vip;
}
