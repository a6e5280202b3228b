/**
 * The generated org-boundary suite: every `action × principal shape × boundary case` with the
 * outcome the contract requires, computed by an oracle written from the contract (never from the
 * policy), and the runs of that suite against the compiled policy and a running instance.
 */
import type { Reason } from '../../contract/reasons.js';

/** What the contract requires of one decision. Fields left out are not asserted. */
export interface Expected {
  readonly allow: boolean;
  readonly reason: Reason;
  /** The HTTP status of the reason (contract, section 4). */
  readonly status: number;
  readonly detail?: string | null;
  readonly spoof?: boolean;
  readonly effective_org?: string | null;
}

/** Where a case is run: the decision core (`decide`), `POST /v1/authorize`, or forward-auth. */
export type CaseSurface = 'decide' | 'forward_auth';

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
  readonly route?: { readonly method: string; readonly path: string };
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
export type RunTarget = 'wasm' | 'http' | 'forward_auth';

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
