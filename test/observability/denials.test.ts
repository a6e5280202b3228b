/**
 * `orgwarden_denials_total{action, route, reason}`: denials by the catalogue action and the
 * forward-auth route, with a bounded label set (docs/metrics.md, "Denials by action and route").
 * Unknown actions and routes share the one value `unknown`, so however many distinct strings
 * callers send, no metric gains a series.
 */
import path from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { DecisionRecord } from '../../src/contract/decision.js';
import { REASONS } from '../../src/contract/reasons.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { postJson, session, startTestApp } from '../support/app.js';
import { fuzzParams } from '../support/fuzz.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { deny, parseMetrics, record, scrape, seriesOf, valueOf, type Sample } from './helpers.js';

const DENIALS = 'orgwarden_denials_total';
const ORG_ROUTE = 'GET /api/orgs/{org}';

async function samplesOf(registry: Registry): Promise<Sample[]> {
  return parseMetrics(await registry.metrics());
}

describe('orgwarden_denials_total (unit)', () => {
  const setup = () => {
    const metrics = createMetrics(new Registry());
    metrics.observeVocabulary({
      actions: ['org.read', 'resource.read', 'events.receive'],
      routes: [ORG_ROUTE],
    });
    return metrics;
  };

  it('counts each deny by action, route and reason; allows are not denials', async () => {
    const metrics = setup();
    const observe = (r: DecisionRecord) => {
      metrics.decisionObserver.onDecision(r);
    };
    observe(record({ action: 'org.read' })); // an allow
    observe(record({ ...deny(), action: 'org.read' }));
    observe(record({ ...deny(), action: 'org.read' }));
    observe(
      record({
        ...deny({ reason: 'cross_org', detail: null, spoof: false }),
        action: 'resource.read',
      }),
    );
    observe(
      record({
        ...deny({ reason: 'insufficient_role', detail: null, spoof: false }),
        kind: 'forward_auth',
        action: 'org.read',
        route: ORG_ROUTE,
      }),
    );

    const samples = await samplesOf(metrics.registry);
    const at = (action: string, route: string, reason: string) =>
      valueOf(samples, DENIALS, { action, route, reason });
    expect(at('org.read', 'none', 'access_denied')).toBe(2);
    expect(at('resource.read', 'none', 'cross_org')).toBe(1);
    expect(at('org.read', ORG_ROUTE, 'insufficient_role')).toBe(1);
    expect(seriesOf(samples, DENIALS).reduce((n, s) => n + s.value, 0)).toBe(4);
    expect(seriesOf(samples, DENIALS).some((s) => s.labels.reason === 'allowed')).toBe(false);
  });

  it('labels an action outside the catalogue and a route outside the manifest `unknown`, an unknown reason `other`', async () => {
    const metrics = setup();
    const observe = (r: DecisionRecord) => {
      metrics.decisionObserver.onDecision(r);
    };
    const unknownAction = deny({ reason: 'unknown_action', detail: null, spoof: false });
    observe(record({ ...unknownAction, action: 'org.raed' }));
    observe(record({ ...unknownAction, action: '__proto__' }));
    observe(record({ ...deny(), kind: 'forward_auth', action: 'org.read', route: 'GET /nope' }));
    observe(
      record({
        ...deny({ reason: 'made_up' as never, detail: null, spoof: false }),
        action: 'org.read',
      }),
    );

    const samples = await samplesOf(metrics.registry);
    expect(
      valueOf(samples, DENIALS, { action: 'unknown', route: 'none', reason: 'unknown_action' }),
    ).toBe(2);
    expect(
      valueOf(samples, DENIALS, { action: 'org.read', route: 'unknown', reason: 'access_denied' }),
    ).toBe(1);
    expect(valueOf(samples, DENIALS, { action: 'org.read', route: 'none', reason: 'other' })).toBe(
      1,
    );
  });

  it('follows a reloaded catalogue: a new action gets its label, a dropped one counts as unknown', async () => {
    const metrics = setup();
    const observe = (r: DecisionRecord) => {
      metrics.decisionObserver.onDecision(r);
    };
    const role = deny({ reason: 'insufficient_role', detail: null, spoof: false });
    observe(record({ ...role, action: 'reports.export' }));
    metrics.observeVocabulary({ actions: ['org.read', 'reports.export'] });
    observe(record({ ...role, action: 'reports.export' }));
    observe(record({ ...role, action: 'resource.read' })); // dropped by the reload
    metrics.observeVocabulary({ actions: ['org.read', 'resource.read', 'reports.export'] });
    observe(record({ ...role, action: 'resource.read' })); // back again: the same series

    const samples = await samplesOf(metrics.registry);
    const at = (action: string) =>
      valueOf(samples, DENIALS, { action, route: 'none', reason: 'insufficient_role' });
    expect(at('unknown')).toBe(2);
    expect(at('reports.export')).toBe(1);
    expect(at('resource.read')).toBe(1);
    expect(seriesOf(samples, DENIALS)).toHaveLength(3);
  });

  it('property (seeded): whatever strings a record holds, every label value is from the closed sets', async () => {
    const actions = ['org.read', 'resource.read', 'events.receive'];
    const text = fc.oneof(fc.string(), fc.constantFrom(...actions, ORG_ROUTE, 'unknown', 'none'));
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            action: text,
            route: fc.option(text, { nil: undefined }),
            reason: fc.oneof(fc.constantFrom(...REASONS), fc.string()),
          }),
          { maxLength: 40 },
        ),
        async (denials) => {
          const metrics = setup();
          for (const d of denials)
            metrics.decisionObserver.onDecision(
              record({
                ...deny({ reason: d.reason as never, detail: null, spoof: false }),
                action: d.action,
                route: d.route,
              }),
            );
          const series = seriesOf(await samplesOf(metrics.registry), DENIALS);
          for (const { labels } of series) {
            expect([...actions, 'unknown']).toContain(labels.action);
            expect([ORG_ROUTE, 'none', 'unknown']).toContain(labels.route);
            expect([...REASONS, 'other']).toContain(labels.reason);
          }
          const total = series.reduce((n, s) => n + s.value, 0);
          expect(total).toBe(denials.length);
        },
      ),
      fuzzParams(200),
    );
  });
});

