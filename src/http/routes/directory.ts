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
 * - Every route is declared `admin` (writes: role `directory-writer`; the read: `auditor`): the
 *   admin guard runs before anything else, so a refused caller never has its body read.
 * - Every write goes through the audit log: a `directory.write` record with the actor and the
 *   state before and after (for a member, the org, the user and the role) is kept before the write
 *   is made; a record the log cannot keep answers 503 and nothing is written. `before` is read
 *   from the store just before the write.
 * - Every rule about what may be written (ids, roles, one owner, the default org) lives in the
 *   store's mutations; a refused write (400, 404) has changed nothing, in any store.
 * - A refused write is answered from the error catalogue: the public code and, as `reason`, the
 *   refinement the main API can switch on (`invalid_record`, `default_org_immutable`,
 *   `org_not_found`).
 * - A store that cannot answer is 503 `unavailable`; the detail goes to the log, not the client.
 */
import type { Request } from 'express';
import type { AuditLog } from '../../audit/index.js';
import { OrgwardenError } from '../../contract/errors.js';
import { directoryValidation } from '../../directory/validate.js';
import type { DirectoryStore, OrgRecord } from '../../directory/types.js';
import type { StoredRole } from '../../contract/roles.js';
import { auditedRequest } from '../audited-request.js';
import { ApiError, sendJson } from '../errors.js';
import { parseMemberBody, parseRecordBody } from '../inbound/directory-bodies.js';
import { readJsonBody } from '../json-body.js';
import type { ManagementRoute } from '../route-table.js';

export interface DirectoryRoutesDeps {
  directory: DirectoryStore;
  /** Body cap for writes (contract: 64 KiB). */
  maxBodyBytes: number;
  /** Where the detail of a store failure goes (clients get a generic message). */
  warn: (message: string, fields: Record<string, unknown>) => void;
  /** The tenancy's default org: its case variants are not org ids (`tenancy.default_org`). */
  defaultOrg: string;
  audit: AuditLog;
}

const ORG_PATH = '/v1/directory/orgs/:org';
const MEMBER_PATH = '/v1/directory/orgs/:org/members/:user';

export function directoryRoutes(deps: DirectoryRoutesDeps): ManagementRoute[] {
  const { directory, maxBodyBytes, audit } = deps;
  const validation = directoryValidation(deps.defaultOrg);

  /** Runs one store call; a store that cannot answer is 503 `unavailable`, its detail logged. */
  async function store<T>(req: Request, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof OrgwardenError) || err.code !== 'directory_unavailable') throw err;
      deps.warn('directory request failed: store unavailable', {
        method: req.method,
        path: req.path,
        error: err.message,
      });
      const written =
        req.method === 'GET'
          ? ''
          : '; the write may or may not have been applied (writes are idempotent: retry)';
      throw new ApiError('unavailable', `the directory store is unavailable${written}`, {
        cause: err,
      });
    }
  }
  const revision = (result: { revision: number }) => ({ revision: result.revision });
  const route = (
    method: ManagementRoute['method'],
    path: string,
    operation: string,
    handle: ManagementRoute['handle'],
  ): ManagementRoute => ({
    surface: 'management',
    method,
    path,
    operation,
    auth: 'admin',
    role: method === 'GET' ? 'auditor' : 'directory-writer',
    handle,
  });
  /**
   * The org's record before a write (null: none, or an id the store refuses — the write is then
   * refused the same way, and recorded as failed). A store that cannot answer is 503 here already.
   */
  const recordBefore = (req: Request, org: string) =>
    store(req, () =>
      directory.getOrg(org).catch((err: unknown) => {
        if (err instanceof OrgwardenError && err.code === 'directory_unavailable') throw err;
        return null;
      }),
    );
  const roleBefore = async (req: Request, org: string, user: string) =>
    (await recordBefore(req, org))?.members.find((m) => m.user === user)?.role ?? null;
  /** Makes the write through the audit log; the closing record carries the new revision. */
  const write = (
    req: Request,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
    call: () => Promise<{ revision: number }>,
  ) =>
    auditedRequest(
      audit,
      req,
      { action: 'directory.write', before, after },
      () => store(req, call),
      (r) => ({ ok: true, after: { ...after, revision: r.revision } }),
    );

  return [
    route('GET', ORG_PATH, 'directory_org_get', async (req, res) => {
      const org = validation.parseOrgId(param(req, 'org')); // a malformed id is a 400 here too, not a 404
      const record = await store(req, () => directory.getOrg(org));
      if (record === null)
        throw new ApiError('not_found', `org ${JSON.stringify(org)} does not exist`);
      sendJson(res, 200, record);
    }),
    route('PUT', ORG_PATH, 'directory_org_put', async (req, res) => {
      const org = param(req, 'org');
      const body = await readJsonBody(req, maxBodyBytes);
      // The store validates the record field by field (and refuses the default org) before writing.
      const record = parseRecordBody(org, body) as OrgRecord;
      const before = { org, record: await recordBefore(req, org) };
      const after = { org, record };
      sendJson(res, 200, revision(await write(req, before, after, () => directory.putOrg(record))));
    }),
    route('DELETE', ORG_PATH, 'directory_org_delete', async (req, res) => {
      const org = param(req, 'org');
      const before = { org, record: await recordBefore(req, org) };
      const after = { org, record: null };
      sendJson(res, 200, revision(await write(req, before, after, () => directory.deleteOrg(org))));
    }),
    route('PUT', MEMBER_PATH, 'directory_member_put', async (req, res) => {
      const body = await readJsonBody(req, maxBodyBytes);
      const [org, user] = [param(req, 'org'), param(req, 'user')];
      // The store validates org, user and role before writing.
      const role = parseMemberBody(body) as StoredRole;
      const before = { org, user, role: await roleBefore(req, org, user) };
      const after = { org, user, role };
      sendJson(
        res,
        200,
        revision(await write(req, before, after, () => directory.putMember(org, user, role))),
      );
    }),
    route('DELETE', MEMBER_PATH, 'directory_member_delete', async (req, res) => {
      const [org, user] = [param(req, 'org'), param(req, 'user')];
      const before = { org, user, role: await roleBefore(req, org, user) };
      const after = { org, user, role: null };
      sendJson(
        res,
        200,
        revision(await write(req, before, after, () => directory.removeMember(org, user))),
      );
    }),
  ];
}

/** A path parameter as express decoded it (a string for the routes above). */
function param(req: Request, name: string): string {
  return String(req.params[name]);
}
