/**
 * What keepalived 2.2.7 hands to notify consumers (checked against the Debian package,
 * test/notify/fixtures/keepalived-2.2.7-golden.json):
 * - the generic `notify` script gets its configured argv plus four arguments:
 *   INSTANCE|GROUP, the name, MASTER|BACKUP|FAULT|STOP, the priority (groups pass 0;
 *   instances their effective priority);
 * - notify FIFOs get one line per event: `INSTANCE "VI_1" MASTER 150` + newline; also
 *   `GROUP "G1" BACKUP 0`, `INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150`, and with
 *   notify_priority_changes `INSTANCE "VI_1" MASTER_PRIORITY 220` / `BACKUP_PRIORITY`.
 */

export type NotifyKind = 'INSTANCE' | 'GROUP';

/** States passed to scripts. */
export type NotifyScriptState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

/** Everything a FIFO line can carry. */
export type FifoState = NotifyScriptState | 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

export function fifoLine(kind: NotifyKind, name: string, state: FifoState, priority: number): string {
  return `${kind} "${name}" ${state} ${kind === 'GROUP' ? 0 : priority}\n`;
}

export function genericArgv(argv: readonly string[], kind: NotifyKind, name: string, state: NotifyScriptState, priority: number): string[] {
  return [...argv, kind, name, state, String(kind === 'GROUP' ? 0 : priority)];
}

/** Parse a FIFO line back (for tests and tools); undefined if it is not one. */
export function parseFifoLine(line: string): { kind: NotifyKind; name: string; state: FifoState; priority: number } | undefined {
  const m = /^(INSTANCE|GROUP) "([^"]*)" ([A-Z_]+) (-?[0-9]+)$/.exec(line.replace(/\n$/, ''));
  if (!m) return undefined;
  return { kind: m[1] as NotifyKind, name: m[2]!, state: m[3] as FifoState, priority: Number(m[4]) };
}
