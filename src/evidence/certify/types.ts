/**
 * What one certification run is made of: seven steps, each reported as the commands a person can
 * re-run (with their exit codes) and, for the checklists, one line per item. The gates, the
 * verdict and the report are computed from these values only (gates.ts, report.ts).
 */
import type { RiskEntry } from '../risk-register.js';

/** pass/fail: the step ran; na: it cannot apply here (the reason says why); blocked: it could not run. */
export type StepStatus = 'pass' | 'fail' | 'na' | 'blocked';

export const STEP_IDS = [
  'policy',
  'smoke',
  'boundary',
  'single-tenant',
  'multi-tenant',
  'kill-switch',
  'alerts',
] as const;
export type StepId = (typeof STEP_IDS)[number];

export const STEP_TITLES: Readonly<Record<StepId, string>> = {
  policy: 'policy checks',
  smoke: 'smoke cases',
  boundary: 'org-boundary suite',
  'single-tenant': 'single-tenant invisibility checklist',
  'multi-tenant': 'multi-tenant happy-path and negative-path checklists',
  'kill-switch': 'kill-switch drill',
  alerts: 'metric and alert inventory',
};

/** One command of a step, as a person re-runs it. `exit` is null when it was not run (N/A). */
export interface CommandRun {
  readonly command: string;
  readonly exit: number | null;
  readonly status: StepStatus;
  /** Why it failed, could not run or does not apply; one line. */
  readonly reason?: string;
}

/** One checklist item. */
export interface CheckLine {
  readonly name: string;
  readonly passed: boolean;
  /** What was observed when it failed. */
  readonly detail?: string;
}

export interface StepResult {
  readonly id: StepId;
  readonly status: StepStatus;
  /** Why it failed, could not run or does not apply; one line. */
  readonly reason?: string;
  readonly timedOut?: boolean;
  /**
   * Blocked only because an earlier step failed on the policy (a policy that fails its smoke cases
   * cannot serve an instance): the verdict is then CHANGES_REQUESTED, not BLOCKED.
   */
  readonly afterFailure?: boolean;
  /** An output the step depends on came back empty or cut short (gate P0). */
  readonly emptyOutput?: string;
  readonly commands: readonly CommandRun[];
  readonly checks: readonly CheckLine[];
  /** Figures for the report, by name (`rego_coverage_percent`, `cases_run`, …). */
  readonly figures: Readonly<Record<string, string | number>>;
  /** Failing cells and checks by name. */
  readonly failures: readonly string[];
}

/**
 * The throw-away local instance certification runs against: started by the command (the only
 * layer that may build an app) and handed to the steps as a value.
 */
export interface CertifyInstance {
  readonly baseUrl: string;
  readonly adminToken: string;
  readonly callerToken?: string;
  /** The HS256 secret of the fixture issuer the instance trusts. */
  readonly secret: string;
  stop(): Promise<void>;
}

/** The risk register as read: its entries, or why it could not be read. */
export type RiskRegister =
  | { readonly ok: true; readonly file: string; readonly entries: readonly RiskEntry[] }
  | { readonly ok: false; readonly reason: string };

/** Builds a step result with the parts a step did not fill left empty. */
export function stepResult(
  id: StepId,
  status: StepStatus,
  parts: Partial<Omit<StepResult, 'id' | 'status'>> = {},
): StepResult {
  return { id, status, commands: [], checks: [], figures: {}, failures: [], ...parts };
}

/** The status of a step made of checklist lines: fail when any line failed. */
export function checklistStatus(checks: readonly CheckLine[]): StepStatus {
  return checks.every((c) => c.passed) ? 'pass' : 'fail';
}
