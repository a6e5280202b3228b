/** The orgwarden library: the decision core and the composition root. */
export { createApp, type App, type AppDeps } from './app.js';
export { createAuthorizer, type Authorizer, type AuthorizerDeps } from './authz/authorizer.js';
export type { Decision, DecisionObserver, DecisionRecord } from './contract/decision.js';
export type { DecisionRequest } from './contract/decision-request.js';
export type { PolicyInput, PolicyDecision } from './contract/policy-io.js';
export { REASON_STATUS, type Reason } from './contract/reasons.js';
export { loadConfigFile, parseConfig, ConfigError } from './config/load.js';
export type { Config } from './config/types.js';
