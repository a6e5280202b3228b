/**
 * Optional caller authentication for a sidecar that listens beyond loopback: every `/v1/` request
 * must carry the shared caller token in its own header, so it never collides with the end user's
 * `Authorization`. Health and readiness stay open for probes. Comparison is constant-time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf } from './decision-routes.js';
import { ApiError, sendError } from './errors.js';
import type { RequestGuard } from './server.js';

export const CALLER_TOKEN_HEADER = 'x-orgwarden-caller-token';

/** Constant-time comparison of two secrets of any length (hash first, then compare digests). */
export function secretsEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

export function callerTokenGuard(expected: string): RequestGuard {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (!pathOf(req.url).startsWith('/v1/')) return false;
    const given = req.headers[CALLER_TOKEN_HEADER];
    if (secretsEqual(typeof given === 'string' ? given : undefined, expected)) return false;
    req.resume();
    sendError(res, new ApiError('unauthorized', `missing or wrong ${CALLER_TOKEN_HEADER}`));
    return true;
  };
}
