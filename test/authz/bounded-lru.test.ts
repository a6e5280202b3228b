import { describe, expect, it } from 'vitest';
import { createBoundedLru } from '../../src/authz/bounded-lru.js';

describe('the bounded LRU', () => {
  it('holds at most maxEntries, evicting the least recently used first', () => {
    const lru = createBoundedLru<number>({ maxEntries: 3, maxBytes: 1000 });
    lru.set('a', 1, 10);
    lru.set('b', 2, 10);
    lru.set('c', 3, 10);
    expect(lru.get('a')).toBe(1); // a is now the most recently used; b the least
    lru.set('d', 4, 10);
    expect(lru.size).toBe(3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([1, 3, 4]);
    expect(lru.bytes).toBe(30);
  });

  it('holds at most maxBytes, evicting as many old entries as it takes', () => {
    const lru = createBoundedLru<string>({ maxEntries: 100, maxBytes: 100 });
    for (const key of ['a', 'b', 'c', 'd']) lru.set(key, key, 25);
    expect(lru.bytes).toBe(100);
    lru.set('big', 'big', 60); // needs a, b and c gone (25 + 60 > 100 until only d is left)
    expect(lru.bytes).toBe(85);
    expect(lru.size).toBe(2);
    expect(lru.get('a') ?? lru.get('b') ?? lru.get('c')).toBeUndefined();
    expect([lru.get('d'), lru.get('big')]).toEqual(['d', 'big']);
  });

  it('never holds an entry heavier than maxBytes, and evicts nothing for it', () => {
    const lru = createBoundedLru<number>({ maxEntries: 10, maxBytes: 50 });
    lru.set('a', 1, 20);
    lru.set('huge', 2, 51);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.bytes).toBe(20);
  });

  it('replaces a key in place of its old weight', () => {
    const lru = createBoundedLru<number>({ maxEntries: 10, maxBytes: 50 });
    lru.set('a', 1, 20);
    lru.set('a', 2, 30);
    expect([lru.size, lru.bytes, lru.get('a')]).toEqual([1, 30, 2]);
    lru.set('a', 3, 80); // too heavy now: the old value is gone too, never served stale
    expect([lru.size, lru.bytes, lru.get('a')]).toEqual([0, 0, undefined]);
  });

  it('holds nothing with a bound of 0, and nothing after clear', () => {
    for (const limits of [
      { maxEntries: 0, maxBytes: 100 },
      { maxEntries: 10, maxBytes: 0 },
    ]) {
      const lru = createBoundedLru<number>(limits);
      lru.set('a', 1, 0);
      expect([lru.size, lru.get('a')]).toEqual([0, undefined]);
    }
    const lru = createBoundedLru<number>({ maxEntries: 10, maxBytes: 100 });
    lru.set('a', 1, 10);
    lru.clear();
    expect([lru.size, lru.bytes, lru.get('a')]).toEqual([0, 0, undefined]);
  });

  it('stays within both bounds over any sequence of uses', () => {
    const lru = createBoundedLru<number>({ maxEntries: 7, maxBytes: 200 });
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const key = `k${next() % 20}`;
      if (next() % 3 === 0) lru.get(key);
      else lru.set(key, i, next() % 90);
      expect(lru.size).toBeLessThanOrEqual(7);
      expect(lru.bytes).toBeLessThanOrEqual(200);
    }
  });
});
