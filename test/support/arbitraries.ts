/** fast-check generators shared by the property tests in test/security/. */
import fc from 'fast-check';
import { isCanonicalUserId } from '../../src/contract/ids.js';
import type { BodyMutation, Json, JsonMutation } from './hostile-json.js';

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

/** Code units that are never well-formed on their own: high and low surrogates. */
export const loneSurrogate: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
);

/** Small JSON values of every type, for replacing a field with the wrong one. */
export const anyJsonValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, '', [], {}, [1, 'a'], { a: 1 }, 'x'.repeat(5000)),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** Text that is hostile somewhere: control and null characters, bidi and zero-width, any Unicode. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\u0000', '\u0000\u0000', '\u001b[31m', '\r\n', '\u202e', '\u200b', '\ufeff', '\ufffd', '%00', '%ED%A0%80', '../', '\\', '${x}', '"'),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

/** Numbers JSON can spell but JavaScript reads as Infinity, -0, a rounded integer or 0. */
const rawNumbers = ['1e400', '-1e400', '1e308', '-0', '9007199254740993', '1e-400', '123456789012345678901234567890', '0.1e1', '-9e999'];
/** Bytes that are not UTF-8: an encoded surrogate, an overlong slash, a stray continuation, 0xFF. */
const invalidUtf8 = [[0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x80], [0xff, 0xfe], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];

/** One structure-aware mutation of a JSON document (see test/support/hostile-json.ts). */
export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('lone_surrogate' as const), at: fc.nat(), pos: fc.nat(), unit: loneSurrogate, inKey: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert_text' as const), at: fc.nat(), pos: fc.nat(), text: hostileText }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: anyJsonValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('disguise' as const), at: fc.nat(), disguise: idDisguise }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('raw_number' as const), at: fc.nat(), text: fc.constantFrom(...rawNumbers) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deep_nesting' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 3000 }), inObjects: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('add_key' as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'allow', 'role', 'admin', 'kind', 'principal', 'effective_org'), hostileText),
      value: anyJsonValue,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate_key' as const), at: fc.nat(), first: fc.boolean(), value: anyJsonValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove_key' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('invalid_utf8' as const), at: fc.nat(), bytes: fc.constantFrom(...invalidUtf8) }) },
);

/** Damage to the encoded body as a whole: mostly none. */
export const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ op: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('append' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }) }) },
);

/** Pieces a hostile client puts into a forwarded path: encoded surrogates, overlongs, dots, escapes. */
export const hostileUriPiece: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%ED%A0%80', '%ed%bf%bf', '%C0%AF', '%2F', '%2f', '%5C', '%25', '%2525', '%00', '%0a', '%7F', '%FF', '%e9', '%C3%A9', '%F0%9F%9A%80',
    '%', '%%', '%G1', '%u0041', '..', '.', '//', '/./', '/../', ';x=1', '\\', '#frag', '?q=%ED%A0', ' ', '\u00e9', '\u00ff', '\u007f', '\u0001',
    '__proto__', 'constructor', 'Default', 'ACME', 'acme%20', '%61cme',
  ),
  hostileText,
);

/** A string as a gateway could put it on the wire: UTF-8 bytes read as latin1, no CR or LF. */
export function onTheWire(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1').replace(/[\r\n]/g, '');
}
