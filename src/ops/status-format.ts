/**
 * `keepvip status` as a table for people. Pure: the same snapshot always prints the same
 * text, ages being measured against the snapshot's own `generatedAt`.
 */
import type { InstanceStatus, StatusSnapshot } from './status.js';

/** A compact age: 850ms, 4.2s, 3m12s, 5h03m, 2d04h. */
export function formatAge(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.floor(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

const signed = (n: number) => (n >= 0 ? `+${n}` : `${n}`);

/** "150" or "150 -> 160 (chk_ok +10, eth1 -20)". */
export function formatPriority(i: InstanceStatus): string {
  const { base, effective, adjustments } = i.priority;
  const why = adjustments.filter((a) => a.delta !== 0).map((a) => `${a.source} ${signed(a.delta)}`);
  if (base === effective && !why.length) return String(base);
  return `${base} -> ${effective}${why.length ? ` (${why.join(', ')})` : ''}`;
}

export function formatMaster(i: InstanceStatus, now: number): string {
  if (i.state === 'MASTER') return 'self';
  if (!i.master) return '-';
  return `${i.master.ip} (${i.master.priority}, ${formatAge(now - i.master.at)} ago)`;
}

export function formatTransition(i: InstanceStatus, now: number): string {
  const t = i.lastTransition;
  if (!t) return '-';
  return `${t.from}->${t.to} ${formatAge(now - t.at)} ago`;
}

/** "huaweicloud: claimed", "huaweicloud: claiming (attempt 2)", "openstack: failed HTTP_409 (attempt 3)". */
export function formatCloud(i: InstanceStatus): string {
  const c = i.cloud;
  if (!c) return '-';
  let text = `${c.provider}: ${c.state}`;
  if (c.state === 'failed' && c.lastError) text += ` ${c.lastError.code}`;
  if (c.state === 'claiming' || c.state === 'releasing' || c.state === 'failed') text += ` (attempt ${c.attempts})`;
  else if (c.attempts > 1) text += ` (${c.attempts} attempts)`;
  return text;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function formatStatusTable(s: StatusSnapshot): string {
  const now = s.generatedAt;
  const d = s.daemon;
  const out = [
    `keepvip ${d.version}  pid ${d.pid}  up ${formatAge(now - d.startedAt)}  config ${d.configFile}  router_id ${d.routerId}`,
  ];
  if (d.lastReload) {
    out.push(`last reload ${formatAge(now - d.lastReload.at)} ago: ${d.lastReload.ok ? 'ok' : `failed: ${d.lastReload.error ?? ''}`}`);
  }
  out.push('');
  if (!s.instances.length) out.push('no VRRP instances configured');
  else {
    out.push(
      ...table(
        ['INSTANCE', 'STATE', 'PRIORITY', 'MASTER', 'VIPS', 'LAST TRANSITION', 'CLOUD'],
        s.instances.map((i) => [
          i.name,
          i.state + (i.faults.length ? ` (${i.faults.join(', ')})` : ''),
          formatPriority(i),
          formatMaster(i, now),
          i.vips.join(',') || '-',
          formatTransition(i, now),
          formatCloud(i),
        ]),
      ),
    );
  }
  if (s.trackers.length) {
    out.push(
      '',
      ...table(
        ['TRACKER', 'KIND', 'STATUS', 'INSTANCES'],
        s.trackers.map((t) => [
          t.name,
          t.kind,
          (t.up ? 'up' : 'DOWN') + (t.detail ? ` (${t.detail})` : ''),
          t.instances.map((i) => `${i.name}:${signed(i.weight)}`).join(',') || '-',
        ]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
