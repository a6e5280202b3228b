/** fast-check generators shared by the property tests in test/security/. */
import fc from 'fast-check';
import { MAX_FIELD_CHARS as LOG_FIELD_CHARS } from '../../src/observability/decision-log-entry.js';
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
  fc
    .tuple(
      fc.stringMatching(/^[a-z][a-z0-9.+_-]{0,12}$/),
      fc.stringMatching(/^[a-z]{1,8}\.[a-z]{2,4}$/),
    )
    .map(([a, b]) => `${a}@${b}`),
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
    .tuple(
      fc.constantFrom(
        '\u200b',
        '\u200c',
        '\u200d',
        '\ufeff',
        '\u2060',
        '\u202e',
        '\u00ad',
        '\u0000',
        '\u001b',
        '\u007f',
        '\u2028',
      ),
      fc.nat(),
    )
    .map(
      ([ch, at]) =>
        (id: string) =>
          insertAt(id, ch, at),
    ),
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
  const bytesOf = Array.from(value).map((ch) => ({ ch, bytes: [...new TextEncoder().encode(ch)] }));
  return fc
    .array(fc.tuple(fc.boolean(), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 })), {
      minLength: bytesOf.length,
      maxLength: bytesOf.length,
    })
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

const escapes = (bytes: readonly number[]) =>
  fc
    .array(fc.boolean(), { minLength: bytes.length, maxLength: bytes.length })
    .map((lower) => bytes.map((b, i) => hexByte(b, lower[i] ?? false)).join(''));
const byteIn = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });

/**
 * Escapes that decode to something no path parameter may hold: a slash or backslash, a percent
 * sign (double encoding, `%2540`), a C0 or C1 control character, or bytes that are not UTF-8 —
 * stray continuation bytes, `%C3%28`, surrogates (`%ED%A0%80`), overlong forms of every length,
 * code points past U+10FFFF, bytes that never start a sequence, truncated sequences.
 */
export const unsafeEscape: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom([0x2f], [0x5c]).chain(escapes),
  fc
    .tuple(escapes([0x25]), byteIn(0x20, 0x7e), fc.boolean())
    .map(([pct, b, lower]) => pct + hexByte(b, lower).slice(1)),
  byteIn(0x00, 0x1f).chain((b) => escapes([b])),
  fc.constant([0x7f]).chain(escapes),
  byteIn(0x80, 0x9f).chain((b) => escapes([0xc2, b])),
  byteIn(0x80, 0xbf).chain((b) => escapes([b])),
  fc.constant([0xc3, 0x28]).chain(escapes),
  fc.tuple(byteIn(0xa0, 0xbf), byteIn(0x80, 0xbf)).chain(([b, c]) => escapes([0xed, b, c])),
  fc.tuple(byteIn(0xc0, 0xc1), byteIn(0x80, 0xbf)).chain(([a, b]) => escapes([a, b])),
  fc.tuple(byteIn(0x80, 0x9f), byteIn(0x80, 0xbf)).chain(([b, c]) => escapes([0xe0, b, c])),
  fc
    .tuple(byteIn(0x80, 0x8f), byteIn(0x80, 0xbf), byteIn(0x80, 0xbf))
    .chain(([b, c, d]) => escapes([0xf0, b, c, d])),
  fc
    .tuple(byteIn(0x90, 0xbf), byteIn(0x80, 0xbf), byteIn(0x80, 0xbf))
    .chain(([b, c, d]) => escapes([0xf4, b, c, d])),
  byteIn(0xf5, 0xff).chain((b) => escapes([b])),
  fc.constantFrom([0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3]).chain(escapes),
);

/**
 * Every spelling of an HTTP header name that a CGI/WSGI-style server reads as the same variable
 * (`X-Orgwarden-Role`, `x_ORGWARDEN-role`, … are all HTTP_X_ORGWARDEN_ROLE): each letter in
 * either case, each `-` as `-` or `_`.
 */
