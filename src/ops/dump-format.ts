/** Small text helpers shared by the keepalived-style dumps. */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * keepalived's timestamp: seconds with 6 decimals, then ctime-style local time with
 * microseconds, e.g. `1795297241.743729 (Sat Nov 21 21:40:41.743729 2026)`.
 */
export function keepalivedTime(ms: number): string {
  const usec = Math.round(ms * 1000);
  const sec = Math.floor(usec / 1e6);
  const frac = pad(usec - sec * 1e6, 6);
  const d = new Date(sec * 1000);
  const day = String(d.getDate()).padStart(2, ' ');
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${frac}`;
  return `${sec}.${frac} (${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${day} ${clock} ${d.getFullYear()})`;
}

/** Seconds as keepalived prints them in the data dump (`5`, `0.5`). */
export function secs(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/** keepalived quotes each script argument: `'/usr/bin/check' 'arg'`. */
export function quoteArgv(argv: string[]): string {
  return argv.map((a) => `'${a}'`).join(' ');
}
