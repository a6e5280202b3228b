/**
 * Normalising the original request's URI before it is matched against the manifest.
 *
 * The gateway forwards the raw URI to the upstream, and the upstream's router, not ours, decides
 * what it means. So anything two parsers could read differently is refused instead of resolved:
 * dot segments, empty segments (double or trailing slashes), backslashes, encoded slashes and
 * backslashes, encoded percent signs (double encoding), control characters, path parameters
 * (`;`) and malformed escapes. What remains has one reading. Percent-encoded unreserved
 * characters (`%61` = `a`) are decoded, once; other escapes are kept (hex in upper case).
 * The query string is dropped. Nothing here throws: every problem is a message.
 *
 * `keepEncodedReserved` is for a router that matches the encoded path and decodes a parameter
 * itself (the management surface): there an encoded slash, backslash, percent sign or control
 * character inside a segment is part of a parameter value, never a separator, so it is kept as an
 * escape for the route to decode and judge. Forward-auth never sets it: the upstream behind a
 * gateway may decode before routing.
 */
export const MAX_URI_LENGTH = 4096;
export const MAX_PATH_SEGMENTS = 64;

export type NormalisedPath =
  { ok: true; path: string; segments: string[] } | { ok: false; message: string };

/** RFC 3986 pchar and "/", minus ";": what may appear raw in a path we accept. */
const RAW_ALLOWED = /^[A-Za-z0-9\-._~!$&'()*+,=:@/%]*$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

export function normalisePath(
  uri: string,
  options: { keepEncodedReserved?: boolean } = {},
): NormalisedPath {
  if (uri.length > MAX_URI_LENGTH) return fail(`longer than ${MAX_URI_LENGTH} characters`);
  const q = uri.indexOf('?');
  const raw = q === -1 ? uri : uri.slice(0, q);
  if (!raw.startsWith('/')) return fail('must start with /');
  if (!RAW_ALLOWED.test(raw)) return fail(describeBadCharacter(raw));

  let decoded = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch !== '%') {
      decoded += ch;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return fail('malformed percent-encoding');
    const code = parseInt(hex, 16);
    if (options.keepEncodedReserved && !UNRESERVED.test(String.fromCharCode(code))) {
      decoded += `%${hex.toUpperCase()}`;
      i += 2;
      continue;
    }
    if (code === 0x2f) return fail('encoded slash (%2F)');
    if (code === 0x5c) return fail('encoded backslash (%5C)');
    if (code === 0x25) return fail('encoded percent sign (%25: double encoding)');
    if (code < 0x20 || code === 0x7f) return fail('encoded control character');
    const char = String.fromCharCode(code);
    decoded += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
    i += 2;
  }

  if (decoded === '/') return { ok: true, path: '/', segments: [] };
  const segments = decoded.slice(1).split('/');
  if (segments.length > MAX_PATH_SEGMENTS) return fail(`more than ${MAX_PATH_SEGMENTS} segments`);
  for (const segment of segments) {
    if (segment === '') return fail('empty segment (double or trailing slash)');
    if (segment === '.' || segment === '..') return fail('dot segment (. or ..)');
  }
  return { ok: true, path: decoded, segments };
}

function describeBadCharacter(raw: string): string {
  for (const ch of raw) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') return 'backslash';
    if (code < 0x20 || code === 0x7f) return 'control character';
    if (ch === ';') return 'path parameter (;)';
    if (ch === '#') return 'fragment (#)';
    if (!RAW_ALLOWED.test(ch)) return `character ${JSON.stringify(ch)} must be percent-encoded`;
  }
  return 'invalid character';
}

const fail = (message: string): NormalisedPath => ({ ok: false, message });
