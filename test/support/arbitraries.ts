/** fast-check generators shared by the property tests in test/security/. */
import fc from 'fast-check';
import { isCanonicalUserId } from '../../src/contract/ids.js';

/** Canonical user ids: printable graphemes, NFC, no surrounding space, not dot-only or reserved. */
export const canonicalUserId: fc.Arbitrary<string> = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .map((s) => s.normalize('NFC').trim())
  .filter((s) => isCanonicalUserId(s));

/** Ids a router sees encoded: e-mail-like, with spaces, non-ASCII and reserved URL characters. */
export const encodableUserId: fc.Arbitrary<string> = fc.oneof(
  canonicalUserId,
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9.+_-]{0,12}$/), fc.stringMatching(/^[a-z]{1,8}\.[a-z]{2,4}$/)).map(([a, b]) => `${a}@${b}`),
);

/** Insert `ch` at a position chosen by `at`. */
function insertAt(id: string, ch: string, at: number): string {
  const i = at % (id.length + 1);
  return id.slice(0, i) + ch + id.slice(i);
}

/** Ways to disguise an id so it looks like (or decodes to) the same member, but is not canonical. */
export const idDisguise: fc.Arbitrary<(id: string) => string> = fc.oneof(
  fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u3000').map((ws) => (id: string) => ws + id),
  fc.constantFrom(' ', '\t', '\u2003').map((ws) => (id: string) => id + ws),
  fc
    .tuple(fc.constantFrom('\u200b', '\u200c', '\u200d', '\ufeff', '\u2060', '\u202e', '\u00ad', '\u0000', '\u001b', '\u007f', '\u2028'), fc.nat())
    .map(([ch, at]) => (id: string) => insertAt(id, ch, at)),
  fc.constantFrom('\ud800', '\udfff', '\udbff').map((s) => (id: string) => id + s),
  // a decomposed letter: e + combining acute is é in NFC
  fc.nat().map((at) => (id: string) => insertAt(id, 'e\u0301', at)),
);

/** What a forward-auth path may carry raw (RFC 3986 pchar minus `;`); everything else is encoded. */
const RAW_PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@]$/;

const hexByte = (byte: number, lower: boolean) => {
  const hex = `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  return lower ? hex.toLowerCase() : hex;
};

/**
 * Any valid percent-encoding of `value` as one path segment: characters that may appear raw are
 * encoded or not at random, every other character (reserved, space, non-ASCII) always is, byte by
 * byte of its UTF-8, with upper- or lower-case hex chosen per escape. Decoding it once gives `value`.
 */
export function percentEncodedSegment(value: string): fc.Arbitrary<string> {
  const bytesOf = [...value].map((ch) => ({ ch, bytes: [...new TextEncoder().encode(ch)] }));
  return fc
    .array(fc.tuple(fc.boolean(), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 })), { minLength: bytesOf.length, maxLength: bytesOf.length })
    .map((choices) =>
      bytesOf
        .map(({ ch, bytes }, i) => {
          const [encode, lower] = choices[i] as [boolean, boolean[]];
          if (RAW_PATH_CHAR.test(ch) && !encode) return ch;
          return bytes.map((b, j) => hexByte(b, lower[j] ?? false)).join('');
        })
        .join(''),
    );
}

/** A percent-encoded id paired with the id it decodes to. */
export const encodedUserId: fc.Arbitrary<{ id: string; segment: string }> = encodableUserId.chain((id) =>
  percentEncodedSegment(id).map((segment) => ({ id, segment })),
);

const escapes = (bytes: readonly number[]) => fc.array(fc.boolean(), { minLength: bytes.length, maxLength: bytes.length }).map((lower) => bytes.map((b, i) => hexByte(b, lower[i] ?? false)).join(''));
const byteIn = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });

/**
 * Escapes that decode to something no path parameter may hold: a slash or backslash, a percent
 * sign (double encoding, `%2540`), a C0 or C1 control character, or bytes that are not UTF-8 —
 * stray continuation bytes, `%C3%28`, surrogates (`%ED%A0%80`), overlong forms of every length,
 * code points past U+10FFFF, bytes that never start a sequence, truncated sequences.
 */
export const unsafeEscape: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom([0x2f], [0x5c]).chain(escapes),
  fc.tuple(escapes([0x25]), byteIn(0x20, 0x7e), fc.boolean()).map(([pct, b, lower]) => pct + hexByte(b, lower).slice(1)),
  byteIn(0x00, 0x1f).chain((b) => escapes([b])),
  fc.constant([0x7f]).chain(escapes),
  byteIn(0x80, 0x9f).chain((b) => escapes([0xc2, b])),
  byteIn(0x80, 0xbf).chain((b) => escapes([b])),
  fc.constant([0xc3, 0x28]).chain(escapes),
  fc.tuple(byteIn(0xa0, 0xbf), byteIn(0x80, 0xbf)).chain(([b, c]) => escapes([0xed, b, c])),
  fc.tuple(byteIn(0xc0, 0xc1), byteIn(0x80, 0xbf)).chain(([a, b]) => escapes([a, b])),
  fc.tuple(byteIn(0x80, 0x9f), byteIn(0x80, 0xbf)).chain(([b, c]) => escapes([0xe0, b, c])),
  fc.tuple(byteIn(0x80, 0x8f), byteIn(0x80, 0xbf), byteIn(0x80, 0xbf)).chain(([b, c, d]) => escapes([0xf0, b, c, d])),
  fc.tuple(byteIn(0x90, 0xbf), byteIn(0x80, 0xbf), byteIn(0x80, 0xbf)).chain(([b, c, d]) => escapes([0xf4, b, c, d])),
  byteIn(0xf5, 0xff).chain((b) => escapes([b])),
  fc.constantFrom([0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3]).chain(escapes),
);

/** `value` with the case of each letter chosen at random (the original spelling included). */
export function caseVariant(value: string): fc.Arbitrary<string> {
  const chars = [...value];
  return fc
    .array(fc.boolean(), { minLength: chars.length, maxLength: chars.length })
    .map((upper) => chars.map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''));
}

/**
 * `value` with some of its characters (slashes included) percent-encoded, each with a chance of
 * one in `oneIn` (sparse, so most spellings stay close to a real route), hex case chosen per escape.
 */
export function percentEncodeSome(value: string, oneIn = 6): fc.Arbitrary<string> {
  const chars = [...value];
  return fc
    .array(fc.tuple(fc.nat(oneIn - 1), fc.boolean()), { minLength: chars.length, maxLength: chars.length })
    .map((choices) =>
      chars
        .map((c, i) => {
          const [draw, lower] = choices[i] as [number, boolean];
          return draw === 0 ? [...new TextEncoder().encode(c)].map((b) => hexByte(b, lower)).join('') : c;
        })
        .join(''),
    );
}

/** Request-target shapes around a path: origin-form as is, or one of the forms routers disagree on. */
export const targetShape: fc.Arbitrary<(path: string, origin: string) => string> = fc.constantFrom(
  (p: string) => p,
  (p: string) => `${p}/`,
  (p: string) => `/${p}`,
  (p: string, origin: string) => `${origin}${p}`,
  (p: string, origin: string) => `${origin.toUpperCase()}${p}`,
  (p: string) => p.replace(/\/(?=[^/]*$)/, '\\'),
  (p: string) => p.replace(/\/(?=[^/]*$)/, '/./'),
  (p: string) => `/x/..${p}`,
  (p: string) => `/x/%2E%2e${p}`,
  (p: string) => `${p};x=1`,
  (p: string) => `${p}?x=/../y`,
);
