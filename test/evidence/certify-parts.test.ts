/**
 * The pure parts of `orgwarden certify`'s steps: the metric names of PromQL expressions and of a
 * /metrics exposition, the rules file reader, the Rego coverage figure, git's name-status list,
 * the org-mention check of the single-tenant checklist, and the org-boundary step's result.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { readRules } from '../../src/evidence/certify/alert-inventory.js';
import {
  boundaryResult,
  boundaryStepFrom,
  type BoundaryApi,
  type BoundaryInput,
} from '../../src/evidence/certify/boundary-step.js';
import { parseNameStatus } from '../../src/evidence/certify/files-changed.js';
import { metricSum } from '../../src/evidence/certify/instance-client.js';
import { readCoverage } from '../../src/evidence/certify/policy-checks.js';
import { exportedMetricNames, metricNamesIn } from '../../src/evidence/certify/promql-names.js';
import { mentions } from '../../src/evidence/certify/single-tenant.js';
import type {
  BoundaryCase,
  BoundaryCell,
  BoundaryCoverage,
} from '../../src/evidence/boundary/types.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createRolloutMetrics } from '../../src/observability/rollout-metrics.js';
import { fuzzParams } from '../support/fuzz.js';

/** A replica serving the rollout off, for the metrics it exports. */
const ROLLOUT_OFF = {
  status: () => ({
    state: 'off' as const,
    killed: true,
    rollout: { orgs: [], percent: 0, stage: null },
  }),
};

describe('metric names in PromQL', () => {
  it('keeps metrics, drops functions, aggregations, labels, grouping, ranges, numbers and strings', () => {
    expect(
      metricNamesIn(
        'sum by (job, source) (rate(orgwarden_spoof_attempts_total{source=~"header|x_total"}[5m])) > 3 * on(job) group_left(instance) up offset 5m',
      ),
    ).toEqual(['orgwarden_spoof_attempts_total', 'up']);
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum without (kind) (rate(orgwarden_decision_duration_seconds_bucket[5m]))) > 1e3',
      ),
    ).toEqual(['orgwarden_decision_duration_seconds_bucket']);
    expect(
      metricNamesIn(
        'max by (job) (orgwarden_multi_tenant) != min by (job) (orgwarden_multi_tenant)',
      ),
    ).toEqual(['orgwarden_multi_tenant']);
    expect(metricNamesIn('a and b or c unless bool_metric')).toEqual([
      'a',
      'b',
      'c',
      'bool_metric',
    ]);
  });

  it('finds in the repository rules only metrics orgwarden exports', async () => {
    const file = path.resolve('deploy', 'prometheus', 'orgwarden-rules.yml');
    const rules = readRules(readFileSync(file, 'utf8'), file);
    const registry = new Registry();
    createMetrics(registry);
    createRolloutMetrics(registry, ROLLOUT_OFF);
    const exposition = await registry.metrics();
    const exported = exportedMetricNames(exposition);
    expect(rules.length).toBeGreaterThan(5);
    const used = rules.flatMap((r) => metricNamesIn(r.expr));
    expect(used).toContain('orgwarden_spoof_attempts_total');
    expect(used.filter((m) => !exported.has(m))).toEqual([]);
    expect(exported.has('orgwarden_made_up_total')).toBe(false);
  });

  it('reads histogram and summary series names from # TYPE lines', () => {
    const names = exportedMetricNames(
      '# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE s summary\n# TYPE c counter\nc_total 1\n',
    );
    expect([...names].sort()).toEqual([
      'c',
      'c_total',
      'h',
      'h_bucket',
      'h_count',
      'h_sum',
      's',
      's_count',
      's_sum',
    ]);
  });
});

