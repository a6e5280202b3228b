/**
 * `orgwarden_denials_total{action, route, reason}`: every deny, by the action asked for, the
 * forward-auth route it came through and its reason (docs/metrics.md, "Denials by action and
 * route").
 *
 * Label invariant: every value is from a closed set, whatever the record holds.
 * - `action`: an action of the active policy's catalogue, else `unknown` (after a reload that
 *   drops an action, its further denials count as `unknown`; its earlier series stay exported).
 * - `route`: `none` for a decision that came through no route (every surface but forward-auth);
 *   a route of the manifest (its name: methods and path pattern as written there), else `unknown`.
 * - `reason`: a reason code of the contract, else `other`.
 * So the series are at most (actions + 1) × (routes + 2) × (reasons + 1) — actions: those of every
 * catalogue active since start — however many distinct
 * strings callers send. The product is too large to export at zero up front, so a series appears
 * on the first denial of its combination.
 *
 * Hot path: a decision's series is found with three `Map` lookups on the record's own strings
 * (nothing is built to look it up); only the first denial of a combination creates anything.
 */
import type { Registry } from 'prom-client';
import { isReason } from '../contract/reasons.js';
import { localCounter, type CountSeries } from './local-series.js';

const UNKNOWN_LABEL = 'unknown';
/** The `route` of a decision that came through no forward-auth route. */
const NO_ROUTE_LABEL = 'none';
const OTHER_REASON = 'other';

export interface DenialSeries {
  /** Count one deny. `route` is the forward-auth route's name, undefined on other surfaces. */
  count(action: string, route: string | undefined, reason: string): void;
  /** The actions of the active catalogue: only these are labelled as themselves. */
  setActions(actions: Iterable<string>): void;
  /** The names of the manifest's routes (loaded once, at start). */
  addRoutes(routes: Iterable<string>): void;
}

/** The series of one (action, route) label pair, by reason (label value). */
type ByReason = Map<string, CountSeries>;

/** One action label: its series with no route, and per route label. */
interface ActionRow {
  readonly action: string;
  readonly none: ByReason;
  readonly byRoute: Map<string, ByReason>;
}

export function createDenialSeries(registry: Registry): DenialSeries {
  const denials = localCounter({
    name: 'orgwarden_denials_total',
    help: 'Denials by action (the catalogue; unknown: any other), forward-auth route (the manifest route name; none: not forward-auth; unknown: not in the manifest) and reason code.',
    labelNames: ['action', 'route', 'reason'] as const,
    registers: [registry],
  });
  const newRow = (action: string): ActionRow => ({ action, none: new Map(), byRoute: new Map() });
  /** Keyed by the action as asked for: only catalogue actions are keys. */
  const rows = new Map<string, ActionRow>();
  const unknownRow = newRow(UNKNOWN_LABEL);
  const routes = new Set<string>();

  /** The reason table of a route label, created on its first denial. */
  function routeSeries(row: ActionRow, label: string): ByReason {
    let table = row.byRoute.get(label);
    if (!table) row.byRoute.set(label, (table = new Map<string, CountSeries>()));
    return table;
  }

  function reasonSeries(row: ActionRow, table: ByReason, route: string, reason: string) {
    const known = table.get(reason);
    if (known) return known;
    const label = isReason(reason) ? reason : OTHER_REASON;
    let series = table.get(label);
    if (!series) {
      series = denials.series({ action: row.action, route, reason: label });
      table.set(label, series);
    }
    return series;
  }

  return {
    count(action, route, reason) {
      const row = rows.get(action) ?? unknownRow;
      if (route === undefined) {
        reasonSeries(row, row.none, NO_ROUTE_LABEL, reason).inc();
        return;
      }
      // Only manifest names are route labels: any other string shares `unknown`.
      const label = routes.has(route) ? route : UNKNOWN_LABEL;
      reasonSeries(row, routeSeries(row, label), label, reason).inc();
    },
    setActions(actions) {
      const active = new Set(actions);
      for (const action of rows.keys()) if (!active.has(action)) rows.delete(action);
      // A returning action gets a fresh row; its series are found again by their labels.
      for (const action of active) if (!rows.has(action)) rows.set(action, newRow(action));
    },
    addRoutes(names) {
      for (const name of names) routes.add(name);
    },
  };
}
