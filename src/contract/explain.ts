/**
 * The explanation of a decision (policies/orgwarden/authz/explain.rego): the contract's twelve
 * checks in order, each with whether it passed and the facts it read. Produced by the policy, never
 * reconstructed here; the engine checks its shape (engine/explain-schema.ts) and drops a malformed
 * one without touching the decision.
 */
export const EXPLAIN_CHECKS = [
  'authenticate',
  'action_known',
  'tenancy_gate',
  'org_valid',
  'directory',
  'org_exists',
  'org_status',
  'binding_membership',
  'scope',
  'role',
  'resource_shares',
  'action_specifics',
] as const;

export type ExplainCheck = (typeof EXPLAIN_CHECKS)[number];

export type ExplainFact = string | number | boolean | null | string[];

export interface ExplainStep {
  check: ExplainCheck;
  /**
   * Exactly one false on a deny (the deciding check), none on an allow. 'skipped': not reached
   * (after the deciding check) or not applicable (scope for a session, role for a token).
   */
  passed: true | false | 'skipped';
  /** On the false step: the decision's reason. */
  reason?: string;
  detail?: string | null;
  facts: Record<string, ExplainFact>;
}

export type Explanation = ExplainStep[];