export function headerSpelling(name: string): fc.Arbitrary<string> {
  return fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((flips) =>
    Array.from(name)
      .map((ch, i) => {
        if (!flips[i]) return ch;
        if (ch === '-') return '_';
        return ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
      })
      .join(''),
  );
}

/** The name a CGI/WSGI-style server gives a header: upper case, `-` as `_`. */
export const cgiName = (header: string): string => header.toUpperCase().replace(/-/g, '_');
/** A folder name as people and CI runners pick them: letters, digits, dots, dashes, spaces. */
const folderName: fc.Arbitrary<string> = fc.stringMatching(
  /^[A-Za-z0-9][A-Za-z0-9._ -]{0,14}[A-Za-z0-9]$/,
);

/** A relative folder path of one to five names: where a copy of a policy folder may live. */
export const folderPath: fc.Arbitrary<string[]> = fc.array(folderName, {
  minLength: 1,
  maxLength: 5,
});

/** A data document: an object of JSON values (Unicode keys and strings, nested objects and arrays). */
export const dataDocument: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.jsonValue({ maxDepth: 3 }),
  { minKeys: 1, maxKeys: 6 },
);

/** Writes the same JSON value differently: object keys shuffled at every level, and an indentation. */
export const jsonLayout: fc.Arbitrary<(value: unknown) => string> = fc
  .tuple(fc.infiniteStream(fc.nat()), fc.constantFrom(undefined, 0, 1, 2, '\t', ' \n '))
  .map(([stream, indent]) => {
    const draws = stream[Symbol.iterator]();
    const shuffle = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(shuffle);
      if (value === null || typeof value !== 'object') return value;
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i > 0; i -= 1) {
        const j = (draws.next().value as number) % (i + 1);
        [entries[i], entries[j]] = [entries[j]!, entries[i]!];
      }
      // defineProperty keeps a "__proto__" key an ordinary key, as JSON.parse does
      const out: Record<string, unknown> = {};
      for (const [key, item] of entries)
        Object.defineProperty(out, key, {
          value: shuffle(item),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    };
    return (value: unknown) => JSON.stringify(shuffle(value), null, indent);
  });

/** A path to a Rego file inside a bundle: "a/b/c.rego". */
const regoFileName: fc.Arbitrary<string> = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/), { minLength: 1, maxLength: 3 })
  .map((parts) => `${parts.join('/')}.rego`);

/** The files of a policy bundle: policy.wasm, data.json and some Rego sources (bytes are arbitrary). */
export interface BundleFileSet {
  wasm: Uint8Array;
  data: Record<string, unknown>;
  sources: [string, Uint8Array][];
}

export const bundleFileSet: fc.Arbitrary<BundleFileSet> = fc.record({
  wasm: fc.uint8Array({ minLength: 1, maxLength: 256 }),
  data: dataDocument,
  sources: fc.uniqueArray(fc.tuple(regoFileName, fc.uint8Array({ minLength: 1, maxLength: 200 })), {
    selector: ([name]) => name,
    minLength: 1,
    maxLength: 5,
  }),
});

/** One byte of a buffer changed: at `at` (taken modulo the length), XOR `flip` (never 0). */
export const byteEdit: fc.Arbitrary<{ at: number; flip: number }> = fc.record({
  at: fc.nat(),
  flip: fc.integer({ min: 1, max: 255 }),
});

/** A file path inside a bundle, sometimes past the 100 bytes a plain tar header holds: "ab/cd_1/x.rego". */
export const longRegoFileName: fc.Arbitrary<string> = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9_]{0,39}$/), { minLength: 1, maxLength: 5 })
  .map((parts) => `${parts.join('/')}.rego`);
/** What a JWKS endpoint answers one fetch with: a key set by name, or one way of failing. */
export type KeyServerOutcome =
  | { ok: string }
  | { fail: 'status_500' | 'timeout' | 'network' | 'garbage' | 'too_large' | 'too_many_keys' };

