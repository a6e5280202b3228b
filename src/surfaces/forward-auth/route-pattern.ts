/**
 * Route patterns of the forward-auth manifest: `/api/orgs/{org}/members`. A segment is either a
 * literal (unreserved characters only, matched case-sensitively) or a whole-segment parameter.
 * Patterns are as strict as the paths they match (see `normalise-path.ts`): no empty, `.` or `..`
 * segments, so every pattern can actually be reached by a normalised path.
 */
export type PatternSegment = { kind: 'literal'; value: string } | { kind: 'param'; name: string };

const MAX_PATTERN_SEGMENTS = 32;
const LITERAL = /^[A-Za-z0-9._~-]+$/;
const PARAM = /^\{([a-z][a-z0-9_]{0,31})\}$/;

export type ParsedPattern =
  { ok: true; segments: PatternSegment[] } | { ok: false; message: string };

export function parsePattern(pattern: string): ParsedPattern {
  if (!pattern.startsWith('/')) return { ok: false, message: `"${pattern}" must start with /` };
  if (pattern === '/') return { ok: true, segments: [] };
  const raw = pattern.slice(1).split('/');
  if (raw.length > MAX_PATTERN_SEGMENTS)
    return { ok: false, message: `"${pattern}" has more than ${MAX_PATTERN_SEGMENTS} segments` };
  const segments: PatternSegment[] = [];
  const names = new Set<string>();
  for (const part of raw) {
    if (part === '')
      return { ok: false, message: `"${pattern}" has an empty segment (double or trailing slash)` };
    if (part === '.' || part === '..')
      return { ok: false, message: `"${pattern}" has a dot segment` };
    const param = PARAM.exec(part);
    if (param) {
      const name = param[1] as string;
      if (names.has(name))
        return { ok: false, message: `"${pattern}" names the parameter {${name}} twice` };
      names.add(name);
      segments.push({ kind: 'param', name });
    } else if (LITERAL.test(part)) {
      segments.push({ kind: 'literal', value: part });
    } else {
      return {
        ok: false,
        message: `"${pattern}": segment "${part}" is neither a literal (A-Z a-z 0-9 . _ ~ -) nor a whole-segment parameter ({name})`,
      };
    }
  }
  return { ok: true, segments };
}
