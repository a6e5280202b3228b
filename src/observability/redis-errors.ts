/**
 * Counting Redis errors without reaching into the stores: wrap the factory that creates their
 * connections and count every `error` event (ioredis emits one per failed connection attempt and
 * per dropped connection). The store's own `error` listener, which logs once per outage, is
 * unaffected. A command that fails on a live connection is not an `error` event; on the decision
 * path it shows up as a `directory_unavailable` decision instead.
 */
import type { RedisClientFactory } from '../redis/client.js';

export function countingRedisErrors(
  factory: RedisClientFactory,
  onError: () => void,
): RedisClientFactory {
  return (role) => {
    const client = factory(role);
    client.on('error', () => onError());
    return client;
  };
}
