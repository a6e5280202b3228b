/**
 * How a replica retries an optimistic write (a compare-and-set script) that another replica's
 * write beat: up to `CONFLICT_ATTEMPTS` attempts, and before each retry a pause drawn uniformly
 * from [0, min(CAP, BASE · 2^(retry − 1))] ms ("full jitter"), so writers that collided spread out
 * instead of colliding again in lock step. Every round of a race commits at least one writer, so a
 * race ends; the pauses keep the number of rounds a writer sits through small. At most
 * `MAX_CONFLICT_PAUSE_MS` is spent pausing before the write gives up (503, nothing changed).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export const CONFLICT_ATTEMPTS = 25;
const BASE_MS = 1;
const CAP_MS = 32;

/** The most a write that loses every attempt pauses in all (the sum of the pauses' bounds). */
export const MAX_CONFLICT_PAUSE_MS = Array.from({ length: CONFLICT_ATTEMPTS - 1 }, (_, r) =>
  pauseBoundMs(r + 1),
).reduce((a, b) => a + b, 0);

/** The upper bound of the pause before retry number `retry` (1 = the second attempt). */
export function pauseBoundMs(retry: number): number {
  return Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, retry - 1));
}

/** The pause before retry number `retry`; `random` answers in [0, 1) (Math.random by default). */
export function conflictPauseMs(retry: number, random: () => number = Math.random): number {
  return random() * pauseBoundMs(retry);
}

/** What an attempt answers when another replica's write beat it (nothing was written). */
export const CONFLICT = Symbol('conflict');

/**
 * Runs `attempt` (told its number, 0 first) until it answers other than CONFLICT, waiting out the
 * pause before each retry; CONFLICT when the last attempt lost too. An attempt reads what it
 * writes over itself, after the pause, so it never computes from state read before it.
 */
export async function retryOnConflict<T>(
  attempt: (n: number) => Promise<T | typeof CONFLICT>,
): Promise<T | typeof CONFLICT> {
  for (let n = 0; n < CONFLICT_ATTEMPTS; n++) {
    if (n > 0) await sleep(conflictPauseMs(n));
    const answer = await attempt(n);
    if (answer !== CONFLICT) return answer;
  }
  return CONFLICT;
}
