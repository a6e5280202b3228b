/**
 * The directory store, chosen by config: with `redis`, the shared Redis store (seeded from
 * `directory.file`); without, the embedded file store. With `directory.http`, either is wrapped
 * in the read-through that fetches orgs the store does not hold from the main API.
 */
import type { RedisConfig } from '../redis/config.js';
import type { DirectoryConfig } from './config.js';
import type { FileWriter } from './atomic-write.js';
import { directoryStderrLogger, type Clock } from './deps.js';
import type { Logger } from '../contract/logger.js';
import { type CacheStats } from '../contract/metric-labels.js';
import { createFileStore, type FileStorePeers } from './file-store.js';
import { withHttpReadThrough } from './http-read-through.js';
import type { RedisClientFactory } from '../redis/client.js';
import { createRedisStore } from './redis-store.js';
import type { DirectoryStore } from './types.js';

export interface DirectoryStoreConfig {
  directory: DirectoryConfig;
  redis?: RedisConfig;
  defaultOrg: string;
  /** The value of `directory.http.token_env`, resolved by the caller. */
  mainApiToken?: string;
}

export interface DirectoryStoreDeps {
  now?: Clock;
  log?: Logger;
  /** Cache hits and misses by layer (redis store). */
  stats?: CacheStats;
  /** Redis connections (redis store); default: built from `redis` config. */
  connect?: RedisClientFactory;
  /** File replacement (file store); default: atomic temp file + fsync + rename. */
  writeFile?: FileWriter;
  /** The other workers sharing the directory file (file store, `server.workers` > 1). */
  filePeers?: FileStorePeers;
  /** HTTP client for `directory.http` (default: the global fetch). */
  fetch?: typeof fetch;
}

export async function createDirectoryStore(
  config: DirectoryStoreConfig,
  deps: DirectoryStoreDeps = {},
): Promise<DirectoryStore> {
  const { directory, redis, defaultOrg } = config;
  const store = redis
    ? await createRedisStore(
        {
          file: directory.file,
          defaultOrg,
          redis,
          cache_ttl_ms: directory.cache_ttl_ms,
          cache_max_entries: directory.cache_max_entries,
          ...(directory.seed ? { seed: directory.seed } : {}),
        },
        deps,
      )
    : await createFileStore(
        {
          file: directory.file,
          defaultOrg,
          ...(directory.revision_wait_ms === undefined
            ? {}
            : { revision_wait_ms: directory.revision_wait_ms }),
        },
        deps,
      );
  if (!directory.http) return store;
  try {
    const { url, ttl_s, timeout_ms } = directory.http;
    const options = { url, ttl_s, timeout_ms, defaultOrg, maxEntries: directory.cache_max_entries };
    const token = config.mainApiToken === undefined ? {} : { token: config.mainApiToken };
    const wrapped = withHttpReadThrough(
      store,
      { ...options, ...token },
      { ...deps, log: deps.log ?? directoryStderrLogger },
    );
    // The read-through decorates reads only; the seed state and its confirmation, and the state of
    // the cache's invalidations, are the store's.
    const { seeding, invalidationsLive } = store;
    return {
      ...wrapped,
      ...(seeding ? { seeding } : {}),
      ...(invalidationsLive ? { invalidationsLive } : {}),
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export { createFileStore } from './file-store.js';
export type { FileStorePeers, PeerChange } from './file-store.js';
export { createRedisClient } from '../redis/client.js';
