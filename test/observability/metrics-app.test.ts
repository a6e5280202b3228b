/**
 * `GET /metrics` on a real orgwarden (compiled policy, real tokens) after known traffic: exact
 * counter values, and no user, org, token or decision id anywhere in the output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { apiToken, postJson, session, startTestApp } from '../support/app.js';
import type { ResponseBody } from '../support/response-body.js';
import { TEST_SECRET } from '../support/tokens.js';
import { scrape, seriesOf, valueOf, type Sample } from './helpers.js';

let app: App;
let url: string;
const tokens: string[] = [];
const decisionIds: string[] = [];
let samples: Sample[];
let text: string;
let contentType: string | null;

async function decide(body: Record<string, unknown>, expected: { allow: boolean; reason: string }) {
  const res = await postJson(`${url}/v1/authorize`, body);
  expect(res.status).toBe(200);
  const answer: ResponseBody = res.json ?? {};
  expect({ allow: answer.allow, reason: answer.reason }).toEqual(expected);
  expect(answer.decision_id).toBeTypeOf('string');
  decisionIds.push(answer.decision_id!);
  return answer;
}

beforeAll(async () => {
  ({ app, url } = await startTestApp({ multiTenant: true }));
  const alice = await session('alice');
  const mallory = await session('mallory');
  const tokGlobex = await apiToken('tok-globex', { scope: 'settings:read', org_id: 'globex' });
  tokens.push(alice, mallory, tokGlobex);

  // 3 allows
  for (let i = 0; i < 3; i++)
    await decide(
      { token: alice, org: 'acme', action: 'org.read' },
      { allow: true, reason: 'allowed' },
    );
  // 2 spoofs via the org header, 1 via the cookie (mallory is a member of no org but default)
  for (let i = 0; i < 2; i++)
    await decide(
      { headers: { authorization: `Bearer ${mallory}`, 'x-org-id': 'acme' }, action: 'org.read' },
      { allow: false, reason: 'access_denied' },
    );
  await decide(
    {
      headers: { authorization: `Bearer ${mallory}`, cookie: 'theme=dark; org_id=globex' },
      action: 'org.read',
    },
    { allow: false, reason: 'access_denied' },
  );
  // an API token bound to globex naming acme: spoof through the token binding, an org-switch failure
  const mismatch = await decide(
    { token: tokGlobex, org: 'acme', action: 'org.read' },
    { allow: false, reason: 'access_denied' },
  );
  expect(mismatch.detail).toBe('token_org_mismatch');
  // not spoofs: a bad token, an org that does not exist
  await decide(
    { token: 'not-a-jwt', org: 'acme', action: 'org.read' },
    { allow: false, reason: 'unauthenticated' },
  );
  await decide(
    { token: alice, org: 'nope', action: 'org.read' },
    { allow: false, reason: 'invalid_org' },
  );
  // a batch: one allow, one spoof through the org field
  const batch = await postJson(`${url}/v1/authorize/batch`, {
    items: [
      { token: alice, org: 'acme', action: 'org.read' },
      { token: mallory, org: 'acme', action: 'org.read' },
    ],
  });
  const results = batch.json?.results ?? [];
  expect(results.map((r) => r.reason)).toEqual(['allowed', 'access_denied']);
  expect(results.map((r) => typeof r.decision_id)).toEqual(['string', 'string']);
  decisionIds.push(...results.map((r) => r.decision_id!));

  ({ samples, text, contentType } = await scrape(url));
});
afterAll(() => app.stop());

describe('GET /metrics after known traffic', () => {
  it('answers the Prometheus text format', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('# TYPE orgwarden_decisions_total counter');
  });

  it('counts decisions by kind, decision and reason exactly', () => {
    const d = (kind: string, decision: string, reason: string) =>
      valueOf(samples, 'orgwarden_decisions_total', { kind, decision, reason });
    expect(d('request', 'allow', 'allowed')).toBe(3);
    expect(d('request', 'deny', 'access_denied')).toBe(4);
    expect(d('request', 'deny', 'unauthenticated')).toBe(1);
    expect(d('request', 'deny', 'invalid_org')).toBe(1);
    expect(d('batch_item', 'allow', 'allowed')).toBe(1);
    expect(d('batch_item', 'deny', 'access_denied')).toBe(1);
    const nonZero = seriesOf(samples, 'orgwarden_decisions_total').filter((s) => s.value > 0);
    expect(nonZero).toHaveLength(6);
  });

  it('counts spoof attempts by source exactly', () => {
    const s = (source: string) => valueOf(samples, 'orgwarden_spoof_attempts_total', { source });
    expect({
      header: s('header'),
      cookie: s('cookie'),
      field: s('field'),
      path: s('path'),
      token_binding: s('token_binding'),
    }).toEqual({
      header: 2,
      cookie: 1,
      field: 1,
      path: 0,
      token_binding: 1,
    });
  });

  it('counts org-switch failures: explicitly named orgs the principal is not in or not bound to', () => {
    const failures = (detail: string, inCohort: string) =>
      valueOf(samples, 'orgwarden_org_switch_failures_total', { detail, in_cohort: inCohort });
    // multi-tenant is on for every org here: every failure is in the cohort
    expect(failures('not_member', 'true')).toBe(4);
    expect(failures('token_org_mismatch', 'true')).toBe(1);
    expect(failures('not_member', 'false')).toBe(0);
    expect(failures('token_org_mismatch', 'false')).toBe(0);
  });

  it('observes every decision in the latency histogram', () => {
    expect(valueOf(samples, 'orgwarden_decision_duration_seconds_count', { kind: 'request' })).toBe(
      9,
    );
    expect(
      valueOf(samples, 'orgwarden_decision_duration_seconds_count', { kind: 'batch_item' }),
    ).toBe(2);
    expect(
      valueOf(samples, 'orgwarden_decision_duration_seconds_bucket', {
        kind: 'request',
        le: '+Inf',
      }),
    ).toBe(9);
    expect(
      valueOf(samples, 'orgwarden_decision_duration_seconds_sum', { kind: 'request' }),
    ).toBeGreaterThan(0);
    const les = seriesOf(samples, 'orgwarden_decision_duration_seconds_bucket')
      .filter((s) => s.labels.kind === 'request')
      .map((s) => s.labels.le);
    expect(les).toEqual([
      '0.000025',
      '0.00005',
      '0.0001',
      '0.00025',
      '0.0005',
      '0.001',
      '0.0025',
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '+Inf',
    ]);
  });

  it('reports the active policy revision, its load time and the multi-tenant state', () => {
    const engine = app.policy.current();
    expect(engine).not.toBeNull();
    const info = seriesOf(samples, 'orgwarden_policy_info');
    expect(info).toEqual([
      { name: 'orgwarden_policy_info', labels: { revision: engine?.revision }, value: 1 },
    ]);
    expect(valueOf(samples, 'orgwarden_policy_last_load_success_timestamp_seconds')).toBe(
      (engine?.loadedAt.getTime() ?? 0) / 1000,
    );
    expect(valueOf(samples, 'orgwarden_policy_load_failures_total')).toBe(0);
    expect(valueOf(samples, 'orgwarden_multi_tenant')).toBe(1);
  });

  it('has the directory, Redis and decision log series at zero for a file directory and no decision log', () => {
    for (const layer of ['memory', 'redis'])
      for (const outcome of ['hit', 'miss'])
        expect(
          valueOf(samples, 'orgwarden_directory_cache_lookups_total', { layer, outcome }),
        ).toBe(0);
    expect(valueOf(samples, 'orgwarden_redis_errors_total', { component: 'directory' })).toBe(0);
    expect(valueOf(samples, 'orgwarden_decision_log_written_total')).toBe(0);
    for (const cause of ['buffer_full', 'sink_error', 'closed'])
      expect(valueOf(samples, 'orgwarden_decision_log_dropped_total', { cause })).toBe(0);
  });

  it('never names a user, an org, a token or a decision', () => {
    expect(decisionIds).toHaveLength(11);
    const forbidden = [
      'alice',
      'mallory',
      'tok-globex',
      'acme',
      'globex',
      'nope',
      'not-a-jwt',
      TEST_SECRET,
      ...tokens,
      ...decisionIds,
    ];
    for (const token of tokens) forbidden.push(...token.split('.'));
    for (const needle of forbidden) expect(text, needle).not.toContain(needle);
  });

  it('keeps prom-client global default registry untouched', async () => {
    const { register } = await import('prom-client');
    expect(await register.metrics()).not.toContain('orgwarden_');
  });
});
