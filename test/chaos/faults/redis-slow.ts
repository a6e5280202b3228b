/**
 * Fault 2a: Redis slow. The replicas reach Redis through a proxy that holds every chunk, both ways,
 * for four times `redis.command_timeout_ms`, while the connections stay open. Promises checked:
 * no allow that should not be; a decision whose directory read times out denies
 * `directory_unavailable`; records cached before the slowness are served at most
 * `directory.cache_ttl_ms` into it; `/readyz` is 503 while `PING` is slower than the timeout and 200
 * again afterwards; members are allowed again within the recovery budget once Redis is fast.
 */
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import { startLatencyProxy } from '../lib/latency-proxy.js';
import { readinessFailures, warmUp } from '../lib/replica-checks.js';
import { startChaosRedis } from '../lib/redis-server.js';
import { COMMAND_TIMEOUT_MS, cacheTtlMs, CACHE_MARGIN_MS } from '../lib/redis-timing.js';
import { lastAllow, reasonCounts, withInFlightAtStart } from '../lib/sample-facts.js';
import {
  row,
  sleep,
  standardProbes,
  startReplicas,
  underLoad,
  withCleanup,
} from '../lib/scenario.js';
import { createWorld } from '../lib/world.js';

async function scenario(ctx: FaultContext): Promise<FaultRow> {
  const slowMs = ctx.quick ? 3000 : 30_000;
  const delayMs = COMMAND_TIMEOUT_MS * 4;
  const ttlMs = cacheTtlMs(ctx.quick);
  return withCleanup(async (defer) => {
    const world = await createWorld();
    defer(() => world.remove());
    const redis = await startChaosRedis();
    defer(() => redis.stop());
    const proxy = await startLatencyProxy({ host: '127.0.0.1', port: redis.port });
    defer(() => proxy.close());
    const replicas = await startReplicas(world, 2, {
      redis: {
        url: proxy.url,
        key_prefix: 'chaos:',
        command_timeout_ms: COMMAND_TIMEOUT_MS,
        max_reconnect_delay_ms: 200,
      },
      directory: { file: world.directoryFile, cache_ttl_ms: ttlMs },
    });
    for (const r of replicas) defer(() => r.stop());
    const failures: string[] = [];
    let slowFrom = 0;
    let fastAgainAt = 0;
    const probes = await standardProbes();
    await warmUp(replicas, probes);
    const run = withInFlightAtStart(
      await underLoad(
        {
          targets: replicas.map((r) => r.url),
          probes,
          warmupMs: 1000,
          cooldownMs: ctx.quick ? 3000 : 10_000,
        },
        async (lifted) => {
          ctx.progress(`every Redis chunk delayed ${delayMs} ms for ${slowMs} ms`);
          slowFrom = performance.now();
          proxy.setDelay(delayMs);
          await sleep(Math.min(1000, slowMs / 2));
          failures.push(...(await readinessFailures(replicas, 503, 'while Redis was slow')));
          await sleep(Math.max(0, slowFrom + slowMs - performance.now()));
          proxy.setDelay(0);
          fastAgainAt = performance.now();
          lifted();
        },
      ),
    );
    failures.push(...(await readinessFailures(replicas, 200, 'after Redis was fast again')));
    const notes: string[] = [];
    const during = run.samples.filter(
      (s) => s.sentAt >= run.window.start && s.sentAt <= run.window.end,
    );
    const unavailable = during.filter(
      (s) => s.outcome === 'deny' && s.reason === 'directory_unavailable',
    );
    notes.push(
      `${unavailable.length}/${during.length} decisions during the slowness denied directory_unavailable; answers during: ${reasonCounts(during)}`,
    );
    // Allowed from the cache: answered before the proxy was fast again.
    const fromCache = during.filter((s) => s.sentAt + s.latencyMs < fastAgainAt);
    for (const group of ['member', 'control']) {
      const last = lastAllow(fromCache, group, slowFrom);
      notes.push(
        last === null
          ? `${group}: never allowed from a cache while Redis was slow`
          : `${group}: cached records served ${Math.round(last - slowFrom)} ms into the slowness (cache_ttl_ms ${ttlMs})`,
      );
      if (last !== null && last - slowFrom > ttlMs + CACHE_MARGIN_MS)
        failures.push(
          `a cached record was served ${Math.round(last - slowFrom)} ms into the slowness`,
        );
    }
    return row(
      `Redis slow: every command +${delayMs} ms (timeout ${COMMAND_TIMEOUT_MS} ms) for ${slowMs / 1000} s`,
      run,
      { notes, failures },
    );
  });
}

export const redisSlow: Fault = {
  id: 'redis-slow',
  title: 'Redis slow: every command delayed past redis.command_timeout_ms',
  async run(ctx) {
    return [await scenario(ctx)];
  },
};
