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

/** A folder name as people and CI runners pick them: letters, digits, dots, dashes, spaces. */
export const folderName: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._ -]{0,14}[A-Za-z0-9]$/);

/** A relative folder path of one to five names: where a copy of a policy folder may live. */
export const folderPath: fc.Arbitrary<string[]> = fc.array(folderName, { minLength: 1, maxLength: 5 });

/** A data document: an object of JSON values (Unicode keys and strings, nested objects and arrays). */
export const dataDocument: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.jsonValue({ maxDepth: 3 }),
  { minKeys: 1, maxKeys: 6 },
) as fc.Arbitrary<Record<string, unknown>>;

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
      for (const [key, item] of entries) Object.defineProperty(out, key, { value: shuffle(item), enumerable: true, writable: true, configurable: true });
      return out;
    };
    return (value: unknown) => JSON.stringify(shuffle(value), null, indent as string | number | undefined);
  });

/** A path to a Rego file inside a bundle: "a/b/c.rego". */
export const regoFileName: fc.Arbitrary<string> = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/), { minLength: 1, maxLength: 3 })
  .map((parts) => `${parts.join('/')}.rego`);

/** The files of a policy bundle: policy.wasm, data.json and some Rego sources (bytes are arbitrary). */
export interface BundleFileSet {
  wasm: Uint8Array;
  data: Record<string, unknown>;
  sources: Array<[string, Uint8Array]>;
}

export const bundleFileSet: fc.Arbitrary<BundleFileSet> = fc.record({
  wasm: fc.uint8Array({ minLength: 1, maxLength: 256 }),
  data: dataDocument,
  sources: fc.uniqueArray(fc.tuple(regoFileName, fc.uint8Array({ minLength: 1, maxLength: 200 })), { selector: ([name]) => name, minLength: 1, maxLength: 5 }),
});

/** One byte of a buffer changed: at `at` (taken modulo the length), XOR `flip` (never 0). */
export const byteEdit: fc.Arbitrary<{ at: number; flip: number }> = fc.record({ at: fc.nat(), flip: fc.integer({ min: 1, max: 255 }) });

/** A file path inside a bundle, sometimes past the 100 bytes a plain tar header holds: "ab/cd_1/x.rego". */
export const longRegoFileName: fc.Arbitrary<string> = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9_]{0,39}$/), { minLength: 1, maxLength: 5 })
  .map((parts) => `${parts.join('/')}.rego`);
