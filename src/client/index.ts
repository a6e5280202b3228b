/** `orgwarden/client`: the typed HTTP client (docs/clients.md). */
export {
  createOrgwardenClient,
  type OrgwardenClient,
  type OrgwardenClientOptions,
} from './client.js';
export { OrgwardenApiError, type ClientErrorCode } from './errors.js';
export type * from './types.js';
