/**
 * The org id grammar is written once in TypeScript (src/contract/ids.ts) and once in the policy,
 * as a character list and a length (policies/orgwarden/authz/input.rego). They must agree.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ORG_ID_GRAMMAR_TEXT, ORG_ID_PATTERN, describeIdProblem } from '../../src/contract/ids.js';

const rego = readFileSync('policies/orgwarden/authz/input.rego', 'utf8');
const chars = /^org_id_chars := "([^"]+)"$/m.exec(rego)?.[1] ?? '';
const maxLength = Number(/^\tcount\(id\) <= (\d+)$/m.exec(rego)?.[1]);

describe('the org id grammar', () => {
  it('accepts exactly the characters the policy strips, one by one', () => {
    expect(chars).not.toBe('');
    for (let code = 0; code < 0x250; code += 1) {
      const c = String.fromCodePoint(code);
      expect(ORG_ID_PATTERN.test(`a${c}`), JSON.stringify(c)).toBe(chars.includes(c));
    }
  });

  it("has the policy's length limit", () => {
    expect(maxLength).toBeGreaterThan(0);
    expect(ORG_ID_PATTERN.test('a'.repeat(maxLength))).toBe(true);
    expect(ORG_ID_PATTERN.test('a'.repeat(maxLength + 1))).toBe(false);
  });

  it('is described in words and as a pattern from the one definition', () => {
    expect(ORG_ID_GRAMMAR_TEXT).toBe(`1-${maxLength} characters from A-Z a-z 0-9 . _ -`);
    expect(describeIdProblem('org', 'outside_org_id_grammar')).toBe(
      `org must match ${ORG_ID_PATTERN.source}`,
    );
  });
});