describe('the cardinality bound, on a running orgwarden', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    ({ app, url } = await startTestApp({
      multiTenant: true,
      extra: { policy: { bundle: TEST_BUNDLE, routes: path.resolve('policies', 'routes.yaml') } },
    }));
  });
  afterAll(() => app.stop());

  /** The number of series of every metric `/metrics` exports. */
  async function seriesCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const s of (await scrape(url)).samples) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
    return counts;
  }

  async function unknownActions(token: string, from: number, n: number) {
    for (let start = from; start < from + n; start += 1000) {
      const items = Array.from({ length: Math.min(1000, from + n - start) }, (_, i) => ({
        token,
        org: 'acme',
        action: `made.up.action-${start + i}`,
      }));
      const res = await postJson(`${url}/v1/authorize/batch`, { items });
      expect(res.status).toBe(200);
    }
  }

  async function unknownRoutes(token: string, from: number, n: number) {
    const auth = { authorization: `Bearer ${token}` };
    for (let start = from; start < from + n; start += 200) {
      const checks = Array.from({ length: Math.min(200, from + n - start) }, (_, i) =>
        fetch(`${url}/v1/forward-auth`, {
          headers: {
            'x-forwarded-method': 'GET',
            'x-forwarded-uri': `/api/made-up-${start + i}`,
            ...auth,
          },
        }).then((r) => r.status),
      );
      expect(new Set(await Promise.all(checks))).toEqual(new Set([403]));
    }
  }

  /** Denials with distinct route names no manifest has, as an in-process surface could record. */
  function unknownRouteRecords(from: number, n: number) {
    for (let i = from; i < from + n; i++)
      app.metrics.decisionObserver.onDecision(
        record({
          ...deny({ reason: 'insufficient_role', detail: null, spoof: false }),
          kind: 'forward_auth',
          action: 'org.read',
          route: `GET /made/up/${i}`,
        }),
      );
  }

  it('10 000 distinct unknown actions and routes add no series to any metric', async () => {
    const token = await session('alice');
    // The first of each creates its `unknown` series (denial series appear on first use).
    await unknownActions(token, 0, 1);
    await unknownRoutes(token, 0, 1);
    unknownRouteRecords(0, 1);
    const before = await seriesCounts();

    await unknownActions(token, 1, 10_000);
    await unknownRoutes(token, 1, 10_000);
    unknownRouteRecords(1, 10_000);
    const after = await seriesCounts();

    expect(Object.fromEntries(after)).toEqual(Object.fromEntries(before));
    const { samples } = await scrape(url);
    expect(
      valueOf(samples, DENIALS, { action: 'unknown', route: 'none', reason: 'unknown_action' }),
    ).toBe(10_001);
    expect(
      valueOf(samples, DENIALS, {
        action: 'org.read',
        route: 'unknown',
        reason: 'insufficient_role',
      }),
    ).toBe(10_001);
    expect(
      valueOf(samples, 'orgwarden_forward_auth_refusals_total', { refusal: 'unknown_route' }),
    ).toBe(10_001);
    // Every one of those 30 000 denials and refusals landed in these two series.
    expect(seriesOf(samples, DENIALS).map((s) => s.labels)).toEqual(
      expect.arrayContaining([
        { action: 'unknown', route: 'none', reason: 'unknown_action' },
        { action: 'org.read', route: 'unknown', reason: 'insufficient_role' },
      ]),
    );
    expect(seriesOf(samples, DENIALS)).toHaveLength(2);
  });

  it('names the forward-auth route of a denial through the gateway check', async () => {
    const token = await session('mallory');
    const res = await fetch(`${url}/v1/forward-auth`, {
      headers: {
        'x-forwarded-method': 'GET',
        'x-forwarded-uri': '/api/orgs/acme',
        authorization: `Bearer ${token}`,
      },
    });
    expect(res.status).toBe(403);
    const { samples } = await scrape(url);
    expect(
      valueOf(samples, DENIALS, { action: 'org.read', route: ORG_ROUTE, reason: 'access_denied' }),
    ).toBe(1);
  });
});
