/**
 * Window arithmetic on ISO timestamps. Domain code never reads the clock: every caller passes
 * `now`, so the same inputs always give the same decision (and tests need no fake timers).
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/**
 * Whether `at` lies inside the sliding window that ends at `now`.
 *
 * An entry exactly `windowMs` old has expired (the window is half-open), so a limit of
 * "one per 24 h" lets the next action through at the 24-hour mark, not a millisecond later.
 * Entries dated after `now` (clock skew between writers) still count: dropping them would let a
 * skewed writer bypass a limit. Unparseable times never count.
 *
 * @example
 * isWithinWindow('2026-01-01T00:00:00Z', '2026-01-01T00:09:59Z', 10 * MINUTE_MS); // true
 * isWithinWindow('2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z', 10 * MINUTE_MS); // false
 */
export const isWithinWindow = (at: string, now: string, windowMs: number): boolean => {
  const age = Date.parse(now) - Date.parse(at);
  return age < windowMs;
};
