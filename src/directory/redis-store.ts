/**
 * The shared directory: records in Redis (layout in redis-keys.ts), read through a small
 * in-process cache that Redis pub/sub keeps honest.
 *
 * Consistency and failure rules:
 * - Reads reject with DirectoryUnavailableError whenever Redis does not answer (fast: see
 *   redis-client.ts), and until this replica has confirmed, over its current connection, that the
 *   prefix is seeded. An empty Redis (restarted without persistence) never reads as "no such org"
 *   while it is being seeded again.
 * - The cache is used only while the invalidation subscription is live. When the subscriber
 *   connection drops, the cache is cleared and bypassed; when it is back, it is cleared again (it
 *   may have missed messages). A Redis that dies or restarts therefore denies at once, cached
 *   entries included. The one window where data may be served after an error is a Redis that
 *   stops answering without closing the connections (paused, overloaded, network black hole):
 *   misses reject after `command_timeout_ms`, while entries cached before (including "no such
 *   org") are served until `cache_ttl_ms` after they were fetched. That bounded staleness is the
 *   price of answering from memory at all; set `cache_ttl_ms: 0` to have none.
 * - A write (redis-write.ts) compares-and-sets the org's record, invalidates this replica's cache,
 *   maintains the indexes, INCRs the revision and publishes `{org, revision}` for the other
 *   replicas, which drop the org from their caches. If Redis fails after the record was written, the
 *   write rejects (a retry is harmless: writes are idempotent) and other replicas may serve their
 *   cached copy until its TTL runs out, unless they lose their connection too (then they clear it).
 * - `onChange` listeners hear about writes made here (at once) and elsewhere (from pub/sub), so a
 *   listener may hear of one change twice. A resubscription clears the cache without naming orgs.
 */
import type { RedisConfig } from '../config/types.js';
import { createTtlCache } from './cache.js';
import { stderrLogger, type CacheStats, type Clock, type DirectoryLogger } from './deps.js';
import { createChangeListeners } from './change-listeners.js';
import { loadDirectoryFile } from './load-file.js';
import { deleteOrgWrite, putMemberWrite, putOrgWrite, removeMemberWrite, type DirectoryWrite } from './mutations.js';
import { freezeRecord, syntheticDefaultOrg } from './records.js';
import { createRedisClient, type RedisClient, type RedisClientFactory } from './redis-client.js';
import { redisKeys } from './redis-keys.js';
import { ensureSeeded } from './redis-seed.js';
import { readRevision, writeToRedis, type RedisWriteContext } from './redis-write.js';
import { DirectoryUnavailableError, type DirectoryStore, type OrgRecord, type StoredRole } from './types.js';
import { isValidOrgId, isValidUserId, parseOrgRecord } from './validate.js';

export interface RedisStoreOptions {
  /** Seed file, loaded and validated at start even when the prefix is already seeded. */
  file: string;
  defaultOrg: string;
  redis: RedisConfig;
  cache_ttl_ms: number;
  cache_max_entries: number;
}

export interface RedisStoreDeps {
  now?: Clock;
  log?: DirectoryLogger;
  stats?: CacheStats;
  /** Creates the store's two connections (commands, subscriber); the store closes them. */
  connect?: RedisClientFactory;
}

const RETRY_DELAY_MS = 250;

