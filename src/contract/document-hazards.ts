/**
 * Names where a parsed JSON document holds a string that is not well-formed Unicode, so a refused
 * body's 400 says which field (or which object's key) is at fault. Whether a string is well-formed
 * is `String.prototype.isWellFormed` (as in `isWellFormedDeep`, contract/ids.ts); this only finds
 * the place. Iterative, so a deeply nested document cannot exhaust the stack.
 */

/** Longest field path quoted back to the client (a path is client-controlled). */
const MAX_PATH_CHARS = 120;
const PLAIN_KEY = /^[A-Za-z_$][\w$-]{0,63}$/;

/** A message naming the first malformed value or key found, or null when there is none. */
export function malformedUnicodeMessage(value: unknown): string | null {
  const pending: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (pending.length > 0) {
    const next = pending.pop() as { value: unknown; path: string };
    if (typeof next.value === 'string') {
      if (!next.value.isWellFormed()) return `${fieldName(next.path, 'request body')}: must be well-formed Unicode (no lone surrogates)`;
    } else if (Array.isArray(next.value)) {
      next.value.forEach((item, i) => pending.push({ value: item, path: bounded(`${next.path}[${i}]`) }));
    } else if (next.value !== null && typeof next.value === 'object') {
      for (const [key, inner] of Object.entries(next.value)) {
        if (!key.isWellFormed()) return `${fieldName(next.path, 'request body')}: keys must be well-formed Unicode (no lone surrogates)`;
        pending.push({ value: inner, path: bounded(next.path + segment(key)) });
      }
    }
  }
  return null;
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
