/** The fan-out helper keeps order and never runs more than `limit` tasks at once. */
import { expect, it } from 'vitest';
import { mapLimited } from '../../src/surfaces/map-limited.js';

it('keeps the order of the items and bounds the tasks in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  const out = await mapLimited(Array.from({ length: 100 }, (_, i) => i), 7, async (i) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
    inFlight -= 1;
    return i * 2;
  });
  expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
  expect(peak).toBe(7);
});

it('handles no items', async () => {
  expect(await mapLimited([], 4, async () => 1)).toEqual([]);
});
