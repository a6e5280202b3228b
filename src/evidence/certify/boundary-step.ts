/**
 * Step 3, the generated org-boundary suite, on the compiled policy and over HTTP against the
 * throw-away instance. The suite itself (generation, oracle, runs, coverage) lives in
 * evidence/boundary; this step runs it through `BoundaryApi` and turns its coverage into a step
 * result: it fails on any failing cell and on any applicable cell no case exercised.
 */
import type { Config } from '../../config/schema.js';
import type { PolicyEngine } from '../../engine/wasm-engine.js';
import type { RouteSpec } from '../../surfaces/forward-auth/route-table.js';
import type {
  BoundaryCase,
  BoundaryCell,
  BoundaryCoverage,
  BoundaryRun,
} from '../boundary/types.js';
import { stepResult, type CertifyInstance, type StepResult } from './types.js';

export interface BoundaryInput {
  readonly data: Readonly<Record<string, unknown>>;
  readonly routes: readonly RouteSpec[];
  readonly tenancy: Config['tenancy'];
  readonly engine: PolicyEngine;
  readonly instance: CertifyInstance;
  /** Progress lines (stderr). */
  readonly progress: (line: string) => void;
}

/** Step 3 as the orchestrator calls it. */
export type BoundaryStep = (input: BoundaryInput, command: string) => Promise<StepResult>;

interface SuiteShape {
  readonly cases: readonly BoundaryCase[];
  readonly cells: readonly BoundaryCell[];
}

/** The functions of evidence/boundary the step runs. */
export interface BoundaryApi<S extends SuiteShape> {
  generateBoundarySuite(input: {
    data: Readonly<Record<string, unknown>>;
    routes: readonly RouteSpec[];
    tenancy: { default_org: string; org_header: string; org_cookie: string };
  }): S;
  runBoundaryOnEngine(suite: S, engine: PolicyEngine, secret: string): Promise<BoundaryRun>;
  runBoundaryOverHttp(
    suite: S,
    instance: { baseUrl: string; adminToken: string; callerToken?: string },
    secret: string,
  ): Promise<BoundaryRun[]>;
  boundaryCoverage(suite: S, runs: readonly BoundaryRun[]): BoundaryCoverage;
}

const LISTED = 50;

export function boundaryStepFrom<S extends SuiteShape>(api: BoundaryApi<S>): BoundaryStep {
  return async (input, command) => {
    const suite = api.generateBoundarySuite({
      data: input.data,
      routes: input.routes,
      tenancy: input.tenancy,
    });
    input.progress(`org-boundary suite: ${suite.cases.length} cases…`);
    const runs = [
      await api.runBoundaryOnEngine(suite, input.engine, input.instance.secret),
      ...(await api.runBoundaryOverHttp(suite, input.instance, input.instance.secret)),
    ];
    return boundaryResult(suite.cases.length, runs, api.boundaryCoverage(suite, runs), command);
  };
}

/** The step result of a finished suite run (pure, so the gates' inputs can be tested alone). */
export function boundaryResult(
  cases: number,
  runs: readonly BoundaryRun[],
  coverage: BoundaryCoverage,
  command: string,
): StepResult {
  const failures = [
    ...coverage.failing.map(
      (c) =>
        `cell ${c.action} × ${c.boundary} fails: ${c.cases.slice(0, 5).join(', ')}${c.cases.length > 5 ? ` (+${c.cases.length - 5})` : ''}`,
    ),
    ...coverage.unexercised.map(
      (c) => `cell ${c.action} × ${c.boundary} is applicable but no case ran`,
    ),
  ];
  const ran = runs.reduce((n, r) => n + r.results.length, 0);
  const ok = failures.length === 0;
  const reason = ok
    ? undefined
    : `${coverage.failing.length} failing cell(s), ${coverage.unexercised.length} unexercised`;
  return stepResult('boundary', ok ? 'pass' : 'fail', {
    ...(reason ? { reason } : {}),
    ...(cases === 0 || ran === 0 ? { emptyOutput: 'the org-boundary suite ran no cases' } : {}),
    commands: [
      { command, exit: ok ? 0 : 1, status: ok ? 'pass' : 'fail', ...(reason ? { reason } : {}) },
    ],
    figures: {
      org_boundary_coverage: `${coverage.percent.toFixed(1)}% (${coverage.passing}/${coverage.applicable} applicable cells passing, ${coverage.cells} cells in all)`,
      org_boundary_not_applicable:
        coverage.notApplicable.length === 0
          ? 'none'
          : `${coverage.notApplicable.length}: ${coverage.notApplicable
              .slice(0, LISTED)
              .map((c) => `${c.action} × ${c.boundary}${c.why ? ` (${c.why})` : ''}`)
              .join('; ')}${coverage.notApplicable.length > LISTED ? '; …' : ''}`,
      cases_run: `${ran} (${cases} generated; ${runs.map((r) => `${r.target} ${r.results.length}`).join(', ')})`,
    },
    failures,
  });
}
