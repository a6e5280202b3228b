/**
 * A least-recently-used map bounded two ways: by entries and by bytes (the caller says what an
 * entry weighs). Invariants, after every call:
 * - `size <= maxEntries` and `bytes <= maxBytes`;
 * - an entry heavier than `maxBytes` is never held (and evicts nothing);
 * - eviction takes the least recently used entries first (`get` and `set` both count as use).
 * A bound of 0 holds nothing.
 */
export interface BoundedLru<V> {
  get(key: string): V | undefined;
  /** Holds `value` under `key`, weighing `weight` bytes; evicts the oldest entries to fit. */
  set(key: string, value: V, weight: number): void;
  clear(): void;
  readonly size: number;
  /** The summed weight of the entries held. */
  readonly bytes: number;
}

export function createBoundedLru<V>(limits: {
  maxEntries: number;
  maxBytes: number;
}): BoundedLru<V> {
  // A Map iterates in insertion order: re-inserting on use keeps the oldest entry first.
  const entries = new Map<string, { value: V; weight: number }>();
  let bytes = 0;
  const drop = (key: string) => {
    const held = entries.get(key);
    if (!held) return;
    entries.delete(key);
    bytes -= held.weight;
  };
  return {
    get(key) {
      const held = entries.get(key);
      if (!held) return undefined;
      entries.delete(key);
      entries.set(key, held);
      return held.value;
    },
    set(key, value, weight) {
      drop(key);
      if (
        limits.maxEntries <= 0 ||
        limits.maxBytes <= 0 ||
        !(weight >= 0) ||
        weight > limits.maxBytes
      )
        return;
      while (entries.size >= limits.maxEntries || bytes + weight > limits.maxBytes) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        drop(oldest.value);
      }
      entries.set(key, { value, weight });
      bytes += weight;
    },
    clear() {
      entries.clear();
      bytes = 0;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
