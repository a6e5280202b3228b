/**
 * The small in-process cache in front of Redis: least-recently-used, each entry valid for `ttlMs`
 * after it was fetched. It stores "no such org" too (the value `null`), so probing unknown org ids
 * does not turn into a Redis round trip per request.
 *
 * Race guard: a read that started before an invalidation may finish after it with the old value.
 * Callers take a `ticket()` before fetching and pass it to `set`; any invalidation since then
 * (delete or clear) makes `set` a no-op, so an invalidated value is never put back.
 */
import type { Clock } from './deps.js';

export interface TtlCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now: Clock;
}

export interface TtlCache<V> {
  /** `{value}` for a live entry (the value may be null: a cached "not found"), else undefined. */
  get(key: string): { value: V } | undefined;
  ticket(): number;
  set(key: string, value: V, ticket: number): void;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
}

export function createTtlCache<V>(options: TtlCacheOptions): TtlCache<V> {
  const { ttlMs, maxEntries, now } = options;
  const enabled = ttlMs > 0 && maxEntries > 0;
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  const entries = new Map<string, { value: V; expires: number }>();
  let generation = 0;

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      if (entry.expires <= now()) return undefined;
      entries.set(key, entry);
      return { value: entry.value };
    },
    ticket: () => generation,
    set(key, value, ticket) {
      if (!enabled || ticket !== generation) return;
      entries.delete(key);
      entries.set(key, { value, expires: now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    delete(key) {
      generation += 1;
      entries.delete(key);
    },
    clear() {
      generation += 1;
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
