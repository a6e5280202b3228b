import { describe, expect, it } from 'vitest';
import { createTtlCache } from '../../src/directory/cache.js';
import { reconnectDelay } from '../../src/redis/client.js';

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('createTtlCache', () => {
  it('serves an entry until its TTL runs out', () => {
    const time = clock();
    const cache = createTtlCache<string | null>({ ttlMs: 100, maxEntries: 10, now: time.now });
    cache.set('acme', 'A', cache.ticket());
    time.advance(99);
    expect(cache.get('acme')).toEqual({ value: 'A' });
    time.advance(1);
    expect(cache.get('acme')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('caches "not found" as null, distinct from a miss', () => {
    const cache = createTtlCache<string | null>({ ttlMs: 100, maxEntries: 10, now: clock().now });
    cache.set('nope', null, cache.ticket());
    expect(cache.get('nope')).toEqual({ value: null });
    expect(cache.get('other')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = createTtlCache<number>({ ttlMs: 1000, maxEntries: 2, now: clock().now });
    cache.set('a', 1, cache.ticket());
    cache.set('b', 2, cache.ticket());
    cache.get('a'); // a is now more recent than b
    cache.set('c', 3, cache.ticket());
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual({ value: 1 });
    expect(cache.get('c')).toEqual({ value: 3 });
    expect(cache.size).toBe(2);
  });

  it('does not store a value fetched before an invalidation', () => {
    const cache = createTtlCache<string>({ ttlMs: 1000, maxEntries: 10, now: clock().now });
    const beforeDelete = cache.ticket();
    cache.delete('acme'); // invalidation arrives while the fetch is in flight
    cache.set('acme', 'old', beforeDelete);
    expect(cache.get('acme')).toBeUndefined();
    const beforeClear = cache.ticket();
    cache.clear();
    cache.set('acme', 'old', beforeClear);
    expect(cache.get('acme')).toBeUndefined();
    cache.set('acme', 'new', cache.ticket());
    expect(cache.get('acme')).toEqual({ value: 'new' });
  });

  it('stores nothing when the TTL is 0', () => {
    const cache = createTtlCache<string>({ ttlMs: 0, maxEntries: 10, now: clock().now });
    cache.set('acme', 'A', cache.ticket());
    expect(cache.get('acme')).toBeUndefined();
  });
});

describe('reconnectDelay', () => {
  it('grows exponentially from 50 ms and never exceeds the cap', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4, 5].map((n) => reconnectDelay(n, 2000, noJitter))).toEqual([
      50, 100, 200, 400, 800,
    ]);
    expect(reconnectDelay(7, 2000, noJitter)).toBe(2000);
    expect(reconnectDelay(1000, 2000, () => 0.999)).toBe(2000);
    expect(reconnectDelay(1, 2000, () => 0.5)).toBe(75);
  });
});
