/**
 * The HTTP request metric: every declared operation (and `other`) has its series from the start,
 * a request counts under the operation of the route it reached, a path no route declares counts
 * as `other`, and docs/metrics.md describes both metrics and lists every operation.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { STATUS_CLASSES } from '../../src/http/request-metrics.js';
import { postJson, session, startTestApp } from '../support/app.js';

let app: App;
let url: string;
beforeAll(async () => {
  ({ app, url } = await startTestApp());
});
afterAll(() => app.stop());

async function requests(): Promise<Map<string, number>> {
  const metric = app.metrics.registry.getSingleMetric('orgwarden_http_requests_total');
  const values = metric ? (await metric.get()).values : [];
  return new Map(
    values.map((v) => [`${String(v.labels.operation)} ${String(v.labels.status_class)}`, v.value]),
  );
}

const operations = () => [...new Set(app.routes.map((r) => r.operation)), 'other'];

describe('orgwarden_http_requests_total', () => {
  it('has a series at zero for every declared operation and status class, and no other', async () => {
    const fresh = await startTestApp();
    try {
      const metric = fresh.app.metrics.registry.getSingleMetric('orgwarden_http_requests_total');
      const values = metric ? (await metric.get()).values : [];
      const expected = operations().flatMap((op) => STATUS_CLASSES.map((cls) => `${op} ${cls}`));
      expect(
        values.map((v) => `${String(v.labels.operation)} ${String(v.labels.status_class)}`).sort(),
      ).toEqual(expected.sort());
      expect(values.every((v) => v.value === 0)).toBe(true);
      const duration = fresh.app.metrics.registry.getSingleMetric(
        'orgwarden_http_request_duration_seconds',
      );
      const counts = duration
        ? (await duration.get()).values.filter(
            (v) =>
              (v as { metricName?: string }).metricName ===
              'orgwarden_http_request_duration_seconds_count',
          )
        : [];
      expect(counts.map((v) => String(v.labels.operation)).sort()).toEqual(operations().sort());
    } finally {
      await fresh.app.stop();
    }
  });

  it('counts a request under the operation it reached, by status class; an undeclared path is other', async () => {
    const before = await requests();
    const token = await session('alice');
    expect(
      (await postJson(`${url}/v1/authorize`, { token, org: 'acme', action: 'org.read' })).status,
    ).toBe(200);
    expect((await postJson(`${url}/v1/authorize`, { token, action: 7 })).status).toBe(400);
    expect((await fetch(`${url}/v1/directory/orgs/acme`)).status).toBe(401);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/v1/nothing/here/${'x'.repeat(20)}`)).status).toBe(404);
    const after = await requests();
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    expect({
      authorize2xx: delta('authorize 2xx'),
      authorize4xx: delta('authorize 4xx'),
      directory: delta('directory_org_get 4xx'),
      healthz: delta('healthz 2xx'),
      other: delta('other 4xx'),
    }).toEqual({ authorize2xx: 1, authorize4xx: 1, directory: 1, healthz: 1, other: 1 });
    // No label carries what the client sent.
    expect([...after.keys()].some((k) => k.includes('nothing'))).toBe(false);
  });
});

describe('docs/metrics.md', () => {
  const doc = readFileSync(path.resolve('docs', 'metrics.md'), 'utf8');
  it('describes both metrics', () => {
    for (const name of ['orgwarden_http_requests_total', 'orgwarden_http_request_duration_seconds'])
      expect(doc).toContain(`\`${name}\``);
  });
  it('lists every operation where it lists the operation label values', () => {
    const line = doc.split('\n').find((l) => l.startsWith('| `operation` |')) ?? '';
    const listed = new Set(
      [...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).filter((v) => v !== 'operation'),
    );
    expect([...listed].sort()).toEqual(operations().sort());
  });
});
