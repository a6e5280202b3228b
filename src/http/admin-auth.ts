/**
 * Admin authentication for the routes the table declares `admin` (directory writes, kill switch,
 * policy reload): `Authorization: Bearer <admin token>`, compared in constant time. Missing → 401,
 * wrong → 403, and no admin token configured → 403 for everyone (the endpoints are off). A refused
 * request changes nothing: the guard runs before any body is read.
 */
import { bearerToken } from '../authz/http-credentials.js';
import { secretsEqual } from './caller-guard.js';
import { ApiError, sendError } from './errors.js';
import type { RequestGuard } from './server.js';

export function requireAdmin(adminToken: string | undefined): RequestGuard {
  return (req, res) => {
    if (adminToken === undefined)
      return refuse(
        req,
        res,
        new ApiError('forbidden', 'admin endpoints are disabled (admin.token_env is not set)'),
      );
    const given = bearerToken(req.headers.authorization);
    if (given === undefined)
      return refuse(
        req,
        res,
        new ApiError('unauthorized', 'admin token required (Authorization: Bearer …)'),
        { 'www-authenticate': 'Bearer' },
      );
    if (!secretsEqual(given, adminToken))
      return refuse(req, res, new ApiError('forbidden', 'admin token is not valid'));
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
