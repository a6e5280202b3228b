/** authn: bearer token → Principal. See authenticator.ts for the verification order. */
export { createAuthenticator, type AuthenticatorDeps } from './authenticator.js';
