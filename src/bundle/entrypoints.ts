/** The policy entrypoints orgwarden evaluates; `opa build -t wasm` is given exactly these. */
export const DECISION_ENTRYPOINT = 'orgwarden/authz/decision';
export const POLICY_ENTRYPOINTS: readonly string[] = [DECISION_ENTRYPOINT];
