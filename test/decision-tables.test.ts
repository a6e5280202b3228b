/**
 * Decision tables (test/decision-tables/*.yaml) replayed through the decision core with the real
 * compiled WASM policy, real HS256 tokens and the file directory fixture. Every case asserts the
 * decision fields it names, and that `status` is the contract's status for its reason. A final
 * test keeps the tables honest: every reason code twice, every catalogue action, both modes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createAuthenticator } from '../src/authn/index.js';
import { createAuthorizer, type Authorizer } from '../src/authz/authorizer.js';
import { REASON_STATUS } from '../src/authz/reasons.js';
import { createLocalTenancySwitch } from '../src/authz/tenancy-switch.js';
import { parseConfig } from '../src/config/load.js';
import { createFileStore } from '../src/directory/index.js';
import { DirectoryUnavailableError, type DirectoryReader } from '../src/directory/types.js';
import { createActivePolicy } from '../src/engine/active-policy.js';
import { compilePolicyDir } from '../src/bundle/opa-cli.js';
import { loadPolicyBundle, parseBundle } from '../src/bundle/policy-bundle.js';
import { createPolicyEngine, type PolicyEngine } from '../src/engine/wasm-engine.js';
import { testConfigDoc } from './support/app.js';
import { FIXTURE_DIRECTORY, TEST_BUNDLE } from './support/paths.js';
import { TEST_SECRET, TEST_SECRET_ENV, createTestKeys, mintHs256, type TestKeys } from './support/tokens.js';

interface Case {
  name: string;
  mode?: 'multi' | 'single';
  as?: Record<string, unknown> & { sub: string; auth_age_s?: number };
  token?: 'none' | 'garbage' | 'expired' | 'wrong_audience' | 'wrong_signature';
  via?: 'headers';
  directory?: 'unavailable';
  /** The signing keys cannot be fetched: a JWKS URL on a loopback port nothing listens on. */
  keys?: 'unavailable';
  policy?: 'malformed' | 'undefined' | 'conflict';
  request: { org?: string; action: string; resource?: unknown; context?: Record<string, string>; headers?: Record<string, string> };
  expect: Record<string, unknown> & { allow: boolean; reason: keyof typeof REASON_STATUS };
}

const TABLES = path.resolve('test', 'decision-tables');
const tables = readdirSync(TABLES)
  .filter((f) => f.endsWith('.yaml'))
  .map((file) => ({ file, cases: parse(readFileSync(path.join(TABLES, file), 'utf8')) as Case[] }));

const NOW = Date.now();
const engines: Record<string, PolicyEngine> = {};
let file: DirectoryReader;
let authenticator: Awaited<ReturnType<typeof createAuthenticator>>;
let keysDown: { authenticator: Awaited<ReturnType<typeof createAuthenticator>>; keys: TestKeys };
const unavailable: DirectoryReader = {
  getOrg: () => Promise.reject(new DirectoryUnavailableError('store cannot answer')),
  listOrgsForUser: () => Promise.reject(new DirectoryUnavailableError('store cannot answer')),
};

beforeAll(async () => {
  engines.default = await createPolicyEngine(await loadPolicyBundle({ bundle: TEST_BUNDLE }));
  for (const name of ['malformed', 'undefined', 'conflict'])
    engines[name] = await createPolicyEngine(await parseBundle(await compilePolicyDir(path.resolve('test/support/fixtures/broken-policies', name)), name));
  file = await createFileStore({ file: FIXTURE_DIRECTORY, defaultOrg: 'default' });
  const config = parseConfig(testConfigDoc());
  authenticator = await createAuthenticator(config.auth, { env: { [TEST_SECRET_ENV]: TEST_SECRET }, now: () => NOW });
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const remote = parseConfig(testConfigDoc({ extra: {} }));
  const auth = { ...remote.auth, algorithms: ['ES256'], hs256_secret_env: undefined, jwks_url: `http://127.0.0.1:${port}/jwks` };
  keysDown = { authenticator: await createAuthenticator(auth, { env: {}, now: () => NOW }), keys: await createTestKeys('ES256') };
});

function authorizerFor(c: Case): Authorizer {
  return createAuthorizer({
    tenancy: { default_org: 'default', org_header: 'X-Org-ID', org_cookie: 'org_id' },
    authenticator: c.keys === 'unavailable' ? keysDown.authenticator : authenticator,
    directory: c.directory === 'unavailable' ? unavailable : file,
    policy: createActivePolicy(engines[c.policy ?? 'default']!),
    tenancySwitch: createLocalTenancySwitch(c.mode !== 'single'),
    now: () => NOW,
  });
}

async function tokenFor(c: Case): Promise<string | undefined> {
  if (c.token === 'none') return undefined;
  if (c.token === 'garbage') return 'not.a.jwt';
  const { sub, auth_age_s, ...claims } = c.as ?? { sub: 'anonymous' };
  const nowS = Math.floor(NOW / 1000);
  const all = { sub, ...claims, ...(auth_age_s !== undefined ? { auth_time: nowS - auth_age_s } : {}) };
  if (c.token === 'expired') return mintHs256(TEST_SECRET, { ...all, iat: nowS - 7200, exp: nowS - 3600 }, { now: NOW });
  if (c.token === 'wrong_audience') return mintHs256(TEST_SECRET, { ...all, aud: 'another-service' }, { now: NOW });
  if (c.token === 'wrong_signature') return mintHs256('another-secret-of-at-least-32-bytes!!', all, { now: NOW });
  if (c.keys === 'unavailable') return keysDown.keys.mint(all, { now: NOW });
  return mintHs256(TEST_SECRET, all, { now: NOW });
}

async function bodyFor(c: Case): Promise<Record<string, unknown>> {
  const token = await tokenFor(c);
  const { headers, ...rest } = c.request;
  if (c.via === 'headers' || headers) {
    return { ...rest, headers: { ...headers, ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) } };
  }
  return { ...rest, token: token ?? '' };
}

for (const { file: tableFile, cases } of tables) {
  describe(tableFile, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const result = await authorizerFor(c).authorize(await bodyFor(c));
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const decision = result.value;
      expect(decision).toMatchObject(c.expect);
      expect(decision.status).toBe(REASON_STATUS[c.expect.reason]);
      expect(decision.multi_tenant).toBe(c.mode !== 'single');
      if (decision.allow) expect(decision.spoof).toBe(false);
    });
  });
}

describe('the tables themselves', () => {
  const all = tables.flatMap((t) => t.cases);
  it('cover every reason code at least twice', () => {
    const counts = new Map<string, number>();
    for (const c of all) counts.set(c.expect.reason, (counts.get(c.expect.reason) ?? 0) + 1);
    const thin = Object.keys(REASON_STATUS).filter((r) => (counts.get(r) ?? 0) < 2);
    expect(thin).toEqual([]);
  });

  it('cover every action in the catalogue, and both modes', () => {
    const catalogue = JSON.parse(readFileSync(path.resolve('policies/orgwarden/catalogue/data.json'), 'utf8')) as { actions: Record<string, unknown> };
    const used = new Set(all.map((c) => c.request.action));
    expect(Object.keys(catalogue.actions).filter((a) => !used.has(a))).toEqual([]);
    expect(new Set(all.map((c) => c.mode ?? 'multi'))).toEqual(new Set(['multi', 'single']));
  });

  it('use unique names', () => {
    const names = all.map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
