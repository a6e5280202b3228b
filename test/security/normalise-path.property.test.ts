/**
 * The forward-auth path normaliser is hand-written and security-critical: a URI it accepts must
 * have exactly one reading, so orgwarden and the upstream behind the gateway cannot route it to
 * two different places. These properties generate URIs from the pieces that make parsers disagree
 * (dots, slashes, backslashes, escapes of them, double encoding, control characters, `;`, `#`,
 * queries) and check the invariants of what is accepted, and that adding a trick to an accepted
 * path is refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_PATH_SEGMENTS,
  normalisePath,
} from '../../src/surfaces/forward-auth/normalise-path.js';
import { fuzzParams } from '../support/fuzz.js';

const PIECES = [
  'a',
  'B',
  'z9',
  '-',
  '_',
  '~',
  ':',
  '@',
  '!',
  '=',
  '.',
  '..',
  '%',
  '%2e',
  '%2E',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '%25',
  '%252e',
  '%00',
  '%1f',
  '%7f',
  '%61',
  '%6F',
  '%20',
  '%3a',
  '%C3%A9',
  '%zz',
  '%2',
  '/',
  '//',
  '\\',
  ';',
  '#',
  '?',
  'é',
  '\u0000',
  '\t',
  ' ',
];
const piece = fc.constantFrom(...PIECES);
const uri = fc.array(piece, { maxLength: 24 }).map((parts) => `/${parts.join('')}`);
/** A segment that is plainly fine on its own. */
const plainSegment = fc.stringMatching(/^[A-Za-z0-9_~-]{1,8}$/);
const TRICKS = [
  '.',
  '..',
  '%2e',
  '%2E%2e',
  '',
  'a%2Fb',
  'a%5cb',
  'a\\b',
  'a;b',
  'a%25b',
  'a%00b',
  '%2e%2e',
];

describe('the path normaliser', () => {
  it('never throws, and answers ok with a path or a message', () => {
    fc.assert(
      fc.property(uri, fc.boolean(), (u, keep) => {
        const result = normalisePath(u, { keepEncodedReserved: keep });
        if (result.ok) expect(typeof result.path).toBe('string');
        else expect(result.message).toMatch(/\S/);
      }),
      fuzzParams(2000),
    );
  });

  it('accepts only paths with one reading: no dot or empty segment, no separator or percent sign in disguise', () => {
    fc.assert(
      fc.property(uri, (u) => {
        const result = normalisePath(u);
        if (!result.ok) return;
        expect(result.path.startsWith('/')).toBe(true);
        expect(result.segments.length).toBeLessThanOrEqual(MAX_PATH_SEGMENTS);
        expect(result.path).toBe(
          result.segments.length === 0 ? '/' : `/${result.segments.join('/')}`,
        );
        for (const segment of result.segments) {
          expect(['', '.', '..']).not.toContain(segment);
        }
        // no backslash, control character, `;`, `#` or `?`, raw; no escape of `/`, `\`, `%` or a control character
        expect(result.path).not.toMatch(/[\\;#?]/);
        expect(
          Array.from(result.path).filter((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
        ).toEqual([]);
        expect(result.path).not.toMatch(/%(2F|5C|25|[01][0-9A-F]|7F)/i);
        // every escape that is left is upper-case and of a character that is not unreserved
        for (const [, hex] of result.path.matchAll(/%(..)/g)) {
          expect(hex).toMatch(/^[0-9A-F]{2}$/);
          expect(String.fromCharCode(parseInt(hex as string, 16))).not.toMatch(
            /^[A-Za-z0-9\-._~]$/,
          );
        }
      }),
      fuzzParams(2000),
    );
  });

  it('is idempotent: an accepted path normalises to itself', () => {
    fc.assert(
      fc.property(uri, (u) => {
        const first = normalisePath(u);
        if (!first.ok) return;
        expect(normalisePath(first.path)).toEqual(first);
      }),
      fuzzParams(2000),
    );
  });

  it('reads a path the same whatever query follows it', () => {
    fc.assert(
      fc.property(
        uri.filter((u) => !u.includes('?')),
        fc.string({ maxLength: 20 }),
        (u, query) => {
          expect(normalisePath(`${u}?${query}`)).toEqual(normalisePath(u));
        },
      ),
      fuzzParams(2000),
    );
  });

  it('refuses an accepted path once any trick is spliced in as a segment', () => {
    fc.assert(
      fc.property(
        fc.array(plainSegment, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.constantFrom(...TRICKS),
        (segments, at, trick) => {
          expect(normalisePath(`/${segments.join('/')}`).ok).toBe(true);
          const spliced = [...segments];
          spliced.splice(at % (segments.length + 1), 0, trick);
          expect(normalisePath(`/${spliced.join('/')}`).ok).toBe(false);
        },
      ),
      fuzzParams(2000),
    );
  });
});
