/**
 * Hostile AuthZEN documents on a real orgwarden (compiled WASM policy, fixture directory, HS256
 * tokens from the membership oracle's pool, some forged), sent byte for byte: valid evaluations and
 * evaluations batches mutated structurally (test/support/hostile-json.ts: lone surrogates, wrong
 * types, huge numbers, deep nesting, prototype and unknown keys, duplicate keys, invalid UTF-8...).
 * Whatever is sent: no 5xx, a 4xx carries the error document, no `policy_error`, and every
 * `decision: true` is for a principal that may act in the effective org — the user the document
 * vouches for, or the legitimate credential it carries — and in the org it named. The same seed
 * and run counts as every property (test/support/fuzz.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startTestApp } from '../support/app.js';
import { bodyMutation, jsonMutation } from '../support/arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';
import { hostileBytes, type Json } from '../support/hostile-json.js';
import { createOracle, type Credential, type Oracle } from '../support/membership-oracle.js';
import { rawClient, type RawClient, type RawResponse } from '../support/raw-http-client.js';

const ORGS = ['acme', 'globex', 'frozen', 'leaving', 'default', 'nope'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'gina', 'hank', 'root-admin', 'mallory'];
const ACTIONS = ['org.read', 'org.members.invite', 'resource.read', 'resource.write', 'orgs.list'];

let app: App;
let client: RawClient;
let oracle: Oracle;
beforeAll(async () => {
  const started = await startTestApp({ multiTenant: true });
  app = started.app;
  client = rawClient(Number(new URL(started.url).port));
  oracle = await createOracle();
});
afterAll(async () => {
  client.close();
  await app.stop();
});

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One valid evaluation: a vouched user or a credential of the pool (by index). */
const evaluationArb = (creds: readonly Credential[]) =>
  fc
    .record({
      vouched: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
      cred: fc.nat(creds.length - 1),
      action: fc.constantFrom(...ACTIONS),
      org: fc.option(fc.constantFrom(...ORGS), { nil: undefined }),
      orgResource: fc.boolean(),
      resourceOrg: fc.option(fc.constantFrom(...ORGS), { nil: undefined }),
      targetUser: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
    })
    .map((r): Record<string, Json> => {
      const cred = creds[r.cred] as Credential;
      const subject: Record<string, Json> =
        r.vouched !== undefined
          ? { type: 'user', id: r.vouched }
          : {
              type: cred.kind === 'api_token' ? 'api_token' : 'user',
              id: cred.sub,
              properties: { token: cred.token },
            };
      const context: Record<string, Json> = {};
      if (r.targetUser !== undefined) context.target_user = r.targetUser;
      if (r.org !== undefined && !r.orgResource) context.org = r.org;
      return {
        subject,
        action: { name: r.action },
        resource: r.orgResource
          ? { type: 'org', id: r.org ?? 'acme' }
          : {
              type: 'node',
              id: 'n1',
              ...(r.resourceOrg !== undefined ? { properties: { org: r.resourceOrg } } : {}),
            },
        context,
      };
    });

/** What is wrong with one answered decision of `evaluation` (as the server read it), or null. */
function decisionProblem(answer: unknown, evaluation: Record<string, unknown>): string | null {
  if (!isRecord(answer) || !isRecord(answer.context)) return 'not an AuthZEN decision';
  const { context } = answer;
  if (context.reason === 'policy_error') return 'policy_error';
  if (answer.decision !== true) return null;
  const subject = isRecord(evaluation.subject) ? evaluation.subject : {};
  const token = isRecord(subject.properties) ? subject.properties.token : undefined;
  let principal: { id: string; kind: string };
  if (token === undefined) principal = { id: String(subject.id), kind: 'session' };
  else {
    const cred = oracle.credentials.find((c) => c.token === token);
    if (!cred?.legit) return `allowed with a forged or unknown token (${cred?.sub ?? '?'})`;
    principal = { id: cred.sub, kind: cred.kind };
  }
  const effective = typeof context.effective_org === 'string' ? context.effective_org : null;
  if (!oracle.mayActIn(principal, effective))
    return `allowed ${principal.id} in ${String(effective)}, where it is not a member`;
  const resource = isRecord(evaluation.resource) ? evaluation.resource : {};
  const ctx = isRecord(evaluation.context) ? evaluation.context : {};
  const props = isRecord(resource.properties) ? resource.properties : {};
  const named = resource.type === 'org' ? resource.id : (ctx.org ?? props.org);
  if (typeof named === 'string' && named !== effective)
    return `allowed in ${String(effective)} when the request named ${named}`;
  return null;
}

