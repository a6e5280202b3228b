/**
 * Properties of the hand-written bundle entry-name rules (src/bundle/entry-name.ts), over
 * generated names: every spelling of a root-relative name is one file; the normaliser is
 * idempotent; a name is refused exactly when it has no file, a control character or a segment
 * that is empty, "." or ".."; and what the writer stores, the reader reads back as the same file.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  archiveEntryName,
  entryNameProblem,
  normaliseEntryName,
} from '../../src/bundle/entry-name.js';
import { readTarGz } from '../../src/bundle/tar-read.js';
import { writeTarGz } from '../../src/bundle/tar-write.js';
import { fuzzParams } from '../support/fuzz.js';

/** What a name never holds: "/" and the ASCII control characters (U+0000-U+001F, U+007F). */
const forbidden = (char: string) =>
  char === '/' || char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f;
/** A segment of an acceptable name: anything but "/", control characters, "" and dot-only "."/"..". */
const segment = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .map((text) => Array.from(text, (char) => (forbidden(char) ? '_' : char)).join(''))
  .filter((text) => text !== '' && text !== '.' && text !== '..');
const goodName = fc.array(segment, { minLength: 1, maxLength: 12 }).map((parts) => parts.join('/'));
/** The spellings of the bundle root in front of a name: "", "/", "./", "//./", ... */
const rootSpelling = fc
  .array(fc.constantFrom('/', './'), { maxLength: 4 })
  .map((parts) => parts.join(''));
/** A name with one bad segment somewhere. */
const badName = fc
  .tuple(
    fc.array(segment, { maxLength: 3 }),
    fc.constantFrom('', '.', '..'),
    fc.array(segment, { maxLength: 3 }),
  )
  .filter(([before, , after]) => before.length + after.length > 0)
  .map(([before, bad, after]) => [...before, bad, ...after].join('/'));

describe('bundle entry names, generated', () => {
  it('every spelling of the root in front of a name is the same file, and normalising twice changes nothing', () => {
    fc.assert(
      fc.property(goodName, rootSpelling, (name, root) => {
        expect(normaliseEntryName(root + name)).toBe(name);
        expect(normaliseEntryName(normaliseEntryName(root + name))).toBe(name);
        expect(entryNameProblem(name)).toBeNull();
        expect(archiveEntryName(root + name)).toBe(`/${name}`);
      }),
      fuzzParams(2000),
    );
  });

  it('a name with an empty, "." or ".." segment, or a control character, is refused', () => {
    fc.assert(
      fc.property(badName, (name) => {
        fc.pre(normaliseEntryName(name) === name);
        expect(entryNameProblem(name)).toMatch(/segment|without a name/);
      }),
      fuzzParams(1000),
    );
    fc.assert(
      fc.property(goodName, fc.nat(), fc.integer({ min: 0, max: 0x20 }), (name, at, code) => {
        const char = String.fromCharCode(code === 0x20 ? 0x7f : code);
        const spliced =
          name.slice(0, at % (name.length + 1)) + char + name.slice(at % (name.length + 1));
        expect(entryNameProblem(spliced)).toMatch(/control character/);
      }),
      fuzzParams(1000),
    );
  });

  it('what the writer stores, the reader reads back as the same file with the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(goodName, { minLength: 1, maxLength: 4 }),
        rootSpelling,
        fc.uint8Array({ maxLength: 600 }),
        async (names, root, bytes) => {
          const files = await readTarGz(
            await writeTarGz(
              names.map((name): [string, Buffer] => [root + name, Buffer.from(bytes)]),
            ),
          );
          expect([...files.keys()]).toEqual(names);
          for (const body of files.values()) expect(body.equals(Buffer.from(bytes))).toBe(true);
        },
      ),
      fuzzParams(200),
    );
  });
});
