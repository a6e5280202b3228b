/**
 * The table of checked result texts: a text seen before answers the decision it answered the first
 * time (frozen, so no caller can change what the next one gets); a text that fails the checks is
 * never kept; the table never holds more than its limit.
 */
import { describe, expect, it } from 'vitest';
import { createResultTexts } from '../../src/engine/result-texts.js';

const decision = (org: string) => ({
  allow: true,
  reason: 'allowed',
  detail: null,
  status: 200,
  effective_org: org,
  role: 'editor',
  spoof: false,
});
const text = (org: string) => JSON.stringify([{ result: decision(org) }]);

describe('result texts', () => {
  it('answers a known text with the same frozen decision', () => {
    const texts = createResultTexts();
    const first = texts.check(text('acme'));
    expect(first).toEqual({ ok: true, decision: decision('acme') });
    expect(texts.check(text('acme'))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first.ok && Object.isFrozen(first.decision)).toBe(true);
    expect(texts.check(text('globex'))).toEqual({ ok: true, decision: decision('globex') });
  });

  it('checks a text that failed every time, and fails it every time', () => {
    const texts = createResultTexts();
    const bad = JSON.stringify([{ result: { ...decision('acme'), status: 403 } }]);
    const error = { ok: false, error: 'policy decision status 403 does not match reason allowed' };
    expect(texts.check(bad)).toEqual(error);
    expect(texts.check(bad)).toEqual(error);
    expect(texts.check('[]')).toEqual({ ok: false, error: 'policy decision is undefined' });
    expect(() => texts.check('[{"result":')).toThrow(SyntaxError);
  });

  it('starts over when full, and still answers correctly', () => {
    const texts = createResultTexts(2);
    const a = texts.check(text('a'));
    texts.check(text('b'));
    expect(texts.check(text('a'))).toBe(a);
    texts.check(text('c')); // full: emptied, then holds c
    const again = texts.check(text('a'));
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
  });
});
