/** The pauses between attempts of a compare-and-set write that another replica beat. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONFLICT,
  CONFLICT_ATTEMPTS,
  MAX_CONFLICT_PAUSE_MS,
  conflictPauseMs,
  pauseBoundMs,
  retryOnConflict,
} from '../../src/redis/conflict-retry.js';
import { fuzzParams } from '../support/fuzz.js';

describe('conflict retry pauses', () => {
  it('each pause lies in [0, its bound], the bound doubles from 1 ms and stops at 32 ms', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: CONFLICT_ATTEMPTS - 1 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, draw) => {
          const pause = conflictPauseMs(retry, () => draw);
          expect(pause).toBeGreaterThanOrEqual(0);
          expect(pause).toBeLessThanOrEqual(pauseBoundMs(retry));
          expect(pauseBoundMs(retry)).toBe(Math.min(32, 2 ** (retry - 1)));
        },
      ),
      fuzzParams(200),
    );
  });

  it('spreads writers: the pause follows the random draw across its whole range', () => {
    expect(conflictPauseMs(6, () => 0)).toBe(0);
    expect(conflictPauseMs(6, () => 0.5)).toBe(16);
    expect(conflictPauseMs(6, () => 0.999)).toBeCloseTo(31.968, 3);
  });

  it('bounds what a write that loses every attempt spends pausing (below a second)', () => {
    let total = 0;
    for (let retry = 1; retry < CONFLICT_ATTEMPTS; retry++) total += pauseBoundMs(retry);
    expect(MAX_CONFLICT_PAUSE_MS).toBe(total);
    expect(MAX_CONFLICT_PAUSE_MS).toBeLessThan(1000);
  });

  it('retries an attempt that lost until one answers, and gives up after the last attempt', async () => {
    const seen: number[] = [];
    const third = await retryOnConflict((n) => {
      seen.push(n);
      return Promise.resolve(n < 2 ? CONFLICT : 'written');
    });
    expect(third).toBe('written');
    expect(seen).toEqual([0, 1, 2]);

    let attempts = 0;
    const lost = await retryOnConflict(() => {
      attempts += 1;
      return Promise.resolve(CONFLICT);
    });
    expect(lost).toBe(CONFLICT);
    expect(attempts).toBe(CONFLICT_ATTEMPTS);
  });
});
