/**
 * The canonical JSON OPA hashes structured bundle files over (see src/bundle/canonical-json.ts).
 * Interop with OPA itself is tested in test/policy-rollout/signature.test.ts; these pin the rules one by one.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/bundle/canonical-json.js';

describe('canonical JSON', () => {
  it('sorts keys by bytes at every level and drops whitespace', () => {
    expect(
      canonicalJson(' { "b" : [ { "d":1, "c":2 } ], "a" : {}, "Z": [] , "é": 0, "e": 0 } '),
    ).toBe('{"Z":[],"a":{},"b":[{"c":2,"d":1}],"e":0,"é":0}');
  });

  it('keeps number literals as written (Go json.Number), including precision JavaScript would lose', () => {
    expect(canonicalJson('[1.0, 1e3, 1E-2, -0, 0.10, 12345678901234567890]')).toBe(
      '[1.0,1e3,1E-2,-0,0.10,12345678901234567890]',
    );
  });

  it('encodes strings as Go does without HTML escaping: <>& raw, U+2028/2029 escaped, short escapes for control characters', () => {
    expect(canonicalJson('"\\u003ca\\u0026b\\u003e \\/ \\u00e9 😀"')).toBe('"<a&b> / é 😀"');
    expect(canonicalJson('"\\u2028\\u2029"')).toBe('"\\u2028\\u2029"');
    expect(canonicalJson('"\\b\\f\\n\\r\\t\\u0001\\u001f\\"\\\\"')).toBe(
      '"\\b\\f\\n\\r\\t\\u0001\\u001f\\"\\\\"',
    );
  });

  it('turns a lone surrogate into U+FFFD and keeps the last of repeated keys, as Go does', () => {
    expect(canonicalJson('"\\ud800x"')).toBe('"\ufffdx"');
    expect(canonicalJson('{"a":1,"a":2}')).toBe('{"a":2}');
  });

  it('refuses anything that is not exactly one JSON value', () => {
    for (const text of [
      '',
      '{',
      '{"a":1,}',
      '[1,]',
      '01',
      '1.',
      "{'a':1}",
      '{"a":1} {}',
      'nul',
      '"\u0001"',
      'NaN',
      '\ufeff{}',
    ]) {
      expect(() => canonicalJson(text), text).toThrow(SyntaxError);
    }
  });
});
