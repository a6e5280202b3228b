/**
 * Admin authentication and authorisation for the routes the table declares `admin`:
 * `Authorization: Bearer <token>` is compared with every configured credential's token, then the
 * matching credential's role must cover the role the route declares. Missing token → 401; a token
 * that matches no credential → 403; a credential whose role does not cover the route → 403 naming
 * the role needed; no credential configured → 403 for everyone (the endpoints are off).
 * A route a browser opens (`basic`, the explorer page) also takes the token as the password of
 * `Authorization: Basic` (basic-credentials.ts), and its 401 challenges with `Basic` so the
 * browser asks for it; the token is compared the same way, whichever scheme carried it.
 *
 * Invariants:
 * - The comparison is constant-time per token and runs over every credential, whichever matches
 *   (no early exit): the time taken does not tell which credential, or whether any, matched.
 * - The guard runs before any body is read, so a refused request changes nothing.
 * - The acting credential reaches the handler through `adminActor(req)`, set by the guard only;
 *   a handler that asks for it on a request the guard did not admit gets a TypeError (a bug), never
 *   an anonymous actor.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../authz/http-credentials.js';
import type { AdminCredential } from './admin-credentials.js';
import { basicPassword } from './basic-credentials.js';
import { roleCovers, type AdminRole } from './admin-roles.js';
import { ApiError, sendError } from './errors.js';
import type { RequestGuard } from './server.js';

/** Who is acting on an admin request: the credential's name (the audit log's actor) and role. */
export interface AdminActor {
  readonly name: string;
  readonly role: AdminRole;
}

interface AdminGuardOptions {
  /** Also accept the token as an HTTP Basic password, and challenge with Basic (browser routes). */
  basic?: boolean;
}

/** Builds the guard of one route from the role it declares. */
export type AdminGuardFactory = (role: AdminRole, options?: AdminGuardOptions) => RequestGuard;

/** The challenge of a browser route: the realm names the sidecar; the password is UTF-8. */
const BASIC_CHALLENGE = 'Basic realm="orgwarden", charset="UTF-8"';

const ACTOR = Symbol('orgwarden.adminActor');
type WithActor = IncomingMessage & { [ACTOR]?: AdminActor };

/** The credential the admin guard admitted this request with. */
export function adminActor(req: IncomingMessage): AdminActor {
  const actor = (req as WithActor)[ACTOR];
  if (actor === undefined)
    throw new TypeError('adminActor: the request was not admitted by the admin guard');
  return actor;
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/** The credential whose token is `given`, comparing against every one of them. */
function matchCredential(
  credentials: readonly { digest: Buffer; credential: AdminCredential }[],
  given: string,
): AdminCredential | undefined {
  const mine = digest(given);
  let matched: AdminCredential | undefined;
  for (const entry of credentials) {
    // timingSafeEqual on fixed-length digests; the loop never stops early.
    const equal = timingSafeEqual(mine, entry.digest);
    matched = equal ? entry.credential : matched;
  }
  return matched;
}

export function createAdminGuard(credentials: readonly AdminCredential[]): AdminGuardFactory {
  const hashed = credentials.map((credential) => ({
    digest: digest(credential.token),
    credential,
  }));
  return (role, options = {}) =>
    (req, res) => {
      if (hashed.length === 0)
        return refuse(
          req,
          res,
          new ApiError(
            'forbidden',
            'admin endpoints are disabled (neither admin.token_env nor admin.credentials is set)',
          ),
        );
      const authorization = req.headers.authorization;
      const given =
        bearerToken(authorization) ?? (options.basic ? basicPassword(authorization) : undefined);
      if (given === undefined)
        return refuse(
          req,
          res,
          new ApiError(
            'unauthorized',
            options.basic
              ? 'admin token required (Authorization: Basic with the token as password, or Bearer)'
              : 'admin token required (Authorization: Bearer …)',
          ),
          { 'www-authenticate': options.basic ? BASIC_CHALLENGE : 'Bearer' },
        );
      const credential = matchCredential(hashed, given);
      if (credential === undefined)
        return refuse(req, res, new ApiError('forbidden', 'admin token is not valid'));
      if (!roleCovers(credential.role, role))
        return refuse(
          req,
          res,
          new ApiError(
            'forbidden',
            `this route needs the role ${role}; credential ${credential.name} has the role ${credential.role}`,
          ),
        );
      (req as WithActor)[ACTOR] = { name: credential.name, role: credential.role };
      return false;
    };
}

function refuse(
  req: Parameters<RequestGuard>[0],
  res: Parameters<RequestGuard>[1],
  err: ApiError,
  headers: Record<string, string> = {},
): true {
  req.resume();
  sendError(res, err, headers);
  return true;
}
