/**
 * `orgwarden test` as a reviewer runs it (the command's entry, in process): the example case file
 * passes, a failing case shows where it is and what it expected against what it got, `--format
 * junit` writes well-formed JUnit XML, and the exit codes are 0 all passed, 1 a case failed, 2 bad
 * usage or a case file that does not validate.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { test as orgwardenTest } from '../../src/cli/test.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { elementsNamed, parseXml } from '../support/xml.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-test-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DIRECTORY = path.resolve('examples', 'directory.yaml');

/** Writes a case file into the scratch folder; returns its path. */
function caseFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await orgwardenTest(argv, {
    out: (text) => (out += text),
    err: (line) => (err += `${line}\n`),
    env: {},
  });
  return { code, out, err };
}

const PASSING = `directory: ${DIRECTORY}
cases:
  - name: an owner reads her org
    as: { sub: alice }
    request: { org: acme, action: org.read }
    expect: { allow: true, reason: allowed, role: owner }
`;
const HOSTILE = 'a <script>&"\'\u0001 name';
const FAILING = `${PASSING}  - name: ${JSON.stringify(HOSTILE)}
    as: { sub: frank }
    request: { org: acme, action: org.read }
    expect: { allow: true, reason: allowed }
`;

describe('orgwarden test', () => {
  it('passes the example case file under examples/ with the prebuilt default policy', async () => {
    const { code, out, err } = await run('examples/cases');
    expect(err).toBe('');
    expect(out).toMatch(/^policy: the prebuilt default policy \(sha256:[0-9a-f]{64}\)$/m);
    expect(out).toMatch(/^PASS examples\/cases\/acme-members\.yaml \(9 cases\)$/m);
    expect(out).toMatch(/^9 cases in 1 file: 9 passed, 0 failed$/m);
    expect(code).toBe(0);
  });

  it('is the example docs/reviewing.md shows, word for word', () => {
    const doc = readFileSync(path.resolve('docs', 'reviewing.md'), 'utf8');
    const block = /### An example\n[^]*?```yaml\n([^]*?)```/.exec(doc)?.[1];
    expect(block).toBe(readFileSync(path.resolve('examples/cases/acme-members.yaml'), 'utf8'));
  });

  it('shows a failing case by name and place, with expected against got, and exits 1', async () => {
    const file = caseFile('failing.yaml', FAILING);
    const { code, out } = await run(file, '--policy', TEST_BUNDLE);
    expect(out).toContain(`FAIL ${file} (2 cases, 1 failed)`);
    expect(out).toContain(`✗ ${HOSTILE}\n    at ${file}:7 (case 2)\n`);
    expect(out).toContain('    allow: expected true, got false\n');
    expect(out).toContain('    reason: expected "allowed", got "access_denied"\n');
    expect(out).toContain('"detail":"not_member"');
    expect(out).toMatch(/^2 cases in 1 file: 1 passed, 1 failed$/m);
    expect(code).toBe(1);
  });

  it('reads XML strictly (so a report that parses is well-formed)', () => {
    for (const bad of ['<a><b></a>', '<a>&</a>', '<a x=1/>', '<a/><b/>', '<a>\u0001</a>'])
      expect(() => parseXml(bad)).toThrow(/^xml: /);
    expect(parseXml('<a x="&lt;&#10;"><b/>t&amp;</a>')).toMatchObject({
      attrs: { x: '<\n' },
      text: 't&',
    });
  });

  it('writes JUnit XML that parses, one testcase per case, the failure with expected and got', async () => {
    const file = caseFile('junit.yaml', FAILING);
    const { code, out, err } = await run('--format', 'junit', file, '--policy', TEST_BUNDLE);
    expect(code).toBe(1);
    expect(err).toContain(`FAIL ${file}`); // progress stays off stdout
    const root = parseXml(out);
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '2', failures: '1', errors: '0' });
    const [suite] = elementsNamed(root, 'testsuite');
    expect(suite?.attrs).toMatchObject({ name: file, tests: '2', failures: '1' });
    const cases = elementsNamed(root, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual([
      'an owner reads her org',
      HOSTILE.replace('\u0001', '\uFFFD'),
    ]);
    expect(cases[0]?.children).toEqual([]);
    const [failure] = elementsNamed(root, 'failure');
    expect(failure?.attrs.message).toBe('allow: expected true, got false');
    expect(failure?.text).toContain('reason: expected "allowed", got "access_denied"');
    expect(failure?.text).toContain(`at ${file}:7 (case 2)`);
  });

  it('refuses case files that do not validate, listing every problem, and exits 2', async () => {
    const a = caseFile('bad-a.yaml', PASSING.replace('reason: allowed', 'reason: alowed'));
    const b = caseFile('bad-b.yaml', PASSING.replace('as: {', 'az: {'));
    const { code, out, err } = await run(a, b);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`${a}, case 1 "an owner reads her org": expect.reason: `);
    expect(err).toContain(`${b}, case 1 "an owner reads her org": (case): `);
    expect(err).toContain('az');
  });

  it.each([
    ['an unknown option', ['examples/cases', '--fromat', 'junit'], 'unknown option --fromat'],
    ['an unknown format', ['examples/cases', '--format', 'xml'], '--format must be text or junit'],
    ['a path that does not exist', ['no/such/cases'], 'no/such/cases: no such file or folder'],
    ['a policy that does not exist', ['examples/cases', '--policy', 'no-such.tar.gz'], 'no-such'],
  ])('exits 2 on %s', async (_what, argv, message) => {
    const { code, err } = await run(...argv);
    expect(err).toContain(message);
    expect(code).toBe(2);
  });

  it('takes the directory and the org header name from --config for files that name none', async () => {
    const file = caseFile(
      'no-directory.yaml',
      `cases:
  - name: the org header of the config names acme
    as: { sub: erin }
    request: { headers: { X-Tenant: acme }, action: org.read }
    expect: { allow: false, reason: access_denied, detail: not_member, spoof: true }
`,
    );
    const without = await run(file, '--policy', TEST_BUNDLE);
    expect(without.err).toContain(`${file}: directory: none given`);
    expect(without.code).toBe(2);
    const config = caseFile(
      'orgwarden.yaml',
      `tenancy: { multi_tenant: true, org_header: X-Tenant }
auth: { issuer: https://auth.example.test, audience: orgwarden, algorithms: [HS256], hs256_secret_env: UNSET_SECRET }
directory: { file: ${DIRECTORY} }
policy: { bundle: ${TEST_BUNDLE} }
`,
    );
    const withConfig = await run(file, '--config', config);
    expect(withConfig.out).toMatch(/1 passed, 0 failed/);
    expect(withConfig.code).toBe(0);
  });

  it('prints its help with --help and exits 0', async () => {
    const { code, out } = await run('--help');
    expect(out).toContain('Usage: orgwarden test [PATHS...]');
    expect(code).toBe(0);
  });
});