/** The rules of every answer; for a 200, every decision it holds (items merged as the server does). */
function judge(res: RawResponse, body: Buffer): string | null {
  if (res.status >= 500) return `answered ${res.status}`;
  let answer: unknown;
  try {
    answer = JSON.parse(res.body.toString('utf8'));
  } catch {
    answer = undefined;
  }
  if (res.status >= 400) {
    const error = isRecord(answer) ? answer.error : undefined;
    return res.body.length === 0 || (isRecord(error) && typeof error.code === 'string')
      ? null
      : `a ${res.status} without the error document`;
  }
  const sent = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (!isRecord(answer) || !Array.isArray(answer.evaluations)) return decisionProblem(answer, sent);
  const items = Array.isArray(sent.evaluations) ? (sent.evaluations as unknown[]) : [];
  for (const [i, decision] of answer.evaluations.entries()) {
    const item = isRecord(items[i]) ? items[i] : {};
    const merged = Object.fromEntries(
      ['subject', 'action', 'resource', 'context'].map((k) => [k, item[k] ?? sent[k]]),
    );
    const problem = decisionProblem(decision, merged);
    if (problem) return `evaluations[${i}]: ${problem}`;
  }
  return null;
}

it('hostile AuthZEN documents: no 5xx, no policy_error, no allow for a non-member', async () => {
  const seen = { allows: 0, denies: 0 };
  const single = evaluationArb(oracle.credentials).map((doc) => ({
    path: '/access/v1/evaluation',
    doc: doc,
  }));
  const batch = fc
    .record({
      items: fc.array(evaluationArb(oracle.credentials), { minLength: 1, maxLength: 4 }),
      semantic: fc.constantFrom('execute_all', 'deny_on_first_deny', 'permit_on_first_permit'),
    })
    .map(({ items, semantic }) => ({
      path: '/access/v1/evaluations',
      doc: { options: { evaluations_semantic: semantic }, evaluations: items },
    }));
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(single, batch),
      fc.array(jsonMutation, { maxLength: 3 }),
      bodyMutation,
      async ({ path, doc }, muts, damage) => {
        const body = hostileBytes(doc, muts, damage);
        const res = await client.send({
          method: 'POST',
          path,
          headers: [['content-type', 'application/json']],
          body,
        });
        const problem = judge(res, body);
        expect(problem, `${path} ${body.toString('latin1').slice(0, 600)}`).toBeNull();
        const text = res.body.toString('utf8');
        if (res.status === 200 && text.includes('"decision":true')) seen.allows += 1;
        else seen.denies += 1;
      },
    ),
    fuzzParams(150),
  );
  expect(seen.allows, 'allows seen').toBeGreaterThan(0);
  expect(seen.denies, 'denies seen').toBeGreaterThan(0);
});

it('the judge can fail: a policy_error, and an allow for a stranger', () => {
  const answer = (body: unknown): RawResponse => ({
    status: 200,
    headers: new Map(),
    body: Buffer.from(JSON.stringify(body)),
  });
  const sent = Buffer.from(
    JSON.stringify({
      subject: { type: 'user', id: 'mallory' },
      action: { name: 'org.read' },
      resource: { type: 'org', id: 'acme' },
    }),
  );
  const decision = (d: boolean, reason: string) => ({
    decision: d,
    context: { reason, effective_org: 'acme' },
  });
  expect(judge(answer(decision(false, 'policy_error')), sent)).toBe('policy_error');
  expect(judge(answer(decision(true, 'allowed')), sent)).toMatch(/where it is not a member/);
  expect(judge(answer({ evaluations: [decision(true, 'allowed')] }), sent)).toMatch(
    /^evaluations\[0\]/,
  );
});
