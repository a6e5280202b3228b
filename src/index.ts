/** The orgwarden library: the decision core and the composition root. */
export { createApp, type App, type AppDeps } from './app.js';
export { createAuthorizer, type Authorizer, type AuthorizerDeps } from './authz/authorizer.js';
export type { Decision, DecisionObserver, DecisionRecord } from './authz/decision.js';
export type { DecisionRequest } from './authz/decision-request.js';
export type { PolicyInput, PolicyDecision } from './authz/policy-input.js';
export { REASON_STATUS, type Reason } from './authz/reasons.js';
export { ERROR_CATALOGUE, OrgwardenError, type ErrorCode } from './contract/errors.js';
export { loadConfigFile, parseConfig, ConfigError } from './config/load.js';
export type { Config } from './config/schema.js';
