/**
 * Builds the surface inventory from what the caller has already read: the policy's data, the
 * route manifest's routes, the tests, the OpenAPI operations and the risk register. Pure: no
 * files, no clock, so the same inputs always give the same document.
 *
 * Gaps are what a reviewer must not sign off on: a route or event type no test covers, an event
 * catalogue the policy lacks (or entries of the wrong shape), an API operation without a guard
 * strategy, no route manifest, no risk register.
 */
import type { RouteSpec } from '../../surfaces/forward-auth/route-table.js';
import type { RiskEntry } from '../risk-register.js';
import type { TableCase } from './decision-tables.js';
import { eventMatrix } from './events.js';
import { guardOf, type ApiOperation } from './openapi.js';
import type { RegoTestCase } from './rego-tests.js';
import { routeRows } from './routes.js';
import {
  INVENTORY_VERSION,
  type BoundarySuite,
  type Gap,
  type Inventory,
  type OpenApiReport,
} from './types.js';

export interface InventoryInput {
  readonly policy: {
    readonly source: string;
    readonly revision: string;
    readonly data: Readonly<Record<string, unknown>>;
  };
  /** `routes` null: no manifest is loaded (`source` says why). */
  readonly manifest: { readonly source: string; readonly routes: readonly RouteSpec[] | null };
  /** The generated org-boundary suite; null when none is available to this build. */
  readonly suite: BoundarySuite | null;
  readonly rego: { readonly source: string; readonly cases: readonly RegoTestCase[] } | null;
  readonly tables: { readonly source: string; readonly cases: readonly TableCase[] } | null;
  readonly openapi: { readonly file: string; readonly operations: readonly ApiOperation[] } | null;
  /** `entries` null: the register file is missing. */
  readonly riskRegister: { readonly file: string; readonly entries: readonly RiskEntry[] | null };
}

export function buildInventory(input: InventoryInput): Inventory {
  const rego = input.rego?.cases ?? [];
  const tables = input.tables?.cases ?? [];
  const routes = routeRows(input.manifest.routes ?? [], input.policy.data, {
    suite: input.suite,
    rego,
    tables,
  });
  const events = eventMatrix(input.policy.data, { rego, tables });
  const openapi = input.openapi && openApiReport(input.openapi, input.manifest.routes ?? []);
  const entries = input.riskRegister.entries;

  const gaps: Gap[] = [];
  if (input.manifest.routes === null)
    gaps.push({
      kind: 'no_route_manifest',
      message: `no route manifest (${input.manifest.source})`,
    });
  for (const r of routes.filter((row) => !row.covered))
    gaps.push({
      kind: 'uncovered_route',
      message: `${r.methods.join(',')} ${r.path} (${r.action}): no test covers it`,
    });
  if (!events.catalogue)
    gaps.push({
      kind: 'event_catalogue_missing',
      message: 'the policy data has no event catalogue (orgwarden.catalogue.events)',
    });
  for (const p of events.problems)
    gaps.push({ kind: 'event_catalogue_problem', message: `event ${p.type}: ${p.message}` });
  for (const e of events.types.filter((row) => !row.covered))
    gaps.push({ kind: 'uncovered_event', message: `event ${e.type}: no test names it` });
  for (const op of openapi?.unguarded ?? [])
    gaps.push({
      kind: 'unguarded_operation',
      message: `${op.method} ${op.path}: no manifest route guards it`,
    });
  if (entries === null)
    gaps.push({
      kind: 'risk_register_missing',
      message: `no risk register (${input.riskRegister.file})`,
    });

  return {
    version: INVENTORY_VERSION,
    policy: { source: input.policy.source, revision: input.policy.revision },
    manifest: input.manifest.source,
    test_sources: {
      rego: input.rego?.source ?? null,
      decision_tables: input.tables?.source ?? null,
      generated: input.suite !== null,
    },
    routes,
    events,
    openapi,
    risk_register: {
      file: input.riskRegister.file,
      present: entries !== null,
      risks: (entries ?? []).map(({ line: _line, ...risk }) => risk),
    },
    gaps,
  };
}

function openApiReport(
  api: { file: string; operations: readonly ApiOperation[] },
  routes: readonly RouteSpec[],
): OpenApiReport {
  const guards = api.operations.map((op) => {
    const route = guardOf(op, routes);
    return {
      method: op.method,
      path: op.path,
      route: route && `${route.methods.join(',')} ${route.pattern}`,
      action: route?.action ?? null,
    };
  });
  const guarded = guards.filter((g) => g.route !== null).length;
  const total = guards.length;
  return {
    file: api.file,
    operations: total,
    guarded,
    // Rounded down: 100 % is printed only when every operation is guarded.
    percent: total === 0 ? 100 : Math.floor((guarded / total) * 1000) / 10,
    unguarded: guards.filter((g) => g.route === null).map(({ method, path }) => ({ method, path })),
    guards,
  };
}
