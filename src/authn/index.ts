/** authn: bearer token → Principal. See authenticator.ts for the verification order. */
export { createAuthenticator, type AuthenticatorDeps } from './authenticator.js';
export { AUTH_ERROR_CODES } from '../contract/principal.js';
export type { AuthResult, Authenticator } from './types.js';
export type { AuthErrorCode, Principal, PrincipalKind } from '../contract/principal.js';
