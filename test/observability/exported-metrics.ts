/**
 * The metric names orgwarden exports, for the tests that check the alert rules and the Grafana
 * dashboard name only those: read from a started orgwarden's `/metrics`, with a Redis directory
 * and the forward-auth manifest configured (so the Redis and route metrics exist), after one
 * decision of each outcome.
 */
import path from 'node:path';
import { exportedMetricNames } from '../../src/evidence/certify/promql-names.js';
import { deletePrefix, uniquePrefix } from '../directory/helpers.js';
import { postJson, session, startTestApp } from '../support/app.js';
import { TEST_BUNDLE } from '../support/paths.js';

/** The names a started orgwarden exports (histograms with `_bucket`, `_sum`, `_count`). */
export async function exportedByOrgwarden(): Promise<Set<string>> {
  const prefix = uniquePrefix();
  const { app, url } = await startTestApp({
    multiTenant: true,
    redis: { url: 'redis://127.0.0.1:6379/0', key_prefix: prefix },
    extra: { policy: { bundle: TEST_BUNDLE, routes: path.resolve('policies', 'routes.yaml') } },
  });
  try {
    const token = await session('alice');
    await postJson(`${url}/v1/authorize`, { token, org: 'acme', action: 'org.read' });
    await postJson(`${url}/v1/authorize`, { token, org: 'acme', action: 'made.up' });
    const res = await fetch(`${url}/metrics`);
    return exportedMetricNames(await res.text());
  } finally {
    await app.stop();
    await deletePrefix(prefix);
  }
}