export async function createRedisStore(options: RedisStoreOptions, deps: RedisStoreDeps = {}): Promise<DirectoryStore> {
  const { defaultOrg } = options;
  const now = deps.now ?? Date.now;
  const log = deps.log ?? stderrLogger;
  const connect = deps.connect ?? ((role) => createRedisClient(options.redis, role, log));
  const seed = (await loadDirectoryFile(options.file, defaultOrg)).map(freezeRecord);

  const keys = redisKeys(options.redis.key_prefix);
  const cache = createTtlCache<OrgRecord | null>({ ttlMs: options.cache_ttl_ms, maxEntries: options.cache_max_entries, now });
  const defaultRecord = syntheticDefaultOrg(defaultOrg);
  const listeners = createChangeListeners(log);
  const commands = connect('commands');
  const subscriber = connect('subscriber');

  let closed = false;
  /** The prefix is known to be seeded, as seen over the current command connection. */
  let verified = false;
  /** Invalidations are flowing, so the cache may be read and filled. */
  let subscribed = false;
  let commandsEpoch = 0;
  let subscriberEpoch = 0;
  let verifying: Promise<void> | null = null;
  let subscribing: Promise<void> | null = null;
  let writes: Promise<unknown> = Promise.resolve();
  const timers = new Set<NodeJS.Timeout>();

  const stat: CacheStats = (layer, outcome) => {
    try {
      deps.stats?.(layer, outcome);
    } catch {
      // metrics must never fail a read
    }
  };

  function later(task: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      task();
    }, RETRY_DELAY_MS);
    timer.unref();
    timers.add(timer);
  }

  function verify(): Promise<void> {
    verifying ??= (async () => {
      const epoch = commandsEpoch;
      try {
        const outcome = await ensureSeeded(commands, keys, seed, { now });
        if (outcome === 'seeded') log('info', 'directory seeded into redis', { orgs: seed.length });
        if (epoch === commandsEpoch && !closed) verified = true;
        // reconnected meanwhile: the new connection's `ready` found this attempt still running
        else if (!closed && commands.status === 'ready') later(() => void verify());
      } catch (err) {
        log('warn', 'directory not ready: cannot confirm the redis prefix is seeded', { error: String(err) });
        if (!closed && commands.status === 'ready') later(() => void verify());
      } finally {
        verifying = null;
      }
    })();
    return verifying;
  }

  function subscribe(): Promise<void> {
    subscribing ??= (async () => {
      const epoch = subscriberEpoch;
      try {
        await subscriber.subscribe(keys.invalidations);
        if (closed) return;
        if (epoch !== subscriberEpoch) {
          // that subscription belonged to a connection that is gone; subscribe over the new one
          if (subscriber.status === 'ready') later(() => void subscribe());
          return;
        }
        cache.clear(); // whatever happened while we were not listening
        subscribed = true;
      } catch (err) {
        log('warn', 'directory cache disabled: cannot subscribe to invalidations', { error: String(err) });
        if (!closed && subscriber.status === 'ready') later(() => void subscribe());
      } finally {
        subscribing = null;
      }
    })();
    return subscribing;
  }

  commands.on('ready', () => void verify());
  commands.on('close', () => {
    commandsEpoch += 1;
    verified = false;
  });
  subscriber.on('ready', () => void subscribe());
  subscriber.on('close', () => {
    subscriberEpoch += 1;
    subscribed = false;
    cache.clear();
  });
  subscriber.on('message', (channel: string, message: string) => {
    if (channel !== keys.invalidations) return;
    const org = parseInvalidation(message);
    if (org === null) {
      cache.clear(); // not understood: assume anything may have changed
      return;
    }
    cache.delete(org);
    notify(org);
  });

  const notify = (org: string) => listeners.notify(org);

  function ensureOpen(): void {
    if (closed) throw new DirectoryUnavailableError('directory store is closed');
  }

  function ensureReady(): void {
    ensureOpen();
    if (!verified) throw new DirectoryUnavailableError('directory not ready: redis is unreachable or not yet seeded');
  }

  /** Runs a Redis call; any failure means the directory cannot answer. */
  async function redis<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new DirectoryUnavailableError(`directory unavailable: redis ${what} failed: ${errorMessage(err)}`, { cause: err });
    }
  }

  function decode(id: string, raw: string): OrgRecord {
    try {
      const record = parseOrgRecord(JSON.parse(raw), { defaultOrg });
      if (record.id !== id) throw new Error(`record id ${JSON.stringify(record.id)} under the key of ${JSON.stringify(id)}`);
      return freezeRecord(record);
    } catch (err) {
      log('error', 'corrupt directory record in redis', { org: id, error: errorMessage(err) });
      throw new DirectoryUnavailableError(`directory unavailable: corrupt record for org ${JSON.stringify(id)}`, { cause: err });
    }
  }

  async function fetchOrg(id: string): Promise<OrgRecord | null> {
    if (subscribed) {
      const hit = cache.get(id);
      stat('memory', hit ? 'hit' : 'miss');
      if (hit) return hit.value;
    }
    ensureReady();
    const ticket = cache.ticket();
    const raw = await redis('GET', () => commands.get(keys.org(id)));
    stat('redis', raw === null ? 'miss' : 'hit');
    const record = raw === null ? null : decode(id, raw);
    if (subscribed) cache.set(id, record, ticket);
    return record;
  }

  async function getOrg(id: string): Promise<OrgRecord | null> {
    ensureOpen();
    // Garbage never becomes a Redis key; such an org cannot exist.
    if (!isValidOrgId(id)) return null;
    const record = await fetchOrg(id);
    return record ?? (id === defaultOrg ? defaultRecord : null);
  }

  async function listOrgsForUser(user: string): Promise<Array<{ id: string; role: StoredRole }>> {
    ensureReady();
    if (!isValidUserId(user)) return []; // such a user cannot be a member of anything
    const ids = await redis('SMEMBERS', () => commands.smembers(keys.user(user)));
    const records = await Promise.all(ids.filter(isValidOrgId).sort().map(fetchOrg));
    return records.flatMap((record) => {
      const member = record?.members.find((m) => m.user === user);
      return record && member ? [{ id: record.id, role: member.role }] : [];
    });
  }

  const writeContext: RedisWriteContext = {
    client: commands,
    keys,
    ensureReady,
    call: redis,
    decode,
    changed(org) {
      cache.delete(org);
      notify(org);
    },
    log,
  };

  function write(change: DirectoryWrite): Promise<{ revision: number }> {
    // One write at a time per replica; across replicas the compare-and-set keeps records whole.
    const run = writes.then(() => writeToRedis(writeContext, change));
    writes = run.catch(() => undefined);
    return run;
  }

  commands.connect().catch(() => undefined); // failures are logged by the client's error listener
  subscriber.connect().catch(() => undefined);
  // Wait for the first attempt so a healthy start serves from the first request; an unreachable
  // Redis does not stop the start: reads fail closed while the clients keep reconnecting.
  await Promise.all([waitFor(commands, verify), waitFor(subscriber, subscribe)]);

  return {
    kind: 'redis',
    getOrg,
    listOrgsForUser,
    // async, so a validation error thrown while building the write becomes a rejection
    putOrg: async (record) => write(putOrgWrite(record, defaultOrg)),
    putMember: async (org, user, role) => write(putMemberWrite(org, user, role, defaultOrg)),
    removeMember: async (org, user) => write(removeMemberWrite(org, user, defaultOrg)),
    deleteOrg: async (org) => write(deleteOrgWrite(org, defaultOrg)),
    async revision() {
      ensureReady();
      return readRevision(writeContext);
    },
    async ping() {
      if (closed || !verified) return false;
      return commands.ping().then(
        (reply) => reply === 'PONG',
        () => false,
      );
    },
    onChange: (listener) => listeners.add(listener),
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      for (const timer of timers) clearTimeout(timer);
      await writes;
      cache.clear();
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

/** Resolves after the client's first connection attempt and, if it got ready, the follow-up step. */
function waitFor(client: RedisClient, step: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      client.off('ready', onReady);
      client.off('close', done);
      resolve();
    };
    const onReady = () => {
      client.off('close', done);
      void step().then(resolve);
    };
    if (client.status === 'ready') return onReady();
    client.once('ready', onReady);
    client.once('close', done);
  });
}

/** The org of an invalidation message, or null when the message is not understood. */
function parseInvalidation(message: string): string | null {
  try {
    const org = (JSON.parse(message) as { org?: unknown }).org;
    return isValidOrgId(org) ? org : null;
  } catch {
    return null;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
