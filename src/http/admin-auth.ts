/**
 * Admin authentication for the write and admin endpoints (directory writes, kill switch, policy
 * reload): `Authorization: Bearer <admin token>`, compared in constant time. Missing → 401, wrong
 * → 403, and no admin token configured → 403 for everyone (the endpoints are off). A refused
 * request changes nothing: the guard runs before any body is read.
 */
import type { NextFunction, Request, Response } from 'express';
import { bearerToken } from '../authz/http-credentials.js';
import { secretsEqual } from './caller-guard.js';
import { ApiError, sendError } from './errors.js';

export type AdminGuard = (req: Request, res: Response, next: NextFunction) => void;

export function requireAdmin(adminToken: string | undefined): AdminGuard {
  return (req, res, next) => {
    if (adminToken === undefined) return sendError(res, new ApiError('forbidden', 'admin endpoints are disabled (admin.token_env is not set)'));
    const given = bearerToken(req.headers.authorization);
    if (given === undefined) return sendError(res, new ApiError('unauthorized', 'admin token required (Authorization: Bearer …)'), { 'www-authenticate': 'Bearer' });
    if (!secretsEqual(given, adminToken)) return sendError(res, new ApiError('forbidden', 'admin token is not valid'));
    next();
  };
}
