/**
 * Case files that do not validate fail before anything runs, naming the file, the case and the key
 * at fault — every problem of every file at once, so a reviewer fixes them in one pass.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  CaseFileError,
  loadCaseFiles,
  parseCaseFile,
} from '../../../src/evidence/case-files/index.js';
import { fuzzParams } from '../../support/fuzz.js';

const GOOD = `- name: a member reads
  as: { sub: alice }
  request: { org: acme, action: org.read }
  expect: { allow: true, reason: allowed }
`;

/** GOOD followed by one more case whose YAML is `body`. */
const withCase = (body: string) => `${GOOD}- name: the odd one\n${body}`;

/** The problems of `text` as case file `file` (none: it validated). */
function problemsOf(text: string, file = 'tenancy.yaml'): string[] {
  const parsed = parseCaseFile(file, text, os.tmpdir());
  return parsed.ok ? [] : parsed.problems;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-cases-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a case file that validates', () => {
  it('is a list of cases, or a mapping with cases, principals, a directory and a mode', () => {
    expect(problemsOf(GOOD)).toEqual([]);
    writeFileSync(path.join(dir, 'directory.yaml'), 'orgs: []\n');
    const mapping = `directory: directory.yaml
mode: single
principals:
  alice: { sub: alice }
cases:
  - name: alice reads
    as: alice
    request: { action: org.read }
    expect: { allow: true, reason: allowed }
`;
    const parsed = parseCaseFile('m.yaml', mapping, dir);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [c] = parsed.value.cases;
    expect(c?.claims).toEqual({ sub: 'alice' });
    expect(c?.mode).toBe('single');
    expect(c?.directory).toEqual({ kind: 'file', path: path.join(dir, 'directory.yaml') });
    expect(c?.line).toBe(6);
  });

  it('takes an inline directory, validated with the directory rules', () => {
    const inline = `directory:
  orgs:
    - { id: acme, status: active, members: [{ user: alice, role: owner }] }
cases:
  - name: alice reads
    as: { sub: alice }
    request: { org: acme, action: org.read }
    expect: { allow: true, reason: allowed }
`;
    expect(problemsOf(inline)).toEqual([]);
    const bad = inline.replace('role: owner', 'role: overlord');
    expect(problemsOf(bad)).toEqual([expect.stringMatching(/^tenancy\.yaml: directory: .*role/)]);
  });

  it('checks a directory fixture file with the directory rules, naming it', () => {
    writeFileSync(path.join(dir, 'dir.yaml'), 'orgs:\n  - { id: acme, status: frozen }\n');
    const parsed = parseCaseFile(
      't.yaml',
      `directory: dir.yaml\ncases:\n${GOOD.replace(/^/gm, '  ')}`,
      dir,
    );
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      expect.stringMatching(/^t\.yaml: directory: .*directory file dir\.yaml.*status/),
    ]);
  });
});

describe('a case file that does not validate', () => {
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
      'a principal the file does not name',
      '  as: bob\n  request: { action: org.read }\n  expect: { allow: true, reason: allowed }\n',
      'as: no principal named "bob"',
    ],
    [
      'an org source that does not exist',
      '  org_in: query\n  request: { action: org.read }\n  expect: { allow: true, reason: allowed }\n',
      'org_in',
    ],
    [
      'an org source without an org',
      '  org_in: header\n  request: { action: org.read }\n  expect: { allow: true, reason: allowed }\n',
      'org_in: says where request.org is named',
    ],
    [
      'a policy that does not exist',
      '  policy: brokn\n  request: { action: org.read }\n  expect: { allow: false, reason: policy_error }\n',
      'policy: brokn does not exist',
    ],
    [
      'a directory fixture that does not exist',
      '  directory: nowhere.yaml\n  request: { action: org.read }\n  expect: { allow: true, reason: allowed }\n',
      'directory: nowhere.yaml does not exist',
    ],
  ])('refuses %s, naming the file, the case and the key', (_what, body, key) => {
    const problems = problemsOf(withCase(body));
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p).toMatch(/^tenancy\.yaml, case 2 "the odd one": /);
    expect(problems.join('\n')).toContain(key);
  });

  it('lists every problem of a file, not only the first', () => {
    const text = `${GOOD}- name: two\n  request: { action: 1 }\n  expect: { allow: yes, reason: allowed }\n- request: {}\n  expect: {}\n`;
    const problems = problemsOf(text);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tenancy\.yaml, case 2 "two": request\.action: /),
        expect.stringMatching(/^tenancy\.yaml, case 2 "two": expect\.allow: /),
        expect.stringMatching(/^tenancy\.yaml, case 3: name: /),
        expect.stringMatching(/^tenancy\.yaml, case 3: expect\.reason: /),
      ]),
    );
  });

  it.each([
    ['not a list or mapping', 'just text\n', 'a case file is a mapping with "cases"'],
    ['a mapping without cases', 'mode: single\n', 'cases'],
    ['an unknown file key', `direktory: x.yaml\ncases:\n${GOOD.replace(/^/gm, '  ')}`, 'direktory'],
    ['YAML that does not parse', '- name: [unclosed\n', 'not valid YAML'],
    ['a key given twice', 'cases: []\ncases: []\n', 'not valid YAML'],
    ['an alias', `- &a { name: x }\n- *a\n`, 'aliases are not allowed'],
  ])('refuses %s, naming the file', (_what, text, message) => {
    const problems = problemsOf(text, 'flat.yaml');
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p).toMatch(/^flat\.yaml: /);
    expect(problems.join('\n')).toContain(message);
  });

  it('reports the problems of every file under the paths at once, folders searched recursively', () => {
    mkdirSync(path.join(dir, 'nested'));
    writeFileSync(
      path.join(dir, 'a.yaml'),
      withCase(
        '  mode: singel\n  request: { action: org.read }\n  expect: { allow: false, reason: feature_disabled }\n',
      ),
    );
    writeFileSync(
      path.join(dir, 'nested', 'b.yml'),
      withCase('  request: { action: org.read }\n  expect: { allow: false, reason: nope }\n'),
    );
    writeFileSync(path.join(dir, 'notes.txt'), 'not a case file');
    let error: unknown;
    try {
      loadCaseFiles([dir, path.join(dir, 'missing.yaml')]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CaseFileError);
    const problems = (error as CaseFileError).problems;
    expect(problems).toEqual([`${path.join(dir, 'missing.yaml')}: no such file or folder`]);
    try {
      loadCaseFiles([dir]);
    } catch (err) {
      error = err;
    }
    expect((error as CaseFileError).problems).toEqual([
      expect.stringMatching(/a\.yaml, case 2 "the odd one": mode: /),
      expect.stringMatching(/nested\/b\.yml, case 2 "the odd one": expect\.reason: /),
    ]);
  });
});

describe('parsing any document', () => {
  it('never throws: it validates, or names the file in every problem', () => {
    const anyValue = fc.anything({ maxDepth: 4, withNullPrototype: false });
    fc.assert(
      fc.property(fc.oneof(anyValue, fc.array(anyValue)), fc.boolean(), (value, asText) => {
        const text = asText ? String(value) : ((stringify(value) as string | undefined) ?? '');
        const parsed = parseCaseFile('fuzz.yaml', text, os.tmpdir());
        if (!parsed.ok)
          for (const p of parsed.problems) expect(p.startsWith('fuzz.yaml')).toBe(true);
      }),
      fuzzParams(200),
    );
  });
});
