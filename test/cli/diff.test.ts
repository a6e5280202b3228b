/**
 * `orgwarden diff` as a reviewer runs it (the built command, a real process): a decision log
 * recorded by a real orgwarden (file sink) is replayed against the active policy and a candidate
 * that changes one rule (compiled with the pinned OPA): the decisions that change are printed by
 * action and reason with examples, and the exit code says whether every allow↔deny change was
 * expected. Integration tier: needs the pinned OPA (test/tiers.ts).
 */
import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  apiToken,
  FIXTURE_DIRECTORY,
  postJson,
  session,
  startTestApp,
  testConfigDoc,
  TEST_BUNDLE,
} from '../support/app.js';
import { createCommandRunner } from '../support/command.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';
import {
  candidatePolicies,
  POLICIES,
  scratch,
  STRICTER_ROLES,
  type Scratch,
} from '../policy-rollout/helpers.js';

const orgwarden = createCommandRunner({
  env: { [TEST_SECRET_ENV]: TEST_SECRET, ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789' },
});

let dir: Scratch;
let log: string;
let directory: string;
let stricter: string;
const tokens: string[] = [];

/** The traffic the log records: allows and denies, sessions and API tokens, a refused token. */
async function recordTraffic(url: string, write: () => Promise<unknown>): Promise<void> {
  const ask = async (token: string, org: string, action: string, extra: object = {}) => {
    tokens.push(token);
    const res = await postJson(`${url}/v1/authorize`, { token, org, action, ...extra });
    expect(res.status).toBe(200);
  };
  await ask(await session('alice'), 'acme', 'org.delete'); // owner: allowed
  await ask(await session('bob'), 'acme', 'org.update'); // admin: allowed
  await ask(await session('bob'), 'acme', 'org.members.invite');
  await ask(await session('carol'), 'acme', 'resource.write', {
    resource: { type: 'node', id: 'n1' },
  });
  await ask(await session('carol'), 'acme', 'org.update'); // editor: insufficient_role
  await ask(await session('dave'), 'acme', 'resource.read'); // viewer (legacy member): allowed
  await ask(await session('vera'), 'globex', 'resource.read'); // not a member
  await write();
  await ask(await session('erin'), 'acme', 'resource.read', {
    resource: { type: 'node', id: 'n1', org: 'acme' },
    context: { note: 'x', session_token: 'never-logged-secret' },
  });
  await ask(
    await apiToken('tok-1', { scope: 'monitoring:read', org_id: 'acme' }),
    'acme',
    'resource.read',
  );
  await ask(
    await session('alice', { exp: Math.floor(Date.now() / 1000) - 3600 }),
    'acme',
    'org.read',
  );
}

beforeAll(async () => {
  dir = scratch();
  log = dir.path('decisions.jsonl');
  directory = dir.path('directory.yaml');
  copyFileSync(FIXTURE_DIRECTORY, directory);
  const { app, url } = await startTestApp({
    directoryFile: directory,
    extra: { decision_log: { sink: 'file', file: log } },
  });
  try {
    await recordTraffic(url, () => app.directory.putMember('globex', 'zoe', 'viewer'));
  } finally {
    await app.stop();
  }
  stricter = candidatePolicies(dir, 'stricter', STRICTER_ROLES);
}, 120_000);

afterAll(() => {
  orgwarden.killAll();
  dir.remove();
});

interface LoggedEntry {
  action: string;
  directory_revision: number | null;
  request: Record<string, unknown> | null;
}

const diff = (...args: string[]) =>
  orgwarden.run(['diff', '--log', log, '--directory', directory, ...args]);

function writeExpect(name: string, changes: unknown): string {
  return dir.write(name, stringify(changes));
}

describe('the recorded log', () => {
  it('holds each decision request and the directory revision, never a token or a secret value', () => {
    const entries = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LoggedEntry);
    expect(entries).toHaveLength(10);
    for (const entry of entries)
      expect(entry.request).toMatchObject({ kind: 'request', action: entry.action });
    // the file directory's revision: 0 before the write, 1 after; none read without a principal
    expect(entries.map((e) => e.directory_revision)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, null]);
    const text = readFileSync(log, 'utf8');
    for (const token of tokens) expect(text).not.toContain(token);
    expect(text).not.toContain('never-logged-secret');
    expect(entries.at(-1)?.request).toMatchObject({
      principal: null,
      authn_failure: 'token_expired',
    });
  });
});

