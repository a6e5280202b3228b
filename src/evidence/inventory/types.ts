/**
 * The surface inventory: the document `orgwarden inventory --format json` prints (docs/inventory.md
 * documents every field). Its keys are snake_case like every document orgwarden answers, and its
 * shape is versioned: a field is added, never renamed or removed, without a new `version`.
 */
import type { BoundaryCase, BoundaryCell } from '../boundary/types.js';
import type { RiskEntry } from '../risk-register.js';
import type { EventScope, EventChannel } from '../../contract/event-catalogue.js';

export const INVENTORY_VERSION = 1;

/** The generated org-boundary suite, as `generateBoundarySuite` returns it. */
export interface BoundarySuite {
  readonly cases: readonly BoundaryCase[];
  readonly cells: readonly BoundaryCell[];
}

/** How a route answers API tokens: `allowed`, `session_only`, or `unknown` (no catalogue entry). */
export type TokenRule = 'allowed' | 'session_only' | 'unknown';

export interface CoveringTests {
  /** Generated boundary cases; null when no suite was given to the build. */
  readonly generated: {
    readonly forward_auth: readonly string[];
    readonly decide: readonly string[];
  } | null;
  readonly rego: readonly string[];
  readonly decision_tables: readonly string[];
}

export interface RouteRow {
  readonly methods: readonly string[];
  readonly path: string;
  readonly action: string;
  /** Where the requested org comes from, first present wins; empty: none (bound org or default). */
  readonly org_from: readonly string[];
  readonly min_role: string | null;
  readonly scope: string | null;
  readonly tokens: TokenRule;
  /** Org management (invisible, 404, while multi-tenant is off) or an org taken from the path. */
  readonly org_scoped: boolean;
  readonly tests: CoveringTests;
  readonly covered: boolean;
}

interface EventRow {
  readonly type: string;
  readonly scope: EventScope;
  /** Which field of the event decides who may receive it. */
  readonly scope_key: string;
  /** The rule the filter applies for this scope, in words. */
  readonly rule: string;
  readonly channels: readonly EventChannel[];
  readonly description: string;
  readonly tests: Omit<CoveringTests, 'generated'>;
  readonly covered: boolean;
}

export interface EventMatrix {
  /** False when the policy data has no `orgwarden.catalogue.events`. */
  readonly catalogue: boolean;
  readonly filter_point: { readonly endpoint: string; readonly action: string };
  readonly types: readonly EventRow[];
  /** Catalogue entries of the wrong shape, by type. */
  readonly problems: readonly { readonly type: string; readonly message: string }[];
}

export interface OpenApiReport {
  readonly file: string;
  readonly operations: number;
  readonly guarded: number;
  /** guarded / operations in percent, rounded down to one decimal; 100 with no operations. */
  readonly percent: number;
  readonly unguarded: readonly { readonly method: string; readonly path: string }[];
  readonly guards: readonly {
    readonly method: string;
    readonly path: string;
    readonly route: string | null;
    readonly action: string | null;
  }[];
}

type GapKind =
  | 'no_route_manifest'
  | 'uncovered_route'
  | 'event_catalogue_missing'
  | 'event_catalogue_problem'
  | 'uncovered_event'
  | 'unguarded_operation'
  | 'risk_register_missing';

export interface Gap {
  readonly kind: GapKind;
  readonly message: string;
}

export interface Inventory {
  readonly version: typeof INVENTORY_VERSION;
  readonly policy: { readonly source: string; readonly revision: string };
  /** Where the route manifest came from, or why there is none. */
  readonly manifest: string;
  /** Where the hand-written tests came from; null when that kind was not found. */
  readonly test_sources: {
    readonly rego: string | null;
    readonly decision_tables: string | null;
    readonly generated: boolean;
  };
  readonly routes: readonly RouteRow[];
  readonly events: EventMatrix;
  readonly openapi: OpenApiReport | null;
  readonly risk_register: {
    readonly file: string;
    readonly present: boolean;
    readonly risks: readonly Omit<RiskEntry, 'line'>[];
  };
  readonly gaps: readonly Gap[];
}