/** Outcomes of JWKS fetches: key sets named by `setNames`, mixed with every failure a fetch can meet. */
export function keyServerOutcome(setNames: readonly string[]): fc.Arbitrary<KeyServerOutcome> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...setNames).map((name) => ({ ok: name })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          'status_500',
          'timeout',
          'network',
          'garbage',
          'too_large',
          'too_many_keys' as const,
        )
        .map((fail) => ({ fail })),
    },
  );
}

/** A `kid` an attacker might send: short, long, empty, unicode. */
export const attackerKid: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.stringMatching(/^[0-9a-f]{64}$/),
);
/** A canonical id spelled with one disguise; only spellings that differ from the id. */
export function disguisedId(
  base: fc.Arbitrary<string>,
): fc.Arbitrary<{ id: string; spelled: string }> {
  return fc
    .tuple(base, idDisguise)
    .map(([id, disguise]) => ({ id, spelled: disguise(id) }))
    .filter(({ id, spelled }) => spelled !== id);
}

/** Ids every grammar refuses even though they contain no odd character: dots only, prototype names. */
export const dotOrReservedId: fc.Arbitrary<string> = fc.constantFrom(
  '.',
  '..',
  '...',
  '__proto__',
  'constructor',
  'prototype',
);

/** `name` with the case of each letter chosen at random. */
export function caseVariant(name: string): fc.Arbitrary<string> {
  return fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((upper) =>
    Array.from(name)
      .map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase()))
      .join(''),
  );
}

/** Case variants of the default org other than itself (`Default`, `dEFAULT`, …). */
export function defaultOrgLookAlike(defaultOrg: string): fc.Arbitrary<string> {
  return caseVariant(defaultOrg).filter((variant) => variant !== defaultOrg);
}

/** Headers a gateway forwards that name neither the credential nor the org. */
export const fillerHeader: fc.Arbitrary<[string, string]> = fc.tuple(
  fc.constantFrom(
    'accept',
    'user-agent',
    'x-request-id',
    'accept-language',
    'x-forwarded-for',
    'x-custom',
  ),
  fc.stringMatching(/^[a-z0-9./-]{1,16}$/),
);

/** Cookies that are not the org cookie (names differ from `org_id` by more than case, or by case only). */
export const fillerCookie: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('theme', 'session', 'lang', 'ORG_ID', 'Org_Id', 'org_idx'),
    fc.stringMatching(/^[a-z0-9]{1,8}$/),
  )
  .map(([name, value]) => `${name}=${value}`);

/** Case variants of an id: all upper, all lower, first letter flipped, every letter flipped. */
const caseChange: fc.Arbitrary<(id: string) => string> = fc.constantFrom(
  (id: string) => id.toUpperCase(),
  (id: string) => id.toLowerCase(),
  (id: string) => flipCase(id.slice(0, 1)) + id.slice(1),
  (id: string) => flipCase(id),
);

function flipCase(s: string): string {
  return Array.from(s)
    .map((ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()))
    .join('');
}

/** Any spelling of an id that is not the id itself, but may be taken for it: disguised or case-changed. */
export const lookAlike: fc.Arbitrary<(id: string) => string> = fc.oneof(idDisguise, caseChange);

/** The roles of the default catalogue, spelled exactly, and its one alias. */
export const CANONICAL_ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
const ROLE_ALIASES = ['member'] as const;

/**
 * Strings that are not exactly a role of the catalogue (nor its alias): look-alikes of each role
 * (case, whitespace, invisible characters, decomposition), roles with something added, and
 * arbitrary strings.
 */
