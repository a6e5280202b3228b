/**
 * Optional caller authentication for a sidecar that listens beyond loopback: every request must
 * carry the shared caller token in its own header, so it never collides with the end user's
 * `Authorization`. Comparison is constant-time.
 *
 * Invariants:
 * - Protection is the default and opting out is explicit: only the paths of the routes the table
 *   declares `public` (`route-table.ts`) are answered without the token, compared exactly
 *   (case-sensitive). Any other path — a route, a spelling of one, or no route at all — needs the
 *   token before anything else runs.
 * - The guard reads the canonical target the server computed before it (`request-target.ts`),
 *   the same string the routers match, so no spelling reaches a route the guard did not see.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf } from './route-match.js';
import { ApiError, sendError } from './errors.js';
import type { RequestGuard } from './server.js';

const CALLER_TOKEN_HEADER = 'x-orgwarden-caller-token';

/** Constant-time comparison of two secrets of any length (hash first, then compare digests). */
function secretsEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

export function callerTokenGuard(expected: string, publicPaths: ReadonlySet<string>): RequestGuard {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (publicPaths.has(pathOf(req.url))) return false;
    const given = req.headers[CALLER_TOKEN_HEADER];
    if (secretsEqual(typeof given === 'string' ? given : undefined, expected)) return false;
    req.resume();
    sendError(res, new ApiError('unauthorized', `missing or wrong ${CALLER_TOKEN_HEADER}`));
    return true;
  };
}
