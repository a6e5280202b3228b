/**
 * The fan-out helper keeps order, never runs more than `concurrency` tasks at once, and gives the
 * event loop a turn after every `yieldEvery` task starts (so other requests are served meanwhile).
 */
import { expect, it } from 'vitest';
import { mapLimited } from '../../src/authz/map-limited.js';

it('keeps the order of the items and bounds the tasks in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  const out = await mapLimited(
    Array.from({ length: 100 }, (_, i) => i),
    { concurrency: 7, yieldEvery: 16 },
    async (i) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
      inFlight -= 1;
      return i * 2;
    },
  );
  expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
  expect(peak).toBe(7);
});

it('passes each item its index', async () => {
  expect(
    await mapLimited(['a', 'b', 'c'], { concurrency: 2, yieldEvery: 1 }, (item, i) =>
      Promise.resolve(`${item}${i}`),
    ),
  ).toEqual(['a0', 'b1', 'c2']);
});

it('handles no items', async () => {
  expect(await mapLimited([], { concurrency: 4, yieldEvery: 8 }, () => Promise.resolve(1))).toEqual(
    [],
  );
});

/** Tasks that settle without I/O, as cached decisions do: only microtasks, never a loop turn. */
const settled = (i: number) => Promise.resolve(i);

it('starts at most yieldEvery tasks between two turns of the event loop, across all workers', async () => {
  const startsPerTurn: number[] = [0];
  let turns = 0;
  const tick = () => {
    turns += 1;
    startsPerTurn.push(0);
    if (!done) setImmediate(tick);
  };
  let done = false;
  setImmediate(tick);
  await mapLimited(
    Array.from({ length: 1000 }, (_, i) => i),
    { concurrency: 32, yieldEvery: 50 },
    async (i) => {
      startsPerTurn[startsPerTurn.length - 1] = (startsPerTurn.at(-1) ?? 0) + 1;
      return settled(i);
    },
  );
  done = true;
  expect(startsPerTurn.reduce((a, b) => a + b, 0)).toBe(1000);
  expect(Math.max(...startsPerTurn)).toBeLessThanOrEqual(50);
  expect(turns).toBeGreaterThanOrEqual(1000 / 50 - 1);
});

it('lets a callback scheduled meanwhile run before the fan-out finishes', async () => {
  let finished = false;
  let ranBeforeTheEnd = false;
  setImmediate(() => (ranBeforeTheEnd = !finished));
  await mapLimited(
    Array.from({ length: 500 }, (_, i) => i),
    { concurrency: 32, yieldEvery: 64 },
    settled,
  );
  finished = true;
  expect(ranBeforeTheEnd).toBe(true);
});

it('with yieldEvery 0 it never yields: the whole fan-out runs before anything else (the old behaviour)', async () => {
  let finished = false;
  let ranBeforeTheEnd = false;
  setImmediate(() => (ranBeforeTheEnd = !finished));
  await mapLimited(
    Array.from({ length: 500 }, (_, i) => i),
    { concurrency: 32, yieldEvery: 0 },
    settled,
  );
  finished = true;
  expect(ranBeforeTheEnd).toBe(false);
});
