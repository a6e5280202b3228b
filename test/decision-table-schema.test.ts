/** A decision table with a typo fails loudly, naming the file, the case and the key. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDecisionTables, parseDecisionTable } from './support/decision-table-schema.js';

const GOOD = `- name: a member reads
  as: { sub: alice }
  request: { org: acme, action: org.read }
  expect: { allow: true, reason: allowed }
`;

/** GOOD followed by one more case whose YAML is `body`. */
const withCase = (body: string) => `${GOOD}- name: the odd one\n${body}`;

describe('decision table schema', () => {
  it('accepts a well-formed table', () => {
    expect(parseDecisionTable('good.yaml', GOOD).cases).toHaveLength(1);
  });

  it.each([
    [
      'a misspelt mode',
      '  mode: singel\n  request: { action: org.read }\n  expect: { allow: false, reason: feature_disabled }\n',
      'mode',
    ],
    [
      'an unknown key',
      '  request: { action: org.read }\n  expct: { allow: false, reason: access_denied }\n',
      'expect',
    ],
    [
      'an unknown key in the request',
      '  request: { action: org.read, orgg: acme }\n  expect: { allow: false, reason: access_denied }\n',
      'orgg',
    ],
    [
      'an unknown decision field',
      '  request: { action: org.read }\n  expect: { allow: false, reason: access_denied, efective_org: null }\n',
      'efective_org',
    ],
    [
      'a reason the contract does not have',
      '  request: { action: org.read }\n  expect: { allow: false, reason: acces_denied }\n',
      'expect.reason',
    ],
    [
      'an unknown claim',
      '  as: { sub: alice, org: acme }\n  request: { action: org.read }\n  expect: { allow: true, reason: allowed }\n',
      'as',
    ],
    [
      'a broken policy that does not exist',
      '  policy: brokn\n  request: { action: org.read }\n  expect: { allow: false, reason: policy_error }\n',
      'policy',
    ],
  ])('refuses %s, naming the file and the case', (_what, body, key) => {
    const parse = () => parseDecisionTable('tenancy.yaml', withCase(body));
    expect(parse).toThrow(/tenancy\.yaml, case 2 "the odd one": /);
    expect(parse).toThrow(key);
  });

  it('refuses a table that is not a list of cases', () => {
    expect(() => parseDecisionTable('flat.yaml', 'name: x\n')).toThrow(
      'flat.yaml: a decision table is a YAML list of cases',
    );
  });

  it('reports the problems of every table in a folder at once', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-tables-'));
    try {
      writeFileSync(
        path.join(dir, 'a.yaml'),
        withCase(
          '  mode: singel\n  request: { action: org.read }\n  expect: { allow: false, reason: feature_disabled }\n',
        ),
      );
      writeFileSync(
        path.join(dir, 'b.yaml'),
        withCase('  request: { action: org.read }\n  expect: { allow: false, reason: nope }\n'),
      );
      expect(() => loadDecisionTables(dir)).toThrow(
        /a\.yaml, case 2 "the odd one": mode: [^]*b\.yaml, case 2 "the odd one": expect\.reason: /,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