describe('orgwarden diff', () => {
  it('prints what a stricter role rule denies, grouped, with examples, and exits 1 when nothing is expected', async () => {
    const { code, stdout, stderr } = await diff('--candidate', stricter);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toContain('10 decisions replayed');
    expect(stdout).toMatch(
      /allow→deny {2}org\.update {2}allowed → insufficient_role {2}×1 {2}NOT EXPECTED/,
    );
    expect(stdout).toMatch(/allow→deny {2}resource\.read {2}allowed → insufficient_role {2}×1/);
    expect(stdout).toContain('line 2: session "bob" in "acme"');
    // decisions that stay the same are not listed
    expect(stdout).not.toMatch(/ globex|"vera"|token_expired/);
    expect(stdout).toMatch(/\d+ allow↔deny changes? (is|are) not listed in --expect/);
  }, 60_000);

  it('exits 0 when --expect lists every allow↔deny change, and 1 naming the ones it leaves out', async () => {
    const all = writeExpect('all.yaml', [
      { action: '*', from: 'allowed', to: '*', why: 'roles must now exceed the minimum' },
    ]);
    const every = await diff('--candidate', stricter, '--expect', all);
    expect(every.code).toBe(0);
    expect(every.stdout).toContain('expected');
    expect(every.stdout).not.toContain('NOT EXPECTED');

    const one = writeExpect('one.yaml', [
      { action: 'org.update', from: 'allowed', to: 'insufficient_role' },
    ]);
    const partly = await diff('--candidate', stricter, '--expect', one);
    expect(partly.code).toBe(1);
    expect(partly.stdout).toMatch(/org\.update {2}allowed → insufficient_role {2}×1 {2}expected/);
    expect(partly.stdout).toMatch(
      /resource\.read {2}allowed → insufficient_role {2}×1 {2}NOT EXPECTED/,
    );
  }, 60_000);

  it('passes with the --expect example of docs/reviewing.md', async () => {
    const doc = readFileSync(path.resolve('docs', 'reviewing.md'), 'utf8');
    const example = /### The `--expect` file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const file = dir.write('documented.yaml', example ?? '');
    const { code, stdout } = await diff('--candidate', stricter, '--expect', file);
    expect(stdout).toContain('5 decisions change');
    expect(code).toBe(0);
  }, 60_000);

  it('finds no change when the candidate is the active policy, from a config, with a bundle candidate', async () => {
    const config = dir.write(
      'orgwarden.yaml',
      stringify({ ...testConfigDoc({ directoryFile: directory }) }),
    );
    const same = await orgwarden.run([
      'diff',
      '--config',
      config,
      '--log',
      log,
      '--candidate',
      TEST_BUNDLE,
    ]);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('no decision changes');
    const folder = await diff('--candidate', POLICIES);
    expect(folder.code).toBe(0);
    expect(folder.stdout).toContain('no decision changes');
  }, 60_000);

  it('says how far it is on a long log', async () => {
    const lines = readFileSync(log, 'utf8');
    const long = dir.write('long.jsonl', lines.repeat(210)); // 2100 lines
    const { code, stdout, stderr } = await orgwarden.run([
      'diff',
      '--log',
      long,
      '--directory',
      directory,
      '--candidate',
      stricter,
      '--examples',
      '1',
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('orgwarden diff: 1000 lines replayed');
    expect(stderr).toContain('orgwarden diff: 2000 lines replayed');
    expect(stdout).toContain('2100 decisions replayed');
    expect(stdout).toMatch(/org\.update {2}allowed → insufficient_role {2}×210/);
  }, 120_000);

  it('exits 2 naming the line of a log line that is no entry, a bad expect file, a missing flag', async () => {
    const broken = dir.write('broken.jsonl', readFileSync(log, 'utf8'));
    appendFileSync(broken, '{"decision_id": "x"}\n');
    const bad = await orgwarden.run([
      'diff',
      '--log',
      broken,
      '--directory',
      directory,
      '--candidate',
      POLICIES,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${broken}:11: not a decision log entry`);

    writeFileSync(dir.path('garbage.jsonl'), 'not json\n');
    const garbage = await orgwarden.run([
      'diff',
      '--log',
      dir.path('garbage.jsonl'),
      '--directory',
      directory,
      '--candidate',
      POLICIES,
    ]);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain('garbage.jsonl:1: not JSON');

    const typo = writeExpect('typo.yaml', [{ action: '*', from: 'allowd', to: '*' }]);
    const expectBad = await diff('--candidate', POLICIES, '--expect', typo);
    expect(expectBad.code).toBe(2);
    expect(expectBad.stderr).toContain('must be a reason code of the vocabulary');

    const missing = await orgwarden.run(['diff', '--log', log]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('diff needs --candidate');
  }, 60_000);
});
