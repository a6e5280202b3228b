/**
 * HTTP Basic credentials (RFC 7617) for the admin routes a browser opens (the explorer page): a
 * navigation cannot carry a Bearer header, but a browser sends Basic credentials it was asked for.
 * Only the password is used: it is the admin credential's token; the user name is ignored.
 *
 * Invariant: anything but exactly `Basic <canonical base64 of UTF-8 "user:password">` (one space
 * or more, the scheme in any case, a non-empty password) reads as no credential at all, never as
 * part of one: no lenient base64, no lone surrogates, no control characters.
 */

const BASIC = /^\s*basic +([A-Za-z0-9+/]+={0,2})\s*$/i;
// Forbidden in user-id and password by RFC 7617 §2: CTLs (including the NUL a C peer stops at).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The password of an `Authorization: Basic` value, or undefined when it is not one. */
export function basicPassword(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = BASIC.exec(authorization);
  const encoded = match?.[1];
  if (encoded === undefined || encoded.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(encoded, 'base64');
  // Canonical only: a value with non-zero padding bits decodes, but is not what was encoded.
  if (bytes.toString('base64') !== encoded) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon === -1 || CONTROL.test(decoded)) return undefined;
  const password = decoded.slice(colon + 1);
  return password === '' ? undefined : password;
}
