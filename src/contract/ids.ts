/**
 * The identifier grammars of the contract, defined once. Every place an id enters (token claims,
 * request bodies, forward-auth path parameters, directory writes, pull-mode lookups) asks these
 * functions, so a value that one layer refuses can never reach another layer by a second spelling.
 *
 * Invariants:
 * - Ids are compared exactly (case-sensitive, code point by code point). A value is accepted only
 *   when it is already in canonical form; nothing here normalises, trims or lower-cases a value,
 *   because a normalised spelling would name a different member than the one the caller sent.
 * - A malformed id is refused, never mapped to a default: the caller gets the problem's name.
 */

/**
 * The contract's org id grammar: `^[A-Za-z0-9._-]{1,64}$`, written once. The policy checks the
 * same grammar with a character list (policies/orgwarden/authz/input.rego); test/contract proves
 * the two agree.
 */
export const ORG_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** The grammar in words, for messages to operators. */
export const ORG_ID_GRAMMAR_TEXT = '1-64 characters from A-Z a-z 0-9 . _ -';
/** The longest user, token or other id accepted anywhere. */
export const MAX_ID_LENGTH = 256;
/** Names that are hazards wherever an id becomes a property name in JavaScript. */
const RESERVED_IDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type IdProblem =
  | 'not_a_string'
  | 'empty'
  | 'too_long'
  | 'not_well_formed_unicode'
  | 'surrounding_whitespace'
  | 'invisible_or_control_character'
  | 'not_nfc'
  | 'dot_only'
  | 'reserved_name'
  | 'outside_org_id_grammar'
  | 'default_org_look_alike';

const PROBLEM_TEXT: Record<IdProblem, string> = {
  not_a_string: 'must be a string',
  empty: 'must not be empty',
  too_long: `must be at most ${MAX_ID_LENGTH} characters`,
  not_well_formed_unicode: 'must be well-formed Unicode (no lone surrogates)',
  surrounding_whitespace: 'must not start or end with whitespace',
  invisible_or_control_character:
    'must not contain control, zero-width or other invisible characters',
  not_nfc: 'must be in Unicode normalisation form NFC',
  dot_only: 'must not consist of dots only',
  reserved_name: 'must not be __proto__, constructor or prototype',
  outside_org_id_grammar: `must match ${ORG_ID_PATTERN.source}`,
  default_org_look_alike: 'must not be a case variant of the default org',
};

// Cc: control; Cf: format (zero-width space/joiners, BOM, bidi controls, soft hyphen); Zl/Zp: line
// and paragraph separators; Co/Cn: private-use and unassigned code points, which render as nothing
// reliable and let two ids look the same.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}]/u;
const SURROUNDING_SPACE = /^\s|\s$/u;
const DOTS_ONLY = /^\.+$/;

/** Why `value` is not a canonical user (or token) id, or null when it is one. */
export function userIdProblem(value: unknown): IdProblem | null {
  if (typeof value !== 'string') return 'not_a_string';
  if (value.length === 0) return 'empty';
  if (value.length > MAX_ID_LENGTH) return 'too_long';
  if (!value.isWellFormed()) return 'not_well_formed_unicode';
  if (SURROUNDING_SPACE.test(value)) return 'surrounding_whitespace';
  if (INVISIBLE.test(value)) return 'invisible_or_control_character';
  if (value.normalize('NFC') !== value) return 'not_nfc';
  if (DOTS_ONLY.test(value)) return 'dot_only';
  if (RESERVED_IDS.has(value)) return 'reserved_name';
  return null;
}

/**
 * Why `value` is not an acceptable org id, or null. Beyond the grammar: dot-only ids, JavaScript
 * prototype names and case variants of the default org (`Default` next to `default`) are refused.
 */
export function orgIdProblem(value: unknown, defaultOrg: string): IdProblem | null {
  if (typeof value !== 'string') return 'not_a_string';
  if (!ORG_ID_PATTERN.test(value)) return value.length === 0 ? 'empty' : 'outside_org_id_grammar';
  if (DOTS_ONLY.test(value)) return 'dot_only';
  if (RESERVED_IDS.has(value)) return 'reserved_name';
  if (value !== defaultOrg && value.toLowerCase() === defaultOrg.toLowerCase())
    return 'default_org_look_alike';
  return null;
}

export function isCanonicalUserId(value: unknown): value is string {
  return userIdProblem(value) === null;
}

export function isAcceptableOrgId(value: unknown, defaultOrg: string): value is string {
  return orgIdProblem(value, defaultOrg) === null;
}

/** A client-safe sentence naming the field and what is wrong with it. */
export function describeIdProblem(field: string, problem: IdProblem): string {
  return `${field} ${PROBLEM_TEXT[problem]}`;
}

/**
 * Whether every string in a parsed JSON value, keys included, is well-formed Unicode. Iterative, so
 * a deeply nested document cannot exhaust the stack.
 */
export function isWellFormedDeep(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (!next.isWellFormed()) return false;
    } else if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
    } else if (next !== null && typeof next === 'object') {
      // The own enumerable string keys, as Object.entries reads them, without a pair per key.
      const record = next as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!key.isWellFormed()) return false;
        pending.push(record[key]);
      }
    }
  }
  return true;
}
