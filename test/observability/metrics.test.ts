/** The metrics module on its own registry: state read at scrape time, hooks, bounded labels. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.js';
import { decisionLabels, orgSwitchFailure } from '../../src/observability/decision-labels.js';
import { deny, parseMetrics, record, seriesOf, valueOf } from './helpers.js';

const read = async (registry: Registry) => parseMetrics(await registry.metrics());

describe('state gauges', () => {
  it('read the multi-tenant switch at scrape time', async () => {
    const metrics = createMetrics(new Registry());
    let multiTenant = true;
    metrics.observeState({ isMultiTenant: () => multiTenant, activePolicy: () => null });
    expect(valueOf(await read(metrics.registry), 'orgwarden_multi_tenant')).toBe(1);
    multiTenant = false;
    expect(valueOf(await read(metrics.registry), 'orgwarden_multi_tenant')).toBe(0);
  });

  it('keep one policy_info series, the active revision, and its load time', async () => {
    const metrics = createMetrics(new Registry());
    let active: { revision: string; loadedAt: Date } | null = null;
    metrics.observeState({ isMultiTenant: () => false, activePolicy: () => active });
    let samples = await read(metrics.registry);
    expect(seriesOf(samples, 'orgwarden_policy_info')).toEqual([]);
    expect(valueOf(samples, 'orgwarden_policy_last_load_success_timestamp_seconds')).toBe(0);

    active = { revision: 'sha256:aaa', loadedAt: new Date(1_700_000_000_500) };
    samples = await read(metrics.registry);
    expect(seriesOf(samples, 'orgwarden_policy_info').map((s) => s.labels)).toEqual([
      { revision: 'sha256:aaa' },
    ]);
    expect(valueOf(samples, 'orgwarden_policy_last_load_success_timestamp_seconds')).toBe(
      1_700_000_000.5,
    );

    active = { revision: 'sha256:bbb', loadedAt: new Date(1_700_000_060_000) };
    samples = await read(metrics.registry);
    expect(seriesOf(samples, 'orgwarden_policy_info').map((s) => s.labels)).toEqual([
      { revision: 'sha256:bbb' },
    ]);
    expect(valueOf(samples, 'orgwarden_policy_last_load_success_timestamp_seconds')).toBe(
      1_700_000_060,
    );
  });
});

describe('hooks for other components', () => {
  it('count policy load failures and Redis errors by component', async () => {
    const metrics = createMetrics(new Registry());
    metrics.policyLoadFailed();
    metrics.policyLoadFailed();
    metrics.redisError('directory');
    metrics.redisError('tenancy');
    metrics.redisError('tenancy');
    metrics.directoryCacheStats('memory', 'hit');
    metrics.directoryCacheStats('redis', 'miss');
    const samples = await read(metrics.registry);
    expect(valueOf(samples, 'orgwarden_policy_load_failures_total')).toBe(2);
    expect(valueOf(samples, 'orgwarden_redis_errors_total', { component: 'directory' })).toBe(1);
    expect(valueOf(samples, 'orgwarden_redis_errors_total', { component: 'tenancy' })).toBe(2);
    expect(valueOf(samples, 'orgwarden_redis_errors_total', { component: 'policy' })).toBe(0);
    expect(
      valueOf(samples, 'orgwarden_directory_cache_lookups_total', {
        layer: 'memory',
        outcome: 'hit',
      }),
    ).toBe(1);
    expect(
      valueOf(samples, 'orgwarden_directory_cache_lookups_total', {
        layer: 'redis',
        outcome: 'miss',
      }),
    ).toBe(1);
  });

  it('keep two apps apart: each registry counts only its own decisions', async () => {
    const a = createMetrics(new Registry());
    const b = createMetrics(new Registry());
    a.decisionObserver.onDecision(record());
    a.decisionObserver.onDecision(record());
    b.decisionObserver.onDecision(record());
    const labels = { kind: 'request', decision: 'allow', reason: 'allowed' };
    expect(valueOf(await read(a.registry), 'orgwarden_decisions_total', labels)).toBe(2);
    expect(valueOf(await read(b.registry), 'orgwarden_decisions_total', labels)).toBe(1);
  });
});

describe('labels stay bounded', () => {
  it('map values outside the known sets to "other", never the raw value', async () => {
    const metrics = createMetrics(new Registry());
    const weird = record({
      kind: 'user-alice' as never,
      spoof_source: 'org-acme' as never,
      decision: { allow: false, reason: 'reason-for-alice' as never, spoof: true, detail: 'acme' },
    });
    metrics.decisionObserver.onDecision(weird);
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/alice|acme/);
    const samples = parseMetrics(text);
    expect(
      valueOf(samples, 'orgwarden_decisions_total', {
        kind: 'other',
        decision: 'deny',
        reason: 'other',
      }),
    ).toBe(1);
    expect(valueOf(samples, 'orgwarden_spoof_attempts_total', { source: 'other' })).toBe(1);
  });
});

describe('org-switch failure', () => {
  it('is access_denied (not_member or token_org_mismatch) for an org the client named', () => {
    const cases: [string, Parameters<typeof record>[0], string | null][] = [
      [
        'header, not a member',
        { requested_org: { id: 'acme', source: 'header' }, ...deny() },
        'not_member',
      ],
      [
        'cookie, not a member',
        { requested_org: { id: 'acme', source: 'cookie' }, ...deny() },
        'not_member',
      ],
      [
        'path, not a member',
        { requested_org: { id: 'acme', source: 'path' }, ...deny() },
        'not_member',
      ],
      [
        'field, token not bound',
        {
          requested_org: { id: 'acme', source: 'field' },
          ...deny({ detail: 'token_org_mismatch' }),
        },
        'token_org_mismatch',
      ],
      [
        'no org named: the default org',
        {
          requested_org: { id: 'default', source: 'default' },
          ...deny({ detail: 'token_org_mismatch' }),
        },
        null,
      ],
      [
        'no org named: the token binding',
        { requested_org: { id: 'acme', source: 'token' }, ...deny() },
        null,
      ],
      [
        'an org that does not exist',
        {
          requested_org: { id: 'nope', source: 'header' },
          ...deny({ reason: 'invalid_org', detail: 'org_not_found', spoof: false }),
        },
        null,
      ],
      [
        'a suspended org',
        {
          requested_org: { id: 'frozen', source: 'header' },
          ...deny({ reason: 'org_suspended', detail: 'suspended', spoof: false }),
        },
        null,
      ],
      ['an allow', { requested_org: { id: 'acme', source: 'header' } }, null],
      [
        'an event recipient no longer a member (server-side)',
        { kind: 'event', requested_org: { id: 'acme', source: 'field' }, ...deny() },
        null,
      ],
      [
        'a job of a removed admin (server-side)',
        { kind: 'job', requested_org: { id: 'acme', source: 'field' }, ...deny() },
        null,
      ],
    ];
    for (const [name, overrides, expected] of cases)
      expect(orgSwitchFailure(record(overrides)), name).toBe(expected);
  });
});

describe('server-side decisions', () => {
  it('an event or job denied access_denied is no spoof attempt (the org came from the server)', () => {
    const spoofed = {
      requested_org: { id: 'acme', source: 'field' as const },
      spoof_source: 'field' as const,
      ...deny(),
    };
    expect(decisionLabels(record({ ...spoofed, kind: 'event' })).spoofSource).toBeNull();
    expect(decisionLabels(record({ ...spoofed, kind: 'job' })).spoofSource).toBeNull();
    expect(decisionLabels(record({ ...spoofed, kind: 'request' })).spoofSource).toBe('field');
    expect(decisionLabels(record({ ...spoofed, kind: 'forward_auth' })).spoofSource).toBe('field');
  });
});
