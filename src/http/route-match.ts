/**
 * Matching a canonical request path (`request-target.ts`) against a declared path, the same way
 * for the decision dispatcher and the request metric: case-sensitive, exact segments; `:name` is
 * one non-empty segment; a trailing `/*` matches the prefix itself and anything below it.
 */
export type PathMatcher = (path: string) => boolean;

export function compilePath(declared: string): PathMatcher {
  if (declared.endsWith('/*')) {
    const prefix = declared.slice(0, -2);
    return (path) => path === prefix || path.startsWith(`${prefix}/`);
  }
  if (!declared.includes('/:')) return (path) => path === declared;
  const segments = declared.split('/');
  return (path) => {
    const given = path.split('/');
    return (
      given.length === segments.length &&
      segments.every((s, i) => (s.startsWith(':') ? given[i] !== '' : s === given[i]))
    );
  };
}

/** The path of a request target, without its query. */
export function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}
