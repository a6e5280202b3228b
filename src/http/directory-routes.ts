/**
 * The directory write API (contract §2), for the main API and operators:
 *
 *   GET    /v1/directory/orgs/{org}                 the record decisions read (404: none)
 *   PUT    /v1/directory/orgs/{org}                 whole record            → {"revision": N}
 *   DELETE /v1/directory/orgs/{org}                                         → {"revision": N}
 *   PUT    /v1/directory/orgs/{org}/members/{user}  {"role": "editor"}      → {"revision": N}
 *   DELETE /v1/directory/orgs/{org}/members/{user}                          → {"revision": N}
 *
 * Invariants:
 * - The admin guard runs before anything else, so a refused caller never has its body read.
 * - Every rule about what may be written (ids, roles, one owner, the default org) lives in the
 *   store's mutations; a refused write (400, 404) has changed nothing, in any store.
 * - Errors carry the catalogue's `code` and, for refused writes, a stable `reason`
 *   (`invalid_record`, `default_org_immutable`, `org_not_found`) the main API can switch on.
 * - A store that cannot answer is 503 `unavailable`; the detail goes to the log, not the client.
 */
import type { NextFunction, Request, Response, Router } from 'express';
import { InvalidDirectoryError } from '../directory/errors.js';
import { parseOrgId } from '../directory/validate.js';
import { DirectoryUnavailableError, DirectoryValidationError, type DirectoryStore, type OrgRecord } from '../directory/types.js';
import { type StoredRole } from '../contract/roles.js';
import type { AdminGuard } from './admin-auth.js';
import { ApiError, sendError, sendJson } from './errors.js';
import { readJsonBody } from './json-body.js';

export interface DirectoryRoutesDeps {
  directory: DirectoryStore;
  adminGuard: AdminGuard;
  /** Body cap for writes (contract: 64 KiB). */
  maxBodyBytes: number;
  /** Where the detail of a store failure goes (clients get a generic message). */
  warn: (message: string, fields: Record<string, unknown>) => void;
  /** The tenancy's default org: its case variants are not org ids (`tenancy.default_org`). */
  defaultOrg: string;
}

const ORG_PATH = '/v1/directory/orgs/:org';
const MEMBER_PATH = '/v1/directory/orgs/:org/members/:user';

export function directoryRoutes(deps: DirectoryRoutesDeps) {
  const { directory, adminGuard, maxBodyBytes } = deps;

  const answer = (res: Response, result: { revision: number }) => sendJson(res, 200, { revision: result.revision });

  return (router: Router) => {
    router.get(ORG_PATH, adminGuard, async (req, res) => {
      const org = parseOrgId(param(req, 'org'), { defaultOrg: deps.defaultOrg }); // a malformed id is a 400 here too, not a 404
      const record = await directory.getOrg(org);
      if (record === null) throw new ApiError('not_found', `org ${JSON.stringify(org)} does not exist`);
      sendJson(res, 200, record);
    });

    router.put(ORG_PATH, adminGuard, async (req, res) => {
      const org = param(req, 'org');
      const body = await readJsonBody(req, maxBodyBytes);
      // The store validates the record field by field (and refuses the default org) before writing.
      answer(res, await directory.putOrg(recordFor(org, body) as OrgRecord));
    });

    router.delete(ORG_PATH, adminGuard, async (req, res) => {
      answer(res, await directory.deleteOrg(param(req, 'org')));
    });

    router.put(MEMBER_PATH, adminGuard, async (req, res) => {
      const body = await readJsonBody(req, maxBodyBytes);
      // The store validates org, user and role before writing.
      answer(res, await directory.putMember(param(req, 'org'), param(req, 'user'), roleOf(body) as StoredRole));
    });

    router.delete(MEMBER_PATH, adminGuard, async (req, res) => {
      answer(res, await directory.removeMember(param(req, 'org'), param(req, 'user')));
    });

    router.all(ORG_PATH, methodNotAllowed('GET, PUT, DELETE'));
    router.all(MEMBER_PATH, methodNotAllowed('PUT, DELETE'));

    // Errors of the routes above (and of decoding their path), answered here so that store errors
    // keep their status and reason; anything else goes on to the app's handler (500).
    router.use('/v1/directory', (err: unknown, req: Request, res: Response, next: NextFunction) => {
      if (err instanceof ApiError) return sendError(res, err);
      if (err instanceof DirectoryValidationError) return sendRefusal(res, err);
      if (err instanceof DirectoryUnavailableError) {
        deps.warn('directory request failed: store unavailable', { method: req.method, path: req.path, error: err.message });
        const written = req.method === 'GET' ? '' : '; the write may or may not have been applied (writes are idempotent: retry)';
        return sendError(res, new ApiError('unavailable', `the directory store is unavailable${written}`));
      }
      if (isBadPathEncoding(err)) return sendError(res, new ApiError('invalid_request', 'path: malformed percent-encoding'));
      next(err);
    });
  };
}

/** A path parameter as express decoded it (a string for the routes above). */
function param(req: Request, name: string): string {
  return String(req.params[name]);
}

/**
 * The body of a whole-record write; its `id` may be left out (the path names the org) but must
 * not disagree with the path. Everything else is checked by the store's validator.
 */
function recordFor(org: string, body: unknown): unknown {
  if (!isPlainObject(body) || body.id === undefined) return isPlainObject(body) ? { ...body, id: org } : body;
  if (body.id !== org) {
    throw new InvalidDirectoryError('org record', [`record.id: ${JSON.stringify(body.id)} does not match the org in the path (${JSON.stringify(org)})`]);
  }
  return body;
}

/** `{"role": "<role>"}`; the role itself (required, known) is checked by the store. */
function roleOf(body: unknown): unknown {
  if (!isPlainObject(body)) throw new InvalidDirectoryError('member write', ['body: must be a JSON object like {"role": "editor"}']);
  const extra = Object.keys(body).filter((key) => key !== 'role');
  if (extra.length > 0) throw new InvalidDirectoryError('member write', extra.map((key) => `body: unknown key ${JSON.stringify(key)} (allowed: role)`));
  return body.role;
}

function sendRefusal(res: Response, err: DirectoryValidationError): void {
  const reason = (err as { reason?: unknown }).reason;
  const status = reason === 'org_not_found' ? 404 : 400;
  const code = status === 404 ? 'not_found' : 'invalid_request';
  sendJson(res, status, { error: { code, message: err.message, ...(typeof reason === 'string' ? { reason } : {}) } });
}

function methodNotAllowed(allow: string) {
  return (req: Request, res: Response) => {
    sendError(res, new ApiError('method_not_allowed', `${req.method} is not allowed here (allowed: ${allow})`), { allow });
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Express rejects a path parameter it cannot percent-decode with a 400 error of its own. */
function isBadPathEncoding(err: unknown): boolean {
  return err instanceof URIError || (typeof err === 'object' && err !== null && (err as { status?: unknown }).status === 400);
}
