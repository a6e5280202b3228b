/**
 * The rollout plan file and a stage's exit criteria against canned Prometheus answers (the JSON
 * of /api/v1/alerts and /api/v1/query as Prometheus writes it): soak time, quiet alerts, rate
 * bounds, and every way a check can fail to be made (no Prometheus, an error, a bad answer) —
 * each an unmet criterion, never a pass.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkExitCriteria, rateQuery } from '../../src/cli/rollout-criteria.js';
import { parsePlan, PlanError, type RolloutPlan } from '../../src/cli/rollout-plan.js';
import { createPrometheusClient } from '../../src/cli/rollout-prometheus.js';

const PLAN = parsePlan(readFileSync('deploy/rollout.yaml', 'utf8'));
const PILOT = PLAN.stages[1]!;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY_AGO = new Date(NOW - 25 * 3600_000).toISOString();

/** A fetch that answers Prometheus's API from canned values and records the queries. */
function cannedPrometheus(answers: {
  firing?: string[];
  rates?: Record<string, number | null>;
  status?: number;
}) {
  const queries: string[] = [];
  const fetchFn = (input: string): Promise<Response> => {
    const url = new URL(input);
    if (answers.status !== undefined)
      return Promise.resolve(
        Response.json({ status: 'error', error: 'overloaded' }, { status: answers.status }),
      );
    if (url.pathname === '/api/v1/alerts')
      return Promise.resolve(
        Response.json({
          status: 'success',
          data: {
            alerts: [
              ...(answers.firing ?? []).map((name) => ({
                state: 'firing',
                labels: { alertname: name },
              })),
              { state: 'pending', labels: { alertname: 'OrgwardenPolicyError' } },
            ],
          },
        }),
      );
    const query = url.searchParams.get('query') ?? '';
    queries.push(query);
    const metric = /rate\((\w+)/.exec(query)?.[1] ?? '';
    const value = answers.rates?.[metric];
    return Promise.resolve(
      Response.json({
        status: 'success',
        data: {
          resultType: 'vector',
          result:
            value === null || value === undefined
              ? []
              : [{ metric: {}, value: [NOW / 1000, String(value)] }],
        },
      }),
    );
  };
  return {
    client: createPrometheusClient('http://prometheus.test/', fetchFn as unknown as typeof fetch),
    queries,
  };
}

const check = (
  prometheus: ReturnType<typeof cannedPrometheus> | null,
  since: string | null = DAY_AGO,
) =>
  checkExitCriteria({
    plan: PLAN,
    stage: PILOT,
    since,
    now: NOW,
    prometheus: prometheus?.client ?? null,
  });

describe('exit criteria', () => {
  it('all met: soak past, no listed alert firing (pending ones do not count), rates under bounds', async () => {
    const prom = cannedPrometheus({
      firing: ['SomeOtherAlert'],
      rates: {
        orgwarden_spoof_attempts_total: 0.01,
        orgwarden_org_switch_failures_total: null,
        orgwarden_decisions_total: 0.1,
      },
    });
    const criteria = await check(prom);
    expect(criteria.map((c) => [c.name, c.met])).toEqual([
      ['soak', true],
      ['quiet alerts', true],
      ['spoof attempts rate', true],
      ['org-switch failures rate', true],
      ['cross-org denials rate', true],
    ]);
    expect(prom.queries).toEqual([
      'sum(rate(orgwarden_spoof_attempts_total{job="orgwarden"}[5m]))',
      'sum(rate(orgwarden_org_switch_failures_total{job="orgwarden"}[5m]))',
      'sum(rate(orgwarden_decisions_total{reason="cross_org",kind!="event",job="orgwarden"}[5m]))',
    ]);
  });

  it('each unmet criterion says why', async () => {
    const prom = cannedPrometheus({
      firing: ['OrgwardenCrossOrgDenialSpike'],
      rates: { orgwarden_spoof_attempts_total: 0.5 },
    });
    const criteria = await check(prom, new Date(NOW - 3600_000).toISOString());
    const unmet = criteria.filter((c) => !c.met).map((c) => `${c.name}: ${c.detail}`);
    expect(unmet).toEqual([
      'soak: 1.0h at this stage of 24h required',
      'quiet alerts: firing: OrgwardenCrossOrgDenialSpike',
      'spoof attempts rate: 0.500/s over 5m, bound 0.05/s',
    ]);
  });

  it('a criterion that cannot be checked is unmet: no Prometheus, an error answer, an unknown start', async () => {
    for (const prom of [null, cannedPrometheus({ status: 503 })]) {
      const criteria = await check(prom, null);
      expect(criteria.every((c) => !c.met)).toBe(true);
      expect(criteria.find((c) => c.name === 'quiet alerts')?.detail).toMatch(/^not checked: /);
    }
    expect((await check(null, null))[0]?.detail).toMatch(/start is unknown/);
  });

  it('rate queries take the plan selector and window', () => {
    const plan: RolloutPlan['prometheus'] = { selector: '', window: '10m' };
    expect(rateQuery('spoof_per_s', plan)).toBe('sum(rate(orgwarden_spoof_attempts_total{}[10m]))');
  });
});

describe('the rollout plan file', () => {
  it('the example deploy/rollout.yaml is valid', () => {
    expect(PLAN.stages.map((s) => s.name)).toEqual(['off', 'pilot', 'ten-percent', 'on']);
  });

  it('reports every problem at once, each naming its key', () => {
    const text = `
stages:
  - name: off
    cohort: { mode: off, orgs: [acme] }
    sign_off: { role: owner }
  - name: off
    cohort: { mode: cohort, orgs: [default], percent: 120 }
    soak: 3 days
    bounds: { spoof_per_s: -1, typo: 1 }
`;
    let message = '';
    try {
      parsePlan(text, 'plan.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(PlanError);
      message = (err as Error).message;
    }
    const lines = message.split('\n');
    for (const key of [
      'stages[0].cohort.orgs: only a cohort lists orgs',
      'stages[1].name: stage name "off" is used twice',
      'stages[1].cohort.percent',
      'stages[1].soak: must be a duration',
      'stages[1].sign_off',
      'stages[1].bounds.spoof_per_s',
      'stages[1].bounds.typo',
    ])
      expect(
        lines.some((l) => l.startsWith(`plan.yaml: ${key}`)),
        `${key} in\n${message}`,
      ).toBe(true);
  });

  it('refuses a single stage and non-YAML', () => {
    expect(() => parsePlan('stages: []')).toThrow(/stages: needs at least two stages/);
    expect(() => parsePlan('stages: [')).toThrow(/not YAML/);
  });
});
