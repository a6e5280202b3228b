/** authn: bearer token → Principal. See authenticator.ts for the verification order. */
export { createAuthenticator, type AuthenticatorDeps } from './authenticator.js';
export { AUTH_ERROR_CODES } from './types.js';
export type { AuthErrorCode, AuthResult, Authenticator, Principal, PrincipalKind } from './types.js';
