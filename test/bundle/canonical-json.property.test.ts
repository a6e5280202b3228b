/**
 * Properties of the hand-written canonical JSON (src/bundle/canonical-json.ts), over generated
 * documents: it is the same value, in one spelling only (whatever the layout and key order), it is
 * a fixed point, and it accepts exactly the texts JSON.parse accepts. The rules one by one are in
 * canonical-json.test.ts; interop with OPA is in test/policy-rollout/signature.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/bundle/canonical-json.js';
import { jsonLayout } from '../support/arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';

/** Documents with any well-formed Unicode in keys and strings (JSON.stringify spells numbers as Go would keep them). */
const document = fc.jsonValue({ maxDepth: 4, stringUnit: 'grapheme' });

/** Texts near JSON: tokens, escapes, digits and stray characters, so many parse and many do not. */
const nearJson = fc
  .array(
    fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '"a"',
      '"\\u00e9"',
      '"\\ud800"',
      '\\',
      '0',
      '1',
      '-',
      '.',
      'e',
      '+',
      'true',
      'null',
      ' ',
      '\n',
      '\u0001',
      'x',
    ),
    { maxLength: 16 },
  )
  .map((tokens) => tokens.join(''));

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/**
 * Whether every object's keys are in UTF-8 byte order. Read back through JSON.parse, so keys that
 * are array indices ("0", "12") are left out: a JavaScript object lists those first, by value.
 */
function keysSorted(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(keysSorted);
  if (value === null || typeof value !== 'object') return true;
  const keys = Object.keys(value).filter((key) => !/^(0|[1-9]\d*)$/.test(key));
  return (
    keys.every(
      (key, i) => i === 0 || Buffer.compare(Buffer.from(keys[i - 1]!), Buffer.from(key)) < 0,
    ) && Object.values(value).every(keysSorted)
  );
}

describe('canonical JSON, generated', () => {
  it('is the same value as the text it was given', () => {
    fc.assert(
      fc.property(document, jsonLayout, (value, layout) => {
        expect(JSON.parse(canonicalJson(layout(value)))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      fuzzParams(500),
    );
  });

  it('is one spelling per value: every layout and key order gives the same text, keys sorted, no whitespace', () => {
    fc.assert(
      fc.property(document, jsonLayout, jsonLayout, (value, one, other) => {
        const canonical = canonicalJson(one(value));
        expect(canonicalJson(other(value))).toBe(canonical);
        // no whitespace outside strings (JSON.stringify spells strings as Go does, but for U+2028/2029, which Go escapes)
        expect(canonical).toBe(
          JSON.stringify(JSON.parse(canonical))
            .replace(/\u2028/g, '\\u2028')
            .replace(/\u2029/g, '\\u2029'),
        );
        expect(keysSorted(JSON.parse(canonical))).toBe(true);
      }),
      fuzzParams(500),
    );
  });

  it('is a fixed point', () => {
    fc.assert(
      fc.property(document, jsonLayout, (value, layout) => {
        const once = canonicalJson(layout(value));
        expect(canonicalJson(once)).toBe(once);
      }),
      fuzzParams(500),
    );
  });

  it('accepts exactly the texts JSON.parse accepts, and refuses the others with a SyntaxError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          nearJson,
          document.map((value) => JSON.stringify(value)),
        ),
        (text) => {
          let outcome: 'accepted' | 'refused';
          try {
            canonicalJson(text);
            outcome = 'accepted';
          } catch (err) {
            expect(err).toBeInstanceOf(SyntaxError);
            outcome = 'refused';
          }
          expect(outcome, JSON.stringify(text)).toBe(isJson(text) ? 'accepted' : 'refused');
        },
      ),
      fuzzParams(2000),
    );
  });
});
