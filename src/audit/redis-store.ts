/**
 * The audit store in Redis, shared by every replica of the key prefix:
 *
 *   <prefix>{audit}:seq  string      the last sequence number given (INCR)
 *   <prefix>{audit}:log  sorted set  the recent records' lines, scored by their sequence number,
 *                                    capped at `keep` (the lowest scores are removed)
 *
 * Invariants: one script numbers a record, adds it and trims the set, so the sequence is monotonic
 * across replicas and a number is never given to a record that was not kept. `{audit}` is a hash
 * tag: in Redis Cluster both keys share a slot, which the script needs. A Redis that does not
 * answer rejects (the connection fails fast: redis/client.ts); the caller refuses the change.
 */
import type { RedisClient, RedisClientFactory } from '../redis/client.js';
import { parseLines, type AuditStore } from './store.js';

const APPEND = `
local seq = redis.call('INCR', KEYS[1])
local line = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('ZADD', KEYS[2], seq, line)
local keep = tonumber(ARGV[2])
local size = redis.call('ZCARD', KEYS[2])
if size > keep then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, size - keep - 1) end
return line
`;

export function auditKeys(prefix: string) {
  return { seq: `${prefix}{audit}:seq`, log: `${prefix}{audit}:log` };
}

export function createRedisAuditStore(
  connect: RedisClientFactory,
  options: { prefix: string; keep: number; readyWaitMs: number },
): AuditStore {
  const client: RedisClient = connect('commands');
  client.connect().catch(() => undefined); // its error listener logs; commands reject until it is up
  const keys = auditKeys(options.prefix);
  return {
    async append(body) {
      await ready(client, options.readyWaitMs);
      return String(await client.eval(APPEND, 2, keys.seq, keys.log, body, options.keep));
    },
    async page(since, limit) {
      await ready(client, options.readyWaitMs);
      const lines = await client.zrangebyscore(keys.log, `(${since}`, '+inf', 'LIMIT', 0, limit);
      return parseLines(lines);
    },
    close() {
      client.disconnect();
      return Promise.resolve();
    },
  };
}

/**
 * Commands fail at once while the connection is not up (no offline queue): right after start, or
 * during a reconnect, wait for it a bounded time first; the command then fails on its own if not.
 */
function ready(client: RedisClient, waitMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    client.on('ready', done);
  });
}
