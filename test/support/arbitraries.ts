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

/** A canonical id spelled with one disguise; only spellings that differ from the id. */
export function disguisedId(base: fc.Arbitrary<string>): fc.Arbitrary<{ id: string; spelled: string }> {
  return fc
    .tuple(base, idDisguise)
    .map(([id, disguise]) => ({ id, spelled: disguise(id) }))
    .filter(({ id, spelled }) => spelled !== id);
}

/** Ids every grammar refuses even though they contain no odd character: dots only, prototype names. */
export const dotOrReservedId: fc.Arbitrary<string> = fc.constantFrom('.', '..', '...', '__proto__', 'constructor', 'prototype');

/** `name` with the case of each letter chosen at random. */
export function caseVariant(name: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((upper) => [...name].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));
}

/** Case variants of the default org other than itself (`Default`, `dEFAULT`, …). */
export function defaultOrgLookAlike(defaultOrg: string): fc.Arbitrary<string> {
  return caseVariant(defaultOrg).filter((variant) => variant !== defaultOrg);
}

/** Headers a gateway forwards that name neither the credential nor the org. */
export const fillerHeader: fc.Arbitrary<[string, string]> = fc.tuple(
  fc.constantFrom('accept', 'user-agent', 'x-request-id', 'accept-language', 'x-forwarded-for', 'x-custom'),
  fc.stringMatching(/^[a-z0-9./-]{1,16}$/),
);

/** Cookies that are not the org cookie (names differ from `org_id` by more than case, or by case only). */
export const fillerCookie: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('theme', 'session', 'lang', 'ORG_ID', 'Org_Id', 'org_idx'), fc.stringMatching(/^[a-z0-9]{1,8}$/))
  .map(([name, value]) => `${name}=${value}`);