describe('the rules file reader', () => {
  it('names the file and the rule at fault', () => {
    expect(() => readRules('nope: 1', 'r.yml')).toThrow('r.yml: has no "groups" list');
    expect(() => readRules('groups: [{rules: [{alert: A}]}]', 'r.yml')).toThrow(
      'r.yml: groups[0].rules[0].expr must be a string',
    );
    expect(() => readRules('groups: [', 'r.yml')).toThrow('r.yml: not valid YAML');
    expect(readRules('groups: [{rules: [{record: "job:x", expr: "sum(x)"}]}]', 'r.yml')).toEqual([
      { name: 'job:x', expr: 'sum(x)', record: true },
    ]);
  });
});

describe('the Rego coverage figure', () => {
  it('counts policy lines only, tests excluded, and lists the lines not covered', () => {
    const report = JSON.stringify({
      files: {
        'policies/a.rego': {
          covered_lines: 9,
          not_covered_lines: 1,
          not_covered: [{ start: { row: 4 }, end: { row: 4 } }],
        },
        'policies/a_test.rego': { covered_lines: 100, not_covered_lines: 50 },
        'policies/b.rego': { covered_lines: 10 },
      },
    });
    expect(readCoverage(report)).toEqual({
      covered: 19,
      total: 20,
      percent: 95,
      notCovered: ['policies/a.rego:4'],
    });
    expect(readCoverage('')).toBeNull();
    expect(readCoverage('{"files":{}}')).toBeNull();
    expect(readCoverage('[]')).toBeNull();
  });
});

describe("git's name-status list", () => {
  it('puts policy files first, then config files, each with a reason', () => {
    const root = '/repo';
    const changes = parseNameStatus(
      'M\tsrc/app.ts\nA\texamples/orgwarden.yaml\nR100\tpolicies/old.rego\tpolicies/new.rego\nD\tlib/x.rego\n',
      root,
      { policyDirs: ['/repo/policies'], configFiles: ['/repo/examples/orgwarden.yaml'] },
    );
    expect(changes.map((c) => [c.path, c.reason])).toEqual([
      ['lib/x.rego', 'deleted (policy file)'],
      ['policies/new.rego', 'renamed from policies/old.rego (policy file)'],
      ['examples/orgwarden.yaml', 'added (config file)'],
      ['src/app.ts', 'modified (other file)'],
    ]);
    expect(parseNameStatus('', root, { policyDirs: [], configFiles: [] })).toEqual([]);
  });
});

describe('an org mentioned in an answer', () => {
  it('is the id as a whole word, not part of a longer id', () => {
    expect(mentions('{"org":"acme"}', 'acme')).toBe(true);
    expect(mentions('/api/orgs/acme/members', 'acme')).toBe(true);
    expect(mentions('acme', 'acme')).toBe(true);
    expect(mentions('{"principal":{"id":"acme-owner"}}', 'acme')).toBe(false);
    expect(mentions('acmecorp', 'acme')).toBe(false);
    expect(mentions('a.b', 'a.b')).toBe(true);
    expect(mentions('axb', 'a.b')).toBe(false);
  });

  it('is found wherever it stands between characters that cannot continue an id', () => {
    const org = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/);
    // before: ends with a character that cannot continue an id; after: starts with one
    const before = fc.stringMatching(/^([^\n]{0,10}[^A-Za-z0-9_\n-])?$/);
    const after = fc.stringMatching(/^([^A-Za-z0-9_\n-][^\n]{0,10})?$/);
    fc.assert(
      fc.property(org, before, after, (id, left, right) => {
        expect(mentions(`${left}${id}${right}`, id)).toBe(true);
      }),
      fuzzParams(300),
    );
  });
});

describe('metric sums from an exposition', () => {
  it('sums the samples whose labels include the ones asked for', () => {
    const text = [
      '# TYPE orgwarden_spoof_attempts_total counter',
      'orgwarden_spoof_attempts_total{source="field"} 2',
      'orgwarden_spoof_attempts_total{source="header"} 3',
      'orgwarden_spoof_attempts_total_other 100',
    ].join('\n');
    expect(metricSum(text, 'orgwarden_spoof_attempts_total')).toBe(5);
    expect(metricSum(text, 'orgwarden_spoof_attempts_total', { source: 'header' })).toBe(3);
    expect(metricSum(text, 'orgwarden_spoof_attempts_total', { source: 'path' })).toBe(0);
  });
});

