/**
 * The optional `redis` section: one node (`url`, default below) or a cluster (`cluster_nodes`),
 * the key prefix every replica shares, the fail-fast timeouts, how a stalled node is noticed,
 * and how durable a directory write must be before it is acknowledged (`write_replicas` replicas
 * within `write_timeout_ms`).
 */
import { z } from 'zod';
import { integer } from '../contract/config-fields.js';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';

export const redisConfigSchema = z
  .strictObject({
    /** Single-node URL; absent when `cluster_nodes` is set. */
    url: z
      .string()
      .regex(/^rediss?:\/\/\S+$/)
      .optional(),
    key_prefix: z
      .string()
      .regex(/^[A-Za-z0-9:._-]{1,64}$/)
      .default('orgwarden:'),
    cluster_nodes: z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/))
      .min(1)
      .optional(),
    command_timeout_ms: integer(5, 10000).default(200),
    connect_timeout_ms: integer(10, 60000).default(1000),
    max_reconnect_delay_ms: integer(10, 60000).default(2000),
    // Noticing a node that stalls without closing its connections (docs/scaling.md).
    /** How often a cluster client re-reads the slot layout (a failover is followed within about this). */
    slots_refresh_ms: integer(100, 60000).default(1000),
    /** How often the subscriber connection is PINGed; it counts as live only while a PONG is recent. */
    subscriber_ping_ms: integer(50, 60000).default(500),
    /** Replicas that must have a directory write before it is acknowledged (default: 1 with `cluster_nodes`, 0 with `url`). */
    write_replicas: integer(0, 16).optional(),
    /** How long a directory write waits for `write_replicas` replicas (Redis `WAIT`). */
    write_timeout_ms: integer(1, 10000).default(250),
  })
  .superRefine((redis, ctx) => {
    if (redis.cluster_nodes && redis.url !== undefined)
      ctx.addIssue({ code: 'custom', message: 'set url or cluster_nodes, not both', path: [] });
  })
  .transform(({ write_replicas, ...redis }) => ({
    ...redis,
    ...(redis.cluster_nodes || redis.url !== undefined ? {} : { url: DEFAULT_REDIS_URL }),
    // A single server has no failover to survive; a cluster promotes replicas.
    write_replicas: write_replicas ?? (redis.cluster_nodes ? 1 : 0),
  }));

export type RedisConfig = z.output<typeof redisConfigSchema>;