export const nonCanonicalRole: fc.Arbitrary<string> = fc
  .oneof(
    fc
      .tuple(fc.constantFrom(...CANONICAL_ROLES, ...ROLE_ALIASES), lookAlike)
      .map(([role, spell]) => spell(role)),
    fc
      .tuple(
        fc.constantFrom(...CANONICAL_ROLES),
        fc.string({ minLength: 1, maxLength: 4 }),
        fc.boolean(),
      )
      .map(([role, extra, before]) => (before ? extra + role : role + extra)),
    fc.constantFrom('superuser', 'root', 'Owner', 'OWNER', ' owner', 'owner ', 'owners', 'own', ''),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
  )
  .filter(
    (role) =>
      !(CANONICAL_ROLES as readonly string[]).includes(role) &&
      !(ROLE_ALIASES as readonly string[]).includes(role),
  );

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
    caseChange.map((spell) => spell(defaultOrg)),
    fc.integer({ min: 1, max: 70 }).map((n) => '.'.repeat(n)),
    fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'Constructor',
      '__PROTO__',
      '.a',
      'a.',
      '-',
      '_',
    ),
    fc.stringMatching(/^[A-Za-z0-9._-]{60,70}$/),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
  );
}
/** Org records over small id pools, so generated directories, seed files and writes collide often. */
const SEED_ORG_IDS = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'] as const;
const SEED_USERS = ['u1', 'u2', 'u3', 'u4', 'u5'] as const;

export interface GeneratedOrg {
  id: string;
  status: 'active' | 'suspended' | 'pending_deletion';
  members: { user: string; role: 'viewer' | 'editor' | 'admin' | 'member' | 'owner' }[];
  shares: never[];
}

/** One org: a status, distinct members with roles (at most one owner: the first member may be it). */
const generatedOrg = (id: string): fc.Arbitrary<GeneratedOrg> =>
  fc
    .record({
      status: fc.constantFrom('active', 'suspended', 'pending_deletion'),
      users: fc.uniqueArray(fc.constantFrom(...SEED_USERS), { maxLength: SEED_USERS.length }),
      roles: fc.array(fc.constantFrom('viewer', 'editor', 'admin', 'member'), {
        minLength: SEED_USERS.length,
        maxLength: SEED_USERS.length,
      }),
      firstIsOwner: fc.boolean(),
    })
    .map(({ status, users, roles, firstIsOwner }) => ({
      id,
      status,
      members: users.map((user, i) => ({
        user,
        role: i === 0 && firstIsOwner ? 'owner' : roles[i]!,
      })),
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
  fc.record({
    kind: fc.constant('remove_member' as const),
    org: fc.constantFrom(...SEED_ORG_IDS),
    user: fc.constantFrom(...SEED_USERS),
  }),
  fc.record({ kind: fc.constant('delete_org' as const), org: fc.constantFrom(...SEED_ORG_IDS) }),
  fc.record({
    kind: fc.constant('set_status' as const),
    org: fc.constantFrom(...SEED_ORG_IDS),
    status: fc.constantFrom('suspended', 'pending_deletion', 'active'),
  }),
  fc.record({
    kind: fc.constant('set_role' as const),
    org: fc.constantFrom(...SEED_ORG_IDS),
    user: fc.constantFrom(...SEED_USERS),
    role: fc.constantFrom('viewer', 'editor', 'admin'),
  }),
);

/**
 * `value` with some of its characters (slashes included) percent-encoded, each with a chance of
 * one in `oneIn` (sparse, so most spellings stay close to a real route), hex case chosen per escape.
 */
export function percentEncodeSome(value: string, oneIn = 6): fc.Arbitrary<string> {
  const chars = Array.from(value);
  return fc
    .array(fc.tuple(fc.nat(oneIn - 1), fc.boolean()), {
      minLength: chars.length,
      maxLength: chars.length,
    })
    .map((choices) =>
      chars
        .map((c, i) => {
          const [draw, lower] = choices[i] as [number, boolean];
          return draw === 0
            ? [...new TextEncoder().encode(c)].map((b) => hexByte(b, lower)).join('')
            : c;
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
/** Code units that are never well-formed on their own: high and low surrogates. */
const loneSurrogate: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
);

/**
 * A decision log field as clients send it: short, either side of the log's bound, far past it,
 * ASCII, astral, or with lone surrogates.
 */
export const logFieldText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: LOG_FIELD_CHARS - 2, maxLength: LOG_FIELD_CHARS + 2 }),
  fc
    .tuple(
      fc.constantFrom('a', 'é', '\u{1F680}', '\u0000', '"'),
      fc.integer({ min: 1, max: 50_000 }),
    )
    .map(([c, n]) => c.repeat(n)),
  fc
    .tuple(fc.string({ maxLength: 300 }), loneSurrogate, fc.nat())
    .map(([s, u, at]) => s.slice(0, at % (s.length + 1)) + u + s.slice(at % (s.length + 1))),
);

/** Small JSON values of every type, for replacing a field with the wrong one. */
const anyJsonValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    '',
    [],
    {},
    [1, 'a'],
    { a: 1 },
    'x'.repeat(5000),
  ),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** Text that is hostile somewhere: control and null characters, bidi and zero-width, any Unicode. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000',
    '\u0000\u0000',
    '\u001b[31m',
    '\r\n',
    '\u202e',
    '\u200b',
    '\ufeff',
    '\ufffd',
    '%00',
    '%ED%A0%80',
    '../',
    '\\',
    '${x}',
    '"',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

/** Numbers JSON can spell but JavaScript reads as Infinity, -0, a rounded integer or 0. */
const rawNumbers = [
  '1e400',
  '-1e400',
  '1e308',
  '-0',
  '9007199254740993',
  '1e-400',
  '123456789012345678901234567890',
  '0.1e1',
  '-9e999',
];
/** Bytes that are not UTF-8: an encoded surrogate, an overlong slash, a stray continuation, 0xFF. */
const invalidUtf8 = [
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0x80],
  [0xff, 0xfe],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];

