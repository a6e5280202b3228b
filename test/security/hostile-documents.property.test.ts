/**
 * Hostile documents on every decision endpoint of a real orgwarden (compiled WASM policy, fixture
 * directory, HS256 tokens, some forged), sent byte for byte over one kept-alive loopback
 * connection: valid requests mutated structurally (lone surrogates anywhere, wrong types, huge
 * numbers, deep nesting, prototype and unknown keys, non-canonical ids, duplicate keys, random
 * Unicode, null bytes, invalid UTF-8, forged and non-member tokens, hostile forwarded paths and
 * headers). Whatever is sent: no 5xx, no `policy_error`, and no allow for a principal that is not a
 * member of the org it names. Short under `npm test`; `npm run fuzz` sends 100 000 per endpoint and
 * prints the figures.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { DEFAULT_ROUTES } from '../forward-auth/helpers.js';
import { TEST_BUNDLE, startTestApp } from '../support/app.js';
import { fuzzParams, fuzzRuns } from '../support/fuzz.js';
import { ENDPOINTS, hostileCases, type Endpoint } from '../support/hostile-cases.js';
import { createOracle, type Oracle } from '../support/membership-oracle.js';
import { rawClient, type RawClient, type RawResponse } from '../support/raw-http-client.js';

/** Per endpoint under `npm test`: the whole file stays within a few seconds. */
const SHORT_RUNS = 100;

interface Figures {
  documents: number;
  statuses: Record<string, number>;
  crashes: number;
  policy_errors: number;
  wrong_allows: number;
  allows: number;
  denies: number;
  seconds: number;
}

let app: App | undefined;
let client: RawClient | undefined;
let oracle: Oracle;
const figures = new Map<Endpoint, Figures>();

beforeAll(async () => {
  const started = await startTestApp({
    multiTenant: true,
    extra: { policy: { bundle: TEST_BUNDLE, routes: DEFAULT_ROUTES } },
  });
  app = started.app;
  client = rawClient(Number(new URL(started.url).port));
  oracle = await createOracle();
});

afterAll(async () => {
  client?.close();
  await app?.stop();
  if (fuzzRuns(SHORT_RUNS) !== SHORT_RUNS)
    console.log(`hostile documents:\n${JSON.stringify(Object.fromEntries(figures), null, 1)}`);
});

describe('hostile documents on every decision endpoint', () => {
  it.each(ENDPOINTS)('%s: no 5xx, no policy_error, no allow for a non-member', async (endpoint) => {
    const f: Figures = {
      documents: 0,
      statuses: {},
      crashes: 0,
      policy_errors: 0,
      wrong_allows: 0,
      allows: 0,
      denies: 0,
      seconds: 0,
    };
    figures.set(endpoint, f);
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(hostileCases(endpoint, oracle), async (c) => {
        const res = await client!.send(c.request);
        f.documents += 1;
        f.statuses[res.status] = (f.statuses[res.status] ?? 0) + 1;
        const verdict = c.judge(res);
        if (verdict.problem) {
          if (res.status >= 500) f.crashes += 1;
          else if (verdict.problem.includes('policy_error')) f.policy_errors += 1;
          else f.wrong_allows += 1;
        }
        f.allows += verdict.allows;
        f.denies += verdict.denies;
        expect(verdict.problem, String(c)).toBeNull();
      }),
      fuzzParams(SHORT_RUNS),
    );
    f.seconds = Math.round((performance.now() - started) / 10) / 100;
    // The generators reach both sides of the oracle: the property is not vacuous.
    expect(f.allows, 'allows seen').toBeGreaterThan(0);
    expect(f.denies, 'denies seen').toBeGreaterThan(0);
  });

  it('the judges flag a 5xx, a policy_error and an allow for a non-member (they can fail)', () => {
    const answer = (
      status: number,
      body: unknown,
      headers: [string, string][] = [],
    ): RawResponse => ({
      status,
      headers: new Map(headers),
      body: Buffer.from(JSON.stringify(body)),
    });
    const [authorize] = fc.sample(hostileCases('/v1/authorize', oracle), { seed: 1, numRuns: 1 });
    const stranger = {
      allow: true,
      reason: 'allowed',
      principal: { id: 'mallory', kind: 'session' },
      effective_org: 'acme',
    };
    expect(
      authorize?.judge(answer(500, { error: { code: 'internal', message: 'x' } })).problem,
    ).toMatch(/answered 500/);
    expect(authorize?.judge(answer(200, { allow: false, reason: 'policy_error' })).problem).toBe(
      'policy_error',
    );
    expect(authorize?.judge(answer(200, stranger)).problem).not.toBeNull();
    const [forward] = fc.sample(hostileCases('/v1/forward-auth', oracle), { seed: 1, numRuns: 1 });
    const mallory = [
      ['x-orgwarden-user', 'mallory'],
      ['x-orgwarden-org', 'acme'],
      ['x-orgwarden-principal-kind', 'session'],
    ] as [string, string][];
    expect(
      forward?.judge({ ...answer(200, ''), body: Buffer.alloc(0), headers: new Map(mallory) })
        .problem,
    ).not.toBeNull();
    expect(
      forward?.judge(answer(500, { error: 'policy_error', message: 'authorization failed' }))
        .problem,
    ).toMatch(/answered 500/);
  });

  it('the app still decides correctly afterwards', async () => {
    const alice = oracle.credentials.find(
      (c) => c.legit && c.sub === 'alice' && c.kind === 'session',
    );
    const res = await client!.send({
      method: 'POST',
      path: '/v1/authorize',
      headers: [['content-type', 'application/json']],
      body: Buffer.from(JSON.stringify({ token: alice?.token, org: 'acme', action: 'org.read' })),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({
      allow: true,
      effective_org: 'acme',
      role: 'owner',
    });
  });
});
