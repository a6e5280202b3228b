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

/** Case variants of an id: all upper, all lower, first letter flipped, every letter flipped. */
export const caseVariant: fc.Arbitrary<(id: string) => string> = fc.constantFrom(
  (id: string) => id.toUpperCase(),
  (id: string) => id.toLowerCase(),
  (id: string) => flipCase(id.slice(0, 1)) + id.slice(1),
  (id: string) => flipCase(id),
);

function flipCase(s: string): string {
  return [...s].map((ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase())).join('');
}

/** Any spelling of an id that is not the id itself, but may be taken for it: disguised or case-changed. */
export const lookAlike: fc.Arbitrary<(id: string) => string> = fc.oneof(idDisguise, caseVariant);

/** The roles of the default catalogue, spelled exactly, and its one alias. */
export const CANONICAL_ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export const ROLE_ALIASES = ['member'] as const;

/**
 * Strings that are not exactly a role of the catalogue (nor its alias): look-alikes of each role
 * (case, whitespace, invisible characters, decomposition), roles with something added, and
 * arbitrary strings.
 */
export const nonCanonicalRole: fc.Arbitrary<string> = fc
  .oneof(
    fc.tuple(fc.constantFrom(...CANONICAL_ROLES, ...ROLE_ALIASES), lookAlike).map(([role, spell]) => spell(role)),
    fc.tuple(fc.constantFrom(...CANONICAL_ROLES), fc.string({ minLength: 1, maxLength: 4 }), fc.boolean()).map(([role, extra, before]) =>
      before ? extra + role : role + extra,
    ),
    fc.constantFrom('superuser', 'root', 'Owner', 'OWNER', ' owner', 'owner ', 'owners', 'own', ''),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
  )
  .filter((role) => !(CANONICAL_ROLES as readonly string[]).includes(role) && !(ROLE_ALIASES as readonly string[]).includes(role));

/** Ids in the org id grammar (`^[A-Za-z0-9._-]{1,64}$`), weighted towards short ones. */
export const grammarOrgId: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/);

/**
 * Org ids a client may send: grammar ids, look-alikes of the default org, dot-only ids, prototype
 * names, and strings outside the grammar.
 */
export function orgIdCandidate(defaultOrg: string): fc.Arbitrary<string> {
  return fc.oneof(
    grammarOrgId,
    fc.constant(defaultOrg),
    caseVariant.map((spell) => spell(defaultOrg)),
    fc.integer({ min: 1, max: 70 }).map((n) => '.'.repeat(n)),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'Constructor', '__PROTO__', '.a', 'a.', '-', '_'),
    fc.stringMatching(/^[A-Za-z0-9._-]{60,70}$/),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
  );
}
