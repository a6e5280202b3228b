/** The Redis timings the slow- and hung-Redis faults run with, and the bound they derive. */

/**
 * A little above the 200 ms default, so a busy host's own pauses never time out a read with Redis
 * healthy (a `directory_unavailable` outside any fault would blur the row); what is checked is the
 * behaviour past the timeout, whatever its value.
 */
export const COMMAND_TIMEOUT_MS = 250;
/** The default; the quick run's fault is shorter than that, so it uses 1 s to reach past it. */
export const cacheTtlMs = (quick: boolean) => (quick ? 1000 : 5000);
/** Timers and a decision's own round trip on top of the cache's lifetime. */
export const CACHE_MARGIN_MS = 500;
