/**
 * The generated org-boundary suite: every `action × principal shape × boundary case` with the
 * outcome the contract requires, computed by an oracle written from the contract (never from the
 * policy), and the runs of that suite against the compiled policy and a running instance.
 */

/** What the contract requires of one decision. Fields left out are not asserted. */
export interface Expected {
  readonly allow: boolean;
  /** The decision's reason; forward-auth: the answer's `error` (`not_found`, a reason, a refusal code). */
  readonly reason: string;
  /** The HTTP status of the reason (contract, section 4). */
  readonly status: number;
  readonly detail?: string | null;
  readonly spoof?: boolean;
  readonly effective_org?: string | null;
}

/** Where a case is run: the decision core (`decide`), `POST /v1/authorize`, or forward-auth. */
type CaseSurface = 'decide' | 'forward_auth';

export interface BoundaryCase {
  /** Unique and stable across runs: `<action> × <boundary> × <principal>[ × <variant>]`. */
  readonly name: string;
  readonly action: string;
  /** The boundary case id (see `BOUNDARY_CASES` in generate.ts), one column of the coverage grid. */
  readonly boundary: string;
  /** The principal shape id, e.g. `session:admin`, `token:one:scoped`, `unauthenticated`. */
  readonly principal: string;
  readonly surface: CaseSurface;
  /** Forward-auth cases: the manifest route they go through (method and path pattern). */
  readonly route?: {
    readonly method: string;
    readonly path: string;
    /** The request target the gateway forwards (the pattern filled in). */
    readonly uri: string;
  };
  /** The decision asked for; forward-auth cases name the org by `path`, header or cookie only. */
  readonly scenario: Scenario;
  /** Kill-switch sequences: cases with one sequence id run in `step` order, flipping the mode. */
  readonly sequence?: { readonly id: string; readonly step: number };
  readonly expected: Expected;
}

/** One (action × boundary case) cell of the coverage grid. */
export interface BoundaryCell {
  readonly action: string;
  readonly boundary: string;
  /** False when the boundary case cannot apply to the action; `why` says why. */
  readonly applicable: boolean;
  readonly why?: string;
}

export interface CaseResult {
  readonly name: string;
  readonly action: string;
  readonly boundary: string;
  readonly passed: boolean;
  readonly expected: Expected;
  /** What came back (the decision's fields, or the forward-auth status), null when nothing did. */
  readonly actual: Readonly<Record<string, unknown>> | null;
  /** Why it failed, one line, naming the first field that disagreed. */
  readonly message?: string;
}

/** Where a run went: the compiled policy in process, or a running instance over HTTP. */
type RunTarget = 'wasm' | 'http' | 'forward_auth';

export interface BoundaryRun {
  readonly target: RunTarget;
  readonly results: readonly CaseResult[];
}

export interface BoundaryCoverage {
  readonly cells: number;
  readonly applicable: number;
  /** Applicable cells with at least one case run. */
  readonly exercised: number;
  /** Exercised cells whose every case passed on every run. */
  readonly passing: number;
  /** passing / applicable, in percent, one decimal. */
  readonly percent: number;
  readonly notApplicable: readonly BoundaryCell[];
  /** Cells with a failing case, each with the failing case names. */
  readonly failing: readonly { action: string; boundary: string; cases: readonly string[] }[];
  /** Applicable cells no case exercised. */
  readonly unexercised: readonly { action: string; boundary: string }[];
}

/** Who asks: a session user, an API token, or nobody (`null` in `Scenario.principal`). */
export interface PrincipalSpec {
  readonly kind: 'session' | 'api_token';
  /** The user id (sessions) or token id (API tokens). */
  readonly id: string;
  /** API tokens: the scopes granted. */
  readonly scopes?: readonly string[];
  /** API tokens: the orgs bound (`org_id`/`org_ids`); none = bound to the default org. */
  readonly orgIds?: readonly string[];
  /** Sessions: seconds since sign-in (`auth_time`). */
  readonly authAgeS?: number;
}

/** One decision to make, described as the client sees it. */
export interface Scenario {
  readonly mode: 'multi' | 'single';
  readonly principal: PrincipalSpec | null;
  readonly action: string;
  /** Where the client names the org (each present source with its value). */
  readonly named: {
    readonly field?: string;
    readonly header?: string;
    readonly cookie?: string;
    readonly path?: string;
  };
  readonly resource?: { readonly type: string; readonly id: string; readonly org?: string };
  readonly context?: Readonly<Record<string, string>>;
}
