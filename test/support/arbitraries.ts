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

/** What a JWKS endpoint answers one fetch with: a key set by name, or one way of failing. */
export type KeyServerOutcome =
  | { ok: string }
  | { fail: 'status_500' | 'timeout' | 'network' | 'garbage' | 'too_large' | 'too_many_keys' };

/** Outcomes of JWKS fetches: key sets named by `setNames`, mixed with every failure a fetch can meet. */
export function keyServerOutcome(setNames: readonly string[]): fc.Arbitrary<KeyServerOutcome> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...setNames).map((name) => ({ ok: name })) },
    { weight: 2, arbitrary: fc.constantFrom('status_500', 'timeout', 'network', 'garbage', 'too_large', 'too_many_keys' as const).map((fail) => ({ fail })) },
  );
}

/** A `kid` an attacker might send: short, long, empty, unicode. */
export const attackerKid: fc.Arbitrary<string> = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.stringMatching(/^[0-9a-f]{64}$/));
