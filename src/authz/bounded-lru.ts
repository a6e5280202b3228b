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
  /** Forgets `key`; true when it was held. */
  delete(key: string): boolean;
  clear(): void;
  readonly size: number;
  /** The summed weight of the entries held. */
  readonly bytes: number;
}

interface Node<V> {
  key: string;
  value: V;
  weight: number;
  /** Toward the most recently used end. */
  newer: Node<V> | null;
  /** Toward the least recently used end. */
  older: Node<V> | null;
}

export function createBoundedLru<V>(limits: {
  maxEntries: number;
  maxBytes: number;
}): BoundedLru<V> {
  // A map for lookups and a doubly linked list for recency: a use moves one node to the newest
  // end, an eviction unlinks the oldest, both in constant time. (Re-inserting into the Map on
  // every use and evicting its first key instead leaves deleted slots that each eviction scans.)
  const nodes = new Map<string, Node<V>>();
  let newest: Node<V> | null = null;
  let oldest: Node<V> | null = null;
  let bytes = 0;
  const unlink = (node: Node<V>) => {
    if (node.newer) node.newer.older = node.older;
    else newest = node.older;
    if (node.older) node.older.newer = node.newer;
    else oldest = node.newer;
    node.newer = null;
    node.older = null;
  };
  const pushNewest = (node: Node<V>) => {
    node.older = newest;
    node.newer = null;
    if (newest) newest.newer = node;
    newest = node;
    oldest ??= node;
  };
  const drop = (node: Node<V>) => {
    unlink(node);
    nodes.delete(node.key);
    bytes -= node.weight;
  };
  return {
    get(key) {
      const node = nodes.get(key);
      if (!node) return undefined;
      if (node !== newest) {
        unlink(node);
        pushNewest(node);
      }
      return node.value;
    },
    set(key, value, weight) {
      const held = nodes.get(key);
      if (held) drop(held);
      if (
        limits.maxEntries <= 0 ||
        limits.maxBytes <= 0 ||
        !(weight >= 0) ||
        weight > limits.maxBytes
      )
        return;
      while (oldest && (nodes.size >= limits.maxEntries || bytes + weight > limits.maxBytes))
        drop(oldest);
      const node: Node<V> = { key, value, weight, newer: null, older: null };
      nodes.set(key, node);
      pushNewest(node);
      bytes += weight;
    },
    delete(key) {
      const node = nodes.get(key);
      if (!node) return false;
      drop(node);
      return true;
    },
    clear() {
      nodes.clear();
      newest = null;
      oldest = null;
      bytes = 0;
    },
    get size() {
      return nodes.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
