/**
 * The one reading of a request's target that every guard and router uses. It is computed once,
 * where a request enters (`server.ts`), and written back to `req.url`, so the caller-token guard,
 * the decision dispatcher and express all see the same string.
 *
 * Invariants:
 * - Only origin-form targets are served (`/path?query`). Absolute-form (`http://host/v1/policy`,
 *   which express would route by its path while a guard reading the raw target saw no `/v1/`),
 *   authority-form (`host:443`) and asterisk-form (`*`) are refused before any guard or handler.
 * - The path is normalised by the same rules as a forward-auth original path
 *   (`surfaces/forward-auth/normalise-path.ts`): encoded unreserved characters are decoded once (`%76` is
 *   `v`), and what could change the path's shape — dot segments (also encoded), empty segments
 *   (`//`, a trailing slash), raw backslashes and control characters, `;`, malformed escapes — is
 *   refused, never resolved. Other escapes (`%40`, `%2F`, `%25`) are kept: express matches the
 *   encoded path, where they sit inside one segment, and decodes a parameter once (a user id
 *   `a/b` is `a%2Fb`); a route that is not there is a 404 behind the guard. Matching stays
 *   case-sensitive: `/V1/policy` is a different path, not a spelling of `/v1/policy`.
 * - A route that reads the rest of its path itself (a decision route registered as `prefix/*`:
 *   forward-auth, Envoy style) gets the part after its prefix exactly as sent; it applies its own,
 *   stricter reading and answers in its own format.
 */
import { normalisePath } from '../surfaces/forward-auth/normalise-path.js';
import type { DecisionRoute } from './route-table.js';

export type RequestTarget = { ok: true; url: string } | { ok: false; message: string };

const SCHEME_OR_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** The canonical origin-form target (`path` or `path?query`), or why the target is refused. */
export function readRequestTarget(
  url: string | undefined,
  opaquePrefixes: readonly string[],
  canonical: ReadonlySet<string> = NONE,
): RequestTarget {
  const raw = url ?? '';
  // A target already known to read as itself (a declared path, no query) needs no second reading.
  if (canonical.has(raw)) return { ok: true, url: raw };
  if (raw === '*') return fail('asterisk-form (*) is not served; send a path');
  if (!raw.startsWith('/')) {
    return fail(
      SCHEME_OR_AUTHORITY.test(raw)
        ? 'absolute-form and authority-form targets are not served; send the path only'
        : 'must be a path starting with /',
    );
  }
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  if (opaquePrefixes.some((prefix) => path.startsWith(`${prefix}/`))) return { ok: true, url: raw };
  const normalised = normalisePath(raw, { keepEncodedReserved: true });
  if (!normalised.ok) return fail(normalised.message);
  return { ok: true, url: q === -1 ? normalised.path : normalised.path + raw.slice(q) };
}

/** The prefixes of decision routes registered as `prefix/*`, which read the rest of the path themselves. */
export function opaquePrefixesOf(routes: readonly DecisionRoute[]): string[] {
  return routes.filter((r) => r.path.endsWith('/*')).map((r) => r.path.slice(0, -2));
}

/**
 * The exact paths of decision routes whose reading is the path itself (every declared path should
 * be): `readRequestTarget` answers them without normalising again. A path that would read
 * otherwise is left out, so the set can never let a spelling through.
 */
export function canonicalTargetsOf(routes: readonly DecisionRoute[]): ReadonlySet<string> {
  const exact = routes.map((r) => r.path).filter((p) => !p.endsWith('/*') && !p.includes('/:'));
  return new Set(
    exact.filter((p) => {
      const read = readRequestTarget(p, []);
      return read.ok && read.url === p;
    }),
  );
}

const NONE: ReadonlySet<string> = new Set();

const fail = (message: string): RequestTarget => ({ ok: false, message });
