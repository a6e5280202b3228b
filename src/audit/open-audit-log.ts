/**
 * Builds the audit log from the `audit` section: the sink it names, the recent store (Redis under
 * the key prefix when `connect` is given, memory otherwise) and its counters on the app's registry.
 */
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import type { Registry } from 'prom-client';
import type { Logger } from '../contract/logger.js';
import type { RedisClientFactory } from '../redis/client.js';
import { createAuditLog, type AuditLog } from './audit-log.js';
import { createAuditMetrics } from './audit-metrics.js';
import type { AuditConfig } from './config.js';
import { createMemoryAuditStore } from './memory-store.js';
import { createRedisAuditStore } from './redis-store.js';
import { openAuditSink } from './sink.js';

export interface OpenAuditLogDeps {
  registry: Registry;
  logger: Logger;
  now: () => number;
  /** The stream of `audit.sink: stderr` (default: process.stderr). */
  stderr: Writable;
  /**
   * With Redis: its connection factory, the key prefix the records live under, and how long a
   * record waits for a connection that is not up yet (`redis.connect_timeout_ms`).
   */
  redis?: { connect: RedisClientFactory; prefix: string; readyWaitMs: number };
}

export async function openAuditLog(config: AuditConfig, deps: OpenAuditLogDeps): Promise<AuditLog> {
  const sink = await openAuditSink(config, { stderr: deps.stderr });
  const store = deps.redis
    ? createRedisAuditStore(deps.redis.connect, {
        prefix: deps.redis.prefix,
        keep: config.keep_records,
        readyWaitMs: deps.redis.readyWaitMs,
      })
    : createMemoryAuditStore(config.keep_records);
  return createAuditLog({
    store,
    sink,
    capacity: config.buffer_records,
    replica: config.replica ?? `${hostname()}:${process.pid}`,
    now: deps.now,
    counters: createAuditMetrics(deps.registry),
    logger: deps.logger,
  });
}
