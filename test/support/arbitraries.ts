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

/** Org records over small id pools, so generated directories, seed files and writes collide often. */
const SEED_ORG_IDS = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'] as const;
const SEED_USERS = ['u1', 'u2', 'u3', 'u4', 'u5'] as const;

export interface GeneratedOrg {
  id: string;
  status: 'active' | 'suspended' | 'pending_deletion';
  members: Array<{ user: string; role: 'viewer' | 'editor' | 'admin' | 'member' | 'owner' }>;
  shares: never[];
}

/** One org: a status, distinct members with roles (at most one owner: the first member may be it). */
export const generatedOrg = (id: string): fc.Arbitrary<GeneratedOrg> =>
  fc
    .record({
      status: fc.constantFrom('active', 'suspended', 'pending_deletion'),
      users: fc.uniqueArray(fc.constantFrom(...SEED_USERS), { maxLength: SEED_USERS.length }),
      roles: fc.array(fc.constantFrom('viewer', 'editor', 'admin', 'member'), { minLength: SEED_USERS.length, maxLength: SEED_USERS.length }),
      firstIsOwner: fc.boolean(),
    })
    .map(({ status, users, roles, firstIsOwner }) => ({
      id,
      status,
      members: users.map((user, i) => ({ user, role: i === 0 && firstIsOwner ? 'owner' : roles[i]! })),
      shares: [],
    }));

/** A directory: one to all of the pooled org ids, each with a generated record. */
export const generatedDirectory: fc.Arbitrary<GeneratedOrg[]> = fc
  .subarray([...SEED_ORG_IDS], { minLength: 1 })
  .chain((ids) => fc.tuple(...ids.map(generatedOrg)));

/** A write a directory's operator makes after seeding: revocations mostly (remove, delete, suspend, demote). */
export type GeneratedWrite =
  | { kind: 'remove_member'; org: string; user: string }
  | { kind: 'delete_org'; org: string }
  | { kind: 'set_status'; org: string; status: 'suspended' | 'pending_deletion' | 'active' }
  | { kind: 'set_role'; org: string; user: string; role: 'viewer' | 'editor' | 'admin' };

export const generatedWrite: fc.Arbitrary<GeneratedWrite> = fc.oneof(
  fc.record({ kind: fc.constant('remove_member' as const), org: fc.constantFrom(...SEED_ORG_IDS), user: fc.constantFrom(...SEED_USERS) }),
  fc.record({ kind: fc.constant('delete_org' as const), org: fc.constantFrom(...SEED_ORG_IDS) }),
  fc.record({ kind: fc.constant('set_status' as const), org: fc.constantFrom(...SEED_ORG_IDS), status: fc.constantFrom('suspended', 'pending_deletion', 'active') }),
  fc.record({ kind: fc.constant('set_role' as const), org: fc.constantFrom(...SEED_ORG_IDS), user: fc.constantFrom(...SEED_USERS), role: fc.constantFrom('viewer', 'editor', 'admin') }),
);
