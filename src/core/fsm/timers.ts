/**
 * VRRP timer arithmetic, in milliseconds (fractions allowed; the shell rounds when it
 * schedules). Pure functions of the RFC variables; nothing here reads a clock.
 *
 * RFC 9568 §6.1 ("Parameters per Virtual Router"):
 *   Skew_Time            = ((256 - Priority) * Master_Adver_Interval) / 256
 *   Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time
 * with intervals in centiseconds.
 *
 * RFC 3768 §6.1 (VRRPv2): Skew_Time = (256 - Priority) / 256 seconds, independent of the
 * advertisement interval; Master_Down_Interval = (3 * Advertisement_Interval) + Skew_Time.
 *
 * keepalived's `down_timer_adverts` replaces the 3 (a deliberate deviation from the RFCs
 * that every router of the virtual router must share).
 *
 * These follow the RFC formulas exactly (no rounding to whole centiseconds), so for
 * priority 200 and a 1 s interval v2 gives 3218.75 ms.
 */

/** Milliseconds per centisecond. */
export const MS_PER_CS = 10;

/** The RFC's default multiplier of Master_Adver_Interval in Master_Down_Interval. */
export const DEFAULT_DOWN_TIMER_ADVERTS = 3;

/** An interval in centiseconds as milliseconds. */
export function csToMs(cs: number): number {
  return cs * MS_PER_CS;
}

/**
 * Skew_Time in ms. RFC 9568 §6.1 for v3 (scaled by Master_Adver_Interval); RFC 3768 §6.1
 * for v2 (a fraction of one second).
 */
export function skewTime(version: 2 | 3, priority: number, masterAdverIntervalCs: number): number {
  if (version === 2) return ((256 - priority) * 1000) / 256;
  return ((256 - priority) * masterAdverIntervalCs * MS_PER_CS) / 256;
}

/**
 * Master_Down_Interval in ms: downTimerAdverts * Master_Adver_Interval + Skew_Time
 * (RFC 9568 §6.1; RFC 3768 §6.1 for v2, where Master_Adver_Interval is the configured
 * Advertisement_Interval).
 */
export function masterDownInterval(
  version: 2 | 3,
  priority: number,
  masterAdverIntervalCs: number,
  downTimerAdverts: number = DEFAULT_DOWN_TIMER_ADVERTS,
): number {
  return downTimerAdverts * masterAdverIntervalCs * MS_PER_CS + skewTime(version, priority, masterAdverIntervalCs);
}
