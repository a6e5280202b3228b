/**
 * Steps 1–4 of verification: everything that can be decided from the raw string and the
 * (unauthenticated) protected header, before any key is looked up or any signature computed.
 * Rejecting here keeps hostile input away from jose and, above all, away from the network:
 * a token naming its own key (`jku`, `x5u`, `jwk`, `x5c`) never causes a fetch.
 */
import { isWellFormedDeep } from '../contract/ids.js';
import { fail, type AuthFailure } from './failure.js';

/** Header parameters that point at, or embed, a key chosen by the token's author. */
const KEY_CARRYING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export interface PrecheckLimits {
  maxTokenBytes: number;
  /** The configured allow-list; `none` is refused even if it slipped in. */
  algorithms: ReadonlySet<string>;
}

export interface PrecheckedToken {
  ok: true;
  token: string;
  header: Record<string, unknown>;
}

/** Step 1: present at all. */
function checkPresent(input: unknown): AuthFailure | { ok: true; token: string } {
  if (input === undefined || input === null || input === '') {
    return fail('token_missing', 'token is missing');
  }
  if (typeof input !== 'string') {
    return fail('token_malformed', 'token is not a string');
  }
  return { ok: true, token: input };
}

/** Step 2: size, measured before anything else looks at the content. */
function checkSize(token: string, maxTokenBytes: number): AuthFailure | null {
  // `length` is a cheap lower bound on the UTF-8 size; only count bytes when it might matter.
  if (token.length > maxTokenBytes || Buffer.byteLength(token, 'utf8') > maxTokenBytes) {
    return fail('token_too_large', 'token exceeds the maximum size');
  }
  return null;
}

/**
 * Step 3: compact JWS shape: three base64url segments, header and payload non-empty, and a
 * protected header that is a JSON object. An empty signature is the shape of an unsigned
 * (`alg: none`) token; it passes here so step 4 can refuse it under its own code.
 */
function parseShape(token: string): AuthFailure | { ok: true; header: Record<string, unknown> } {
  const segments = token.split('.');
  const [header64 = '', payload64 = ''] = segments;
  if (
    segments.length !== 3 ||
    header64 === '' ||
    payload64 === '' ||
    !segments.every(isBase64url)
  ) {
    return fail('token_malformed', 'token is not a compact JWS of three base64url segments');
  }
  const header = decodeJsonObject(header64);
  if (header === null) {
    return fail('token_malformed', 'token header is not a JSON object');
  }
  // UTF-8 decoding is strict, but JSON escapes can still spell a lone surrogate (a `kid` of
  // "\ud800"); such a string is not text, and no key lookup or log line should ever see it.
  if (!isWellFormedDeep(header)) {
    return fail('token_malformed', 'token header is not well-formed Unicode');
  }
  return { ok: true, header };
}

/** Step 4: the header may only ask for what we allow. */
function checkHeader(
  header: Record<string, unknown>,
  algorithms: ReadonlySet<string>,
): AuthFailure | null {
  const { alg } = header;
  if (typeof alg !== 'string' || alg === '') {
    return fail('token_malformed', "header 'alg' is missing");
  }
  if (alg.toLowerCase() === 'none' || !algorithms.has(alg)) {
    return fail('algorithm_not_allowed', "header 'alg' is not allowed");
  }
  for (const name of KEY_CARRYING_HEADERS) {
    if (Object.hasOwn(header, name)) {
      return fail('header_not_allowed', `header '${name}' is not allowed`);
    }
  }
  // We implement no JWS extensions, so every critical one is unknown to us (RFC 7515 §4.1.11).
  // jose would refuse it as well; refusing here gives it a stable code of its own.
  if (Object.hasOwn(header, 'crit')) {
    return fail('header_not_allowed', "header 'crit' names an unsupported extension");
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    return fail('token_malformed', "header 'kid' is not a string");
  }
  return null;
}

/** Steps 1–4 in order; the first failure wins. */
export function precheck(input: unknown, limits: PrecheckLimits): AuthFailure | PrecheckedToken {
  const present = checkPresent(input);
  if (!present.ok) return present;
  const { token } = present;

  const tooLarge = checkSize(token, limits.maxTokenBytes);
  if (tooLarge) return tooLarge;

  const shape = parseShape(token);
  if (!shape.ok) return shape;

  const badHeader = checkHeader(shape.header, limits.algorithms);
  if (badHeader) return badHeader;

  return { ok: true, token, header: shape.header };
}

function isBase64url(segment: string): boolean {
  // A base64url string of length 4n+1 cannot come from any byte sequence.
  return BASE64URL.test(segment) && segment.length % 4 !== 1;
}

function decodeJsonObject(segment: string): Record<string, unknown> | null {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(
      Buffer.from(segment, 'base64url'),
    );
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : null;
  } catch {
    return null;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
