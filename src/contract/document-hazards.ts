/**
 * The two hazards refused in every inbound document before its shape is judged, each named by its
 * field path so the 400 says where the fault is:
 *
 * - a string or key that is not well-formed Unicode (a lone surrogate: `"\ud800"` is valid JSON,
 *   but the policy's JSON reader aborts on it);
 * - a prototype key (`__proto__`, `constructor`, `prototype`), at any depth, which some consumer
 *   could turn into a prototype write.
 *
 * Whether a string is well-formed is `String.prototype.isWellFormed`. Iterative, so a deeply nested
 * document cannot exhaust the stack. Imports nothing of ours.
 */

/** Keys refused wherever they appear in an inbound document. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/** Longest field path quoted back to the client (a path is client-controlled). */
const MAX_PATH_CHARS = 120;
const PLAIN_KEY = /^[A-Za-z_$][\w$-]{0,63}$/;

/**
 * A message naming the first hazard found, or null when there is none. `whole` names the document
 * itself (`request body`). Malformed Unicode is looked for first, everywhere, so a key that is both
 * unknown and malformed is reported as malformed.
 */
export function documentHazard(value: unknown, whole: string): string | null {
  // Almost every document is clean: one allocation-free pass says so; only a document that may
  // hold a hazard pays for the walks that find the first one and its path.
  if (isPlainlyClean(value, 0)) return null;
  return malformedUnicode(value, whole) ?? prototypeKey(value);
}

/** Deeper than this, `isPlainlyClean` gives up (the iterative walks judge: no stack exhaustion). */
const CLEAN_PASS_MAX_DEPTH = 32;

/**
 * True when no string or key is malformed and no key is a prototype key, checked recursively
 * without allocating. False means "maybe not" (a hazard, or too deep to say), never "clean".
 */
function isPlainlyClean(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.isWellFormed();
  if (typeof value !== 'object' || value === null) return true;
  if (depth >= CLEAN_PASS_MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (!isPlainlyClean(item, depth + 1)) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (PROTOTYPE_KEYS.has(key) || !key.isWellFormed()) return false;
    if (!isPlainlyClean(record[key], depth + 1)) return false;
  }
  return true;
}

/** A message naming the first string or key that is not well-formed Unicode, or null. */
function malformedUnicode(value: unknown, whole: string): string | null {
  const found = findMalformedUnicode(value);
  return found === null ? null : `${formatPath(found.path, whole)}: ${found.problem}`;
}

/** A hazard found at `path` (for a key: the object holding it), with what is wrong there. */
export interface HazardAt {
  path: PropertyKey[];
  problem: string;
}

/** The first string or key that is not well-formed Unicode, with its path, or null. */
export function findMalformedUnicode(value: unknown): HazardAt | null {
  return walk(
    value,
    (item) =>
      typeof item === 'string' && !item.isWellFormed()
        ? 'must be well-formed Unicode (no lone surrogates)'
        : null,
    (key) => (key.isWellFormed() ? null : 'keys must be well-formed Unicode (no lone surrogates)'),
  );
}

/** The first prototype key, with the path of the object holding it (`problem` is the key), or null. */
export function findPrototypeKey(value: unknown): HazardAt | null {
  return walk(
    value,
    () => null,
    (key) => (PROTOTYPE_KEYS.has(key) ? key : null),
  );
}

function prototypeKey(value: unknown): string | null {
  const found = findPrototypeKey(value);
  return found === null
    ? null
    : `${formatPath([...found.path, found.problem], '')}: key is not allowed`;
}

interface Pending {
  value: unknown;
  parent: Pending | null;
  step: PropertyKey;
}

/**
 * Depth-first over a parsed document; the first value or key a visitor names a problem for, with
 * its path. Each entry points to its parent instead of carrying its own path, so a deep document
 * costs memory linear in its size.
 */
function walk(
  value: unknown,
  atValue: (item: unknown) => string | null,
  atKey: (key: string) => string | null,
): HazardAt | null {
  const pending: Pending[] = [{ value, parent: null, step: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const item = next.value;
    const problem = atValue(item);
    if (problem !== null) return { path: pathOf(next), problem };
    if (Array.isArray(item)) {
      item.forEach((inner, i) => pending.push({ value: inner, parent: next, step: i }));
    } else if (item !== null && typeof item === 'object') {
      for (const [key, inner] of Object.entries(item)) {
        const keyProblem = atKey(key);
        if (keyProblem !== null) return { path: pathOf(next), problem: keyProblem };
        pending.push({ value: inner, parent: next, step: key });
      }
    }
  }
  return null;
}

function pathOf(entry: Pending): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at = entry; at.parent !== null; at = at.parent) path.push(at.step);
  return path.reverse();
}

/**
 * A field path as quoted back to clients: `job.enqueued_by.user`, `recipients[2].id`,
 * `context["a b"]`. `whole` names the document when the path is empty.
 */
export function formatPath(path: readonly PropertyKey[], whole: string): string {
  let text = '';
  for (const part of path)
    text = bounded(text + (typeof part === 'number' ? `[${part}]` : segment(String(part))));
  return fieldName(text, whole);
}

function segment(key: string): string {
  return PLAIN_KEY.test(key) ? `.${key}` : `[${JSON.stringify(clip(key, 32))}]`;
}

function bounded(path: string): string {
  return clip(path, MAX_PATH_CHARS);
}

/** At most `max` UTF-16 units and `…`; never cuts a surrogate pair (the message must stay well-formed). */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

function fieldName(path: string, whole: string): string {
  if (path === '') return whole;
  return path.startsWith('.') ? path.slice(1) : path;
}