describe('the org-boundary step', () => {
  const cells: BoundaryCell[] = [
    { action: 'org.read', boundary: 'other_org', applicable: true },
    { action: 'org.read', boundary: 'suspended', applicable: true },
    { action: 'orgs.list', boundary: 'other_org', applicable: false, why: 'names no org' },
  ];
  const coverage = (over: Partial<BoundaryCoverage> = {}): BoundaryCoverage => ({
    cells: 3,
    applicable: 2,
    exercised: 2,
    passing: 2,
    percent: 100,
    notApplicable: [cells[2] as BoundaryCell],
    failing: [],
    unexercised: [],
    ...over,
  });
  const run = { target: 'wasm' as const, results: [] };

  it('passes with every applicable cell passing, and reports the figures', () => {
    const result = boundaryResult(4, [{ ...run, results: Array(4).fill({}) }], coverage(), 'cmd');
    expect(result.status).toBe('pass');
    expect(result.figures).toEqual({
      org_boundary_coverage: '100.0% (2/2 applicable cells passing, 3 cells in all)',
      org_boundary_not_applicable: '1: orgs.list × other_org (names no org)',
      cases_run: '4 (4 generated; wasm 4)',
    });
  });

  it('fails naming failing and unexercised cells; an empty run is an empty output', () => {
    const result = boundaryResult(
      1,
      [run],
      coverage({
        passing: 0,
        percent: 0,
        failing: [
          {
            action: 'org.read',
            boundary: 'other_org',
            cases: ['org.read × other_org × session:admin'],
          },
        ],
        unexercised: [{ action: 'org.read', boundary: 'suspended' }],
      }),
      'cmd',
    );
    expect(result.status).toBe('fail');
    expect(result.failures).toEqual([
      'cell org.read × other_org fails: org.read × other_org × session:admin',
      'cell org.read × suspended is applicable but no case ran',
    ]);
    expect(result.emptyOutput).toBe('the org-boundary suite ran no cases');
  });

  it('runs the suite on the engine and over HTTP through the boundary API', async () => {
    const calls: string[] = [];
    const suite = { cases: [{ name: 'c1' } as BoundaryCase], cells };
    const api: BoundaryApi<typeof suite> = {
      generateBoundarySuite: (input) => {
        calls.push(`generate ${input.tenancy.default_org}`);
        return suite;
      },
      runBoundaryOnEngine: (_s, _e, secret) => {
        calls.push(`engine ${secret}`);
        return Promise.resolve({ target: 'wasm', results: [] });
      },
      runBoundaryOverHttp: (_s, instance, secret) => {
        calls.push(`http ${instance.baseUrl} ${secret}`);
        return Promise.resolve([{ target: 'http', results: [] }]);
      },
      boundaryCoverage: (_s, runs) => {
        calls.push(`coverage ${runs.map((r) => r.target).join(',')}`);
        return coverage();
      },
    };
    const input = {
      data: {},
      routes: [],
      tenancy: {
        multi_tenant: true,
        default_org: 'default',
        org_header: 'X-Org-ID',
        org_cookie: 'org_id',
      },
      engine: {},
      instance: {
        baseUrl: 'http://127.0.0.1:1',
        adminToken: 't',
        secret: 's',
        stop: () => Promise.resolve(),
      },
      progress: (line: string) => calls.push(line),
    } as unknown as BoundaryInput;
    const result = await boundaryStepFrom(api)(input, 'cmd');
    expect(calls).toEqual([
      'generate default',
      'org-boundary suite: 1 cases…',
      'engine s',
      'http http://127.0.0.1:1 s',
      'coverage wasm,http',
    ]);
    expect(result.emptyOutput).toBe('the org-boundary suite ran no cases');
  });
});
