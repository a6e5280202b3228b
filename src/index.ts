/** The orgwarden library: the decision core and the composition root. */
export { createApp, type App, type AppDeps, type StopOptions, type StopResult } from './app.js';
// The library's authorizer is the core with its document entry (`authorize(body)`), as before.
export {
  createDocumentAuthorizer as createAuthorizer,
  type DocumentAuthorizer as Authorizer,
  type DocumentAuthorizerDeps as AuthorizerDeps,
} from './http/inbound/document-authorizer.js';
export type { Decision, DecisionObserver, DecisionRecord } from './contract/decision.js';
export type { DecisionRequest } from './contract/decision-request.js';
export type { PolicyInput, PolicyDecision } from './contract/policy-io.js';
export { REASON_STATUS, type Reason } from './contract/reasons.js';
export { ERROR_CATALOGUE, OrgwardenError, type ErrorCode } from './contract/errors.js';
export { loadConfigFile, parseConfig, ConfigError } from './config/load.js';
export type { Config } from './config/schema.js';