/** One structure-aware mutation of a JSON document (see test/support/hostile-json.ts). */
export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('lone_surrogate' as const),
      at: fc.nat(),
      pos: fc.nat(),
      unit: loneSurrogate,
      inKey: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('insert_text' as const),
      at: fc.nat(),
      pos: fc.nat(),
      text: hostileText,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('replace' as const),
      at: fc.nat(),
      value: anyJsonValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('disguise' as const),
      at: fc.nat(),
      disguise: idDisguise,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('raw_number' as const),
      at: fc.nat(),
      text: fc.constantFrom(...rawNumbers),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('deep_nesting' as const),
      at: fc.nat(),
      depth: fc.integer({ min: 1, max: 3000 }),
      inObjects: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('add_key' as const),
      at: fc.nat(),
      key: fc.oneof(
        fc.constantFrom(
          '__proto__',
          'constructor',
          'prototype',
          'allow',
          'role',
          'admin',
          'kind',
          'principal',
          'effective_org',
        ),
        hostileText,
      ),
      value: anyJsonValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('duplicate_key' as const),
      at: fc.nat(),
      first: fc.boolean(),
      value: anyJsonValue,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove_key' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('invalid_utf8' as const),
      at: fc.nat(),
      bytes: fc.constantFrom(...invalidUtf8),
    }),
  },
);

/** Damage to the encoded body as a whole: mostly none. */
export const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ op: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('append' as const),
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
    }),
  },
);

/** Pieces a hostile client puts into a forwarded path: encoded surrogates, overlongs, dots, escapes. */
export const hostileUriPiece: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%ED%A0%80',
    '%ed%bf%bf',
    '%C0%AF',
    '%2F',
    '%2f',
    '%5C',
    '%25',
    '%2525',
    '%00',
    '%0a',
    '%7F',
    '%FF',
    '%e9',
    '%C3%A9',
    '%F0%9F%9A%80',
    '%',
    '%%',
    '%G1',
    '%u0041',
    '..',
    '.',
    '//',
    '/./',
    '/../',
    ';x=1',
    '\\',
    '#frag',
    '?q=%ED%A0',
    ' ',
    '\u00e9',
    '\u00ff',
    '\u007f',
    '\u0001',
    '__proto__',
    'constructor',
    'Default',
    'ACME',
    'acme%20',
    '%61cme',
  ),
  hostileText,
);

/** A string as a gateway could put it on the wire: UTF-8 bytes read as latin1, no CR or LF. */
export function onTheWire(text: string): string {
  return Buffer.from(text, 'utf8')
    .toString('latin1')
    .replace(/[\r\n]/g, '');
}
