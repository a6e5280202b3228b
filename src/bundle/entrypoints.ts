/** The policy entrypoints orgwarden evaluates; `opa build -t wasm` is given exactly these. */
export const DECISION_ENTRYPOINT = 'orgwarden/authz/decision';
/**
 * Why the decision came out as it did (policies/orgwarden/authz/explain.rego). Evaluated only for
 * a deny or when a caller asks; a bundle without it still decides, and answers no explanation.
 */
export const EXPLAIN_ENTRYPOINT = 'orgwarden/authz/explain';
export const POLICY_ENTRYPOINTS: readonly string[] = [DECISION_ENTRYPOINT, EXPLAIN_ENTRYPOINT];
/** The entrypoints a bundle must export to be loaded at all. */
export const REQUIRED_ENTRYPOINTS: readonly string[] = [DECISION_ENTRYPOINT];
