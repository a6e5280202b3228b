/**
 * `server.workers: 2` with Redis (real processes from dist/, the shared Redis under a prefix of
 * this test's own): the workers share the kill switch and the directory through Redis like any two
 * replicas, so a change made through one worker reaches the other by pub/sub (or the next poll).
 * Measured here: every worker serves it within the bound the single-process docs give for replicas.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix, waitUntil } from '../directory/helpers.js';
import { ADMIN, call, clusterConfig, metricSum, startCluster, type Cluster } from './cluster.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';
/** Replicas follow a change within one poll (500 ms); pub/sub usually makes it milliseconds. */
const BOUND_MS = 1000;

/** Asks on fresh connections until 8 in a row agree with `expected`; returns how long it took. */
async function untilEveryWorker(
  cluster: Cluster,
  target: string,
  pick: (body: Record<string, unknown>) => unknown,
  expected: unknown,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call(cluster.port, 'GET', target, { headers: ADMIN })),
    );
    if (answers.every((a) => a.status === 200 && pick(a.json()) === expected))
      return Date.now() - started;
    if (Date.now() - started > 5000) throw new Error(`workers still disagree on ${target}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('server.workers: 2 with Redis', () => {
  const prefix = uniquePrefix();
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(
      clusterConfig(2, {
        redis: { url: REDIS_URL, key_prefix: prefix, max_reconnect_delay_ms: 200 },
      }),
    );
    // as for replicas: writes wait until the directory's seed is settled (every worker ready)
    await untilEveryWorker(cluster, '/readyz', () => true, true);
  });
  afterAll(async () => {
    cluster.child.kill('SIGKILL');
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('a kill switch flip through one worker is served by every worker within the replica bound', async () => {
    for (const multiTenant of [false, true]) {
      const put = await call(cluster.port, 'PUT', '/v1/admin/tenancy', {
        headers: ADMIN,
        body: { multi_tenant: multiTenant },
      });
      expect(put.status).toBe(200);
      const took = await untilEveryWorker(
        cluster,
        '/v1/admin/tenancy',
        (b) => b.multi_tenant,
        multiTenant,
      );
      expect(took).toBeLessThan(BOUND_MS);
    }
    const metrics = (await call(cluster.port, 'GET', '/metrics')).body;
    expect(metricSum(metrics, 'orgwarden_multi_tenant')).toBe(1);
    // every worker's directory cache comes into use (the aggregate is the highest of the workers')
    await waitUntil(
      async () => {
        const body = (await call(cluster.port, 'GET', '/metrics')).body;
        return metricSum(body, 'orgwarden_directory_cache_bypassed') === 0;
      },
      5000,
      50,
    );
  });

  it('a directory write through one worker is served by every worker within the replica bound', async () => {
    const put = await call(cluster.port, 'PUT', '/v1/directory/orgs/acme/members/zed', {
      headers: ADMIN,
      body: { role: 'viewer' },
    });
    expect({ status: put.status, body: put.body }).toMatchObject({ status: 200 });
    const hasZed = (b: Record<string, unknown>) =>
      (b.members as { user: string }[]).some((m) => m.user === 'zed');
    expect(await untilEveryWorker(cluster, '/v1/directory/orgs/acme', hasZed, true)).toBeLessThan(
      BOUND_MS,
    );
    // a revocation
    const removed = await call(cluster.port, 'DELETE', '/v1/directory/orgs/acme/members/zed', {
      headers: ADMIN,
    });
    expect(removed.status).toBeLessThan(300);
    expect(await untilEveryWorker(cluster, '/v1/directory/orgs/acme', hasZed, false)).toBeLessThan(
      BOUND_MS,
    );
  });
});
