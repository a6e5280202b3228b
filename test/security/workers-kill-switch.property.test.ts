/**
 * The in-process kill switch with `server.workers: 2` (real processes from dist/): whatever flips
 * race, sent at once to whichever workers, every one is answered 200, and once all are answered
 * every worker serves the same state, one of those asked for. A worker left in another state would
 * serve orgs the operator had switched off (or the reverse).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzParams } from '../support/fuzz.js';
import {
  ADMIN,
  call,
  clusterConfig,
  metricSum,
  startCluster,
  type Cluster,
} from '../workers/cluster.js';

describe('kill switch across workers', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(clusterConfig(2));
  });
  afterAll(() => {
    cluster.child.kill('SIGKILL');
  });

  it('racing flips leave every worker in one state, one that was asked for', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), async (flips) => {
        const answers = await Promise.all(
          flips.map((multiTenant) =>
            call(cluster.port, 'PUT', '/v1/admin/tenancy', {
              headers: ADMIN,
              body: { multi_tenant: multiTenant },
            }),
          ),
        );
        expect(answers.map((a) => a.status)).toEqual(flips.map(() => 200));
        const seen = await Promise.all(
          Array.from({ length: 8 }, async () => {
            const a = await call(cluster.port, 'GET', '/v1/admin/tenancy', { headers: ADMIN });
            return a.json().multi_tenant as boolean;
          }),
        );
        expect(new Set(seen).size).toBe(1);
        expect(flips).toContain(seen[0]);
        const gauge = metricSum(
          (await call(cluster.port, 'GET', '/metrics')).body,
          'orgwarden_multi_tenant',
        );
        expect(gauge).toBe(seen[0] ? 1 : 0);
      }),
      fuzzParams(12, 200),
    );
  });
});
