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
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Longest field path quoted back to the client (a path is client-controlled). */
const MAX_PATH_CHARS = 120;
const PLAIN_KEY = /^[A-Za-z_$][\w$-]{0,63}$/;

/**
 * A message naming the first hazard found, or null when there is none. `whole` names the document
 * itself (`request body`). Malformed Unicode is looked for first, everywhere, so a key that is both
 * unknown and malformed is reported as malformed.
 */
export function documentHazard(value: unknown, whole: string): string | null {
  return malformedUnicode(value, whole) ?? prototypeKey(value);
}

/** A message naming the first string or key that is not well-formed Unicode, or null. */
export function malformedUnicode(value: unknown, whole: string): string | null {
  const pending: { value: unknown; path: string }[] = [{ value, path: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: item, path } = next;
    if (typeof item === 'string') {
      if (!item.isWellFormed()) return `${fieldName(path, whole)}: must be well-formed Unicode (no lone surrogates)`;
    } else if (Array.isArray(item)) {
      item.forEach((inner, i) => pending.push({ value: inner, path: bounded(`${path}[${i}]`) }));
    } else if (item !== null && typeof item === 'object') {
      for (const [key, inner] of Object.entries(item)) {
        if (!key.isWellFormed()) return `${fieldName(path, whole)}: keys must be well-formed Unicode (no lone surrogates)`;
        pending.push({ value: inner, path: bounded(path + segment(key)) });
      }
    }
  }
  return null;
}

function prototypeKey(value: unknown): string | null {
  const pending: { value: unknown; path: string }[] = [{ value, path: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: item, path } = next;
    if (Array.isArray(item)) {
      item.forEach((inner, i) => pending.push({ value: inner, path: bounded(`${path}[${i}]`) }));
    } else if (item !== null && typeof item === 'object') {
      for (const [key, inner] of Object.entries(item)) {
        const at = bounded(path + segment(key));
        if (PROTOTYPE_KEYS.has(key)) return `${fieldName(at, '')}: key is not allowed`;
        pending.push({ value: inner, path: at });
      }
    }
  }
  return null;
}

/**
 * A field path as quoted back to clients: `job.enqueued_by.user`, `recipients[2].id`,
 * `context["a b"]`. `whole` names the document when the path is empty.
 */
export function formatPath(path: readonly PropertyKey[], whole: string): string {
  let text = '';
  for (const part of path) text = bounded(text + (typeof part === 'number' ? `[${part}]` : segment(String(part))));
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
