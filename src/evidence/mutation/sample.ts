/**
 * Reproducible choices of mutants: a seed always picks the same mutants from the same list, so a
 * sampled run can be repeated and compared.
 */

/** mulberry32: a small, well-distributed 32-bit generator; the same seed gives the same stream. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `limit` items of `items` chosen by `seed` (all of them when `limit` is at least their number),
 * in the order they have in `items`.
 */
export function sampleMutants<T>(items: readonly T[], limit: number, seed: number): T[] {
  if (limit >= items.length) return [...items];
  const random = generator(seed);
  const indexes = items.map((_, i) => i);
  // A partial Fisher-Yates shuffle: the first `limit` places end up a uniform sample.
  for (let i = 0; i < limit; i += 1) {
    const j = i + Math.floor(random() * (indexes.length - i));
    [indexes[i], indexes[j]] = [indexes[j] as number, indexes[i] as number];
  }
  return indexes
    .slice(0, Math.max(0, limit))
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}
