/**
 * Path parameters as the upstream reads them. Every router behind a gateway percent-decodes a
 * path parameter once, as UTF-8, before it looks anything up; the policy must decide about that
 * same string, or `DELETE …/members/olivia%40example.com` is authorized for a user named
 * `olivia%40example.com` (not a member, so not the owner) while the upstream removes
 * `olivia@example.com` (the owner).
 *
 * Invariants:
 * - A value is decoded exactly once, after route matching, from the normalised segment (where
 *   only unreserved escapes were decoded already, so no escape is ever decoded twice).
 * - A value that could be read two ways is refused, never repaired: one that decodes to `/` or
 *   `\` (a second path segment to some routers), to `%` (a value some layer would decode again),
 *   to a control character, or to bytes that are not UTF-8 (overlong forms, surrogates, stray
 *   continuation bytes — decoders differ on what they make of them).
 * - A parameter that names an org or a user must then be canonical under `contract/ids.ts`.
 * Nothing here throws; every problem is a message naming the parameter.
 */
import { describeIdProblem, orgIdProblem, userIdProblem } from '../../contract/ids.js';
import type { RouteSpec } from './route-table.js';

export type DecodedValue = { ok: true; value: string } | { ok: false; problem: string };
export type DecodedParams =
  { ok: true; params: ReadonlyMap<string, string> } | { ok: false; message: string };

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const CONTROL = /\p{Cc}/u;

/** Percent-decodes `raw` once as strict UTF-8 and refuses what decodes to a separator, `%` or a control. */
export function decodeParam(raw: string): DecodedValue {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    // A path on the wire is ASCII: anything else must arrive percent-encoded.
    if (code > 0x7e) return { ok: false, problem: 'has a character that must be percent-encoded' };
    if (code !== 0x25) {
      bytes.push(code);
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!HEX_PAIR.test(hex)) return { ok: false, problem: 'has a malformed percent-encoding' };
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  let value: string;
  try {
    // fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a leading BOM stays in the value
    // (and the id grammars refuse it) instead of being silently dropped.
    value = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      Uint8Array.from(bytes),
    );
  } catch {
    return { ok: false, problem: 'is not valid UTF-8 once percent-decoded' };
  }
  if (value.includes('/')) return { ok: false, problem: 'decodes to a slash (/)' };
  if (value.includes('\\')) return { ok: false, problem: 'decodes to a backslash (\\)' };
  if (value.includes('%'))
    return { ok: false, problem: 'decodes to a percent sign (%): double encoding' };
  if (CONTROL.test(value)) return { ok: false, problem: 'decodes to a control character' };
  return { ok: true, value };
}

/**
 * The route's parameters, each decoded once; a parameter the route declares an org or user id
 * (`RouteSpec.idParams`) must also be canonical. The first problem is the answer, naming the
 * parameter as the manifest spells it (`{user}`).
 */
export function decodeRouteParams(
  route: RouteSpec,
  raw: ReadonlyMap<string, string>,
  defaultOrg: string,
): DecodedParams {
  const params = new Map<string, string>();
  for (const [name, segment] of raw) {
    const field = `path parameter {${name}}`;
    const decoded = decodeParam(segment);
    if (!decoded.ok) return { ok: false, message: `${field} ${decoded.problem}` };
    const kind = route.idParams.get(name);
    const problem =
      kind === 'org'
        ? orgIdProblem(decoded.value, defaultOrg)
        : kind === 'user'
          ? userIdProblem(decoded.value)
          : null;
    if (problem !== null) return { ok: false, message: describeIdProblem(field, problem) };
    params.set(name, decoded.value);
  }
  return { ok: true, params };
}
