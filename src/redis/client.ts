/**
 * Redis connections for the directory store and the kill switch, configured to fail fast.
 *
 * With ioredis defaults a command against a dead Redis waits in the offline queue and is retried
 * on reconnect, so it rejects only after about 73 s (20 retries of a growing backoff); meanwhile a
 * decision would hang. Here a command either gets an answer within `command_timeout_ms` or rejects:
 * - `enableOfflineQueue: false`: while disconnected, commands reject at once instead of queueing;
 * - `maxRetriesPerRequest: 0`: commands in flight when the connection drops reject at once;
 * - `commandTimeout`: a Redis that accepts the connection but does not answer (paused, overloaded,
 *   half-open TCP) rejects after `command_timeout_ms`;
 * - `connectTimeout` bounds the TCP + handshake phase;
 * - reconnects go on forever, with exponential backoff capped at `max_reconnect_delay_ms`;
 * - every client has an `error` listener: an unreachable Redis is logged, never an unhandled
 *   `error` event that crashes the process.
 * With `cluster_nodes`, commands go through an ioredis `Cluster` (slot-refreshing-cluster.ts: it
 * follows a failover even when the old master stalls instead of closing); the subscriber is one
 * plain connection to a cluster node (cluster-subscriber.ts).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Cluster } from 'ioredis';
import { createClusterSubscriber } from './cluster-subscriber.js';
import { createSlotRefreshingCluster } from './slot-refreshing-cluster.js';
import type { Logger } from '../contract/logger.js';

/** The part of the `redis` config section that shapes a connection (the key prefix is the owners'). */
export interface RedisConnectionConfig {
  /** Single-node URL; absent when `cluster_nodes` is set. */
  url?: string | undefined;
  cluster_nodes?: readonly string[] | undefined;
  command_timeout_ms: number;
  connect_timeout_ms: number;
  max_reconnect_delay_ms: number;
  /** Cluster only: how often the slot layout is re-read. */
  slots_refresh_ms: number;
}

export type RedisClient = Redis | Cluster;
export type RedisRole = 'commands' | 'subscriber';
/** How a store obtains its connections (injected in tests; `createRedisClient` otherwise). */
export type RedisClientFactory = (role: RedisRole) => RedisClient;

const FIRST_RECONNECT_DELAY_MS = 50;

/** Bounded exponential backoff with jitter: 50, 100, 200, ... ms, never above `maxMs`. */
export function reconnectDelay(
  attempt: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponential = FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(Math.max(attempt - 1, 0), 20);
  const jitter = Math.floor(random() * FIRST_RECONNECT_DELAY_MS);
  return Math.min(exponential + jitter, maxMs);
}

function redisClientOptions(config: RedisConnectionConfig, role: RedisRole): RedisOptions {
  return {
    // The owner calls connect() itself (connections.ts) and tracks readiness; nothing connects behind its back.
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The subscription re-subscribes itself on `ready` (subscription.ts), so its owner learns of the gap.
    autoResubscribe: false,
    commandTimeout: config.command_timeout_ms,
    connectTimeout: config.connect_timeout_ms,
    retryStrategy: (times) => reconnectDelay(times, config.max_reconnect_delay_ms),
    connectionName: `orgwarden-directory-${role}`,
  };
}

export function createRedisClient(
  config: RedisConnectionConfig,
  role: RedisRole,
  log: Logger,
): RedisClient {
  const options = redisClientOptions(config, role);
  let client: RedisClient;
  if (config.cluster_nodes && config.cluster_nodes.length > 0 && role === 'subscriber') {
    // Not a `Cluster` client: see cluster-subscriber.ts for why the store needs its own connection.
    client = createClusterSubscriber(config.cluster_nodes, options);
  } else if (config.cluster_nodes && config.cluster_nodes.length > 0) {
    const { retryStrategy, enableOfflineQueue, lazyConnect, ...redisOptions } = options;
    client = createSlotRefreshingCluster(config.cluster_nodes, {
      lazyConnect,
      enableOfflineQueue,
      clusterRetryStrategy: retryStrategy ?? null,
      redisOptions,
      slotsRefreshInterval: config.slots_refresh_ms,
      // A refresh asks the known nodes in turn; a stalled one is skipped after this long.
      slotsRefreshTimeout: config.connect_timeout_ms,
    });
  } else if (config.url !== undefined) {
    client = new Redis(config.url, options);
  } else {
    throw new TypeError('redis config needs a url or cluster_nodes');
  }
  watchConnection(client, role, log);
  return client;
}

/**
 * Drops a connection that stopped answering and reconnects at once. A plain connection's socket
 * is destroyed (a graceful close would wait for the silent peer to acknowledge it); a cluster
 * client is disconnected and reconnects through its retry strategy.
 */
export function dropConnection(client: RedisClient): void {
  if (client instanceof Redis) client.stream.destroy();
  else client.disconnect(true);
}

/** Logs connection trouble once per outage (not once per reconnect attempt) and the recovery. */
function watchConnection(client: RedisClient, role: RedisRole, log: Logger): void {
  let lastError: string | null = null;
  client.on('error', (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (message === lastError) return;
    lastError = message;
    log.warn('redis connection error', { role, error: message });
  });
  client.on('ready', () => {
    if (lastError !== null) log.info('redis connection restored', { role });
    lastError = null;
  });
}
