/**
 * `orgwarden check` as a reviewer runs it (a real process from dist/): --explain's table, a
 * principal with headers (a spoof through a header), --directory and --policy overrides, a file of
 * many requests (JSON array, JSON Lines), and offline answers without a decision id.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { testConfigDoc } from '../support/app.js';
import { createCommandRunner } from '../support/command.js';
import { FIXTURE_DIRECTORY } from '../support/paths.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';

const orgwarden = createCommandRunner({
  env: { [TEST_SECRET_ENV]: TEST_SECRET, ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789' },
});
afterEach(() => orgwarden.killAll());

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'orgwarden-check-'));
function write(name: string, text: string): string {
  const file = path.join(tmp(), name);
  writeFileSync(file, text);
  return file;
}
const config = () => write('orgwarden.yaml', stringify(testConfigDoc()));
const check = (args: string[]) => orgwarden.run(['check', '--config', config(), ...args]);

describe('orgwarden check', () => {
  it('--explain prints the checks as a table, the failed one with its reason and facts', async () => {
    const input = write(
      'spoof.json',
      JSON.stringify({
        principal: { id: 'tok-1', kind: 'api_token', scopes: ['*'], org_ids: ['acme'] },
        headers: { 'x-org-id': 'globex' },
        action: 'org.read',
      }),
    );
    const { code, stdout } = await check(['--input', input, '--explain']);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('DENY access_denied (token_org_mismatch)');
    expect(lines[1]).toMatch(/^ {2}check +passed +reason \/ detail +facts$/);
    expect(lines).toHaveLength(14);
    const row = (check: string) => lines.find((l) => l.trimStart().startsWith(`${check} `));
    expect(row('authenticate')).toMatch(/ pass .*principal_kind="api_token"/);
    expect(row('binding_membership'), stdout).toMatch(
      / FAIL +access_denied \/ token_org_mismatch +bound_orgs=\["acme"\] member_role=null principal_kind="api_token"$/,
    );
    expect(row('action_specifics')).toMatch(/ - *$/);
  });

  it('a principal with headers: the org the header names is a spoof attempt by that principal', async () => {
    const input = write(
      'spoof.json',
      JSON.stringify({
        principal: { id: 'mallory' },
        headers: { 'X-Org-Id': 'acme' },
        action: 'org.read',
      }),
    );
    const { code, stdout } = await check(['--input', input]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      decision_id: null,
      allow: false,
      reason: 'access_denied',
      detail: 'not_member',
      spoof: true,
      principal: { id: 'mallory', kind: 'session' },
    });
  });

  it('refuses a principal with an authorization header: who asks is said one way', async () => {
    const input = write(
      'both.json',
      JSON.stringify({
        principal: { id: 'bob' },
        headers: { authorization: 'Bearer x' },
        action: 'org.read',
      }),
    );
    const { code, stderr } = await check(['--input', input]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      `orgwarden: ${input}: input.headers: authorization cannot come with principal (say who asks one way)`,
    );
  });

  it('a JSON array and JSON Lines: one answer per request, in order; exit 1 when any is denied', async () => {
    const docs = [
      { principal: { id: 'alice' }, org: 'acme', action: 'org.delete' },
      { principal: { id: 'bob' }, org: 'acme', action: 'org.delete' },
    ];
    for (const input of [
      write('many.json', JSON.stringify(docs)),
      write('many.jsonl', `${docs.map((d) => JSON.stringify(d)).join('\n')}\n\n`),
    ]) {
      const { code, stdout } = await check(['--input', input]);
      expect(code).toBe(1);
      const answers = stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(answers.map((a) => [a.allow, a.reason, a.decision_id])).toEqual([
        [true, 'allowed', null],
        [false, 'insufficient_role', null],
      ]);
    }
    const allowed = write('ok.jsonl', JSON.stringify(docs[0]));
    expect((await check(['--input', allowed])).code).toBe(0);
  });

  it('names the item or line of a bad request and evaluates none', async () => {
    const array = write(
      'bad.json',
      JSON.stringify([{ principal: { id: 'a' }, action: 'org.read' }, { principal: { id: 'b' } }]),
    );
    const fromArray = await check(['--input', array]);
    expect(fromArray.code).toBe(2);
    expect(fromArray.stderr.trim()).toBe(`orgwarden: ${array}: item 1: action: must be a string`);
    expect(fromArray.stdout).toBe('');
    const lines = write('bad.jsonl', '{"principal":{"id":"a"},"action":"org.read"}\n{oops\n');
    const fromLines = await check(['--input', lines]);
    expect(fromLines.code).toBe(2);
    expect(fromLines.stderr.trim()).toBe(`orgwarden: ${lines}: line 2: not valid JSON`);
  });

  it('--directory reads another directory file: a member there is allowed', async () => {
    const input = write(
      'q.json',
      JSON.stringify({ principal: { id: 'zoe' }, org: 'acme', action: 'org.read' }),
    );
    expect((await check(['--input', input])).code).toBe(1);
    const directory = write(
      'directory.yaml',
      readFileSync(FIXTURE_DIRECTORY, 'utf8').replace(
        '      - { user: alice, role: owner }',
        '      - { user: alice, role: owner }\n      - { user: zoe, role: viewer }',
      ),
    );
    const { code, stdout } = await check(['--input', input, '--directory', directory]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ allow: true, role: 'viewer' });
    const missing = await check(['--input', input, '--directory', path.join(tmp(), 'none.yaml')]);
    expect(missing.code).toBe(2);
  });

  it('--policy compiles a candidate folder with the pinned OPA and answers with it', async () => {
    const candidate = path.join(tmp(), 'policies');
    cpSync('policies', candidate, { recursive: true });
    // the candidate raises org.read to editor
    const data = path.join(candidate, 'orgwarden', 'catalogue', 'data.json');
    const catalogue = JSON.parse(readFileSync(data, 'utf8')) as {
      actions: Record<string, { min_role: string | null }>;
    };
    catalogue.actions['org.read']!.min_role = 'editor';
    writeFileSync(data, JSON.stringify(catalogue));
    const input = write(
      'q.json',
      JSON.stringify({ principal: { id: 'vera' }, org: 'acme', action: 'org.read' }),
    );
    expect((await check(['--input', input])).code).toBe(0);
    const { code, stdout } = await check(['--input', input, '--policy', candidate, '--explain']);
    expect(code).toBe(1);
    expect(stdout).toContain('DENY insufficient_role (editor)');
    expect(stdout).toMatch(
      /role +FAIL +insufficient_role \/ editor +member_role="viewer" required_role="editor"$/m,
    );
  });

  it("docs/reviewing.md's example runs as written and prints the table shown", async () => {
    const doc = readFileSync(path.join('docs', 'reviewing.md'), 'utf8');
    const block = (lang: string) => new RegExp(`\`\`\`${lang}\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
    const input = write('spoof.json', block('json') ?? '');
    const { code, stdout } = await check(['--input', input, '--explain']);
    expect(code).toBe(1);
    expect(stdout).toBe(block('text'));
  });

  it('--help documents every option and the null decision id', async () => {
    const { code, stdout } = await orgwarden.run(['check', '--help']);
    expect(code).toBe(0);
    for (const text of [
      '--explain',
      '--directory FILE',
      '--policy',
      'JSON Lines',
      'decision_id is null',
      '"headers"',
    ])
      expect(stdout).toContain(text);
  });
});
