/**
 * The decision tables (test/decision-tables/*.yaml, case files) replayed through the AuthZEN surface, so every
 * reason code is reached through AuthZEN from the same fixtures that pin `/v1/authorize`, and the
 * two cannot drift. Each case becomes the evaluation the documented mapping (docs/authzen.md) turns
 * into the case's request: the case's token in `subject.properties.token`, `org` in `context.org`,
 * `resource` with its `org` in `resource.properties.org`, an org-level question (no resource) as
 * the org resource `{"type": "org", "id": <org>}`.
 *
 * A case AuthZEN cannot ask is listed and skipped, for a reason that names the mapping's limit: its
 * credential is in gateway headers, it has no org and no resource, or its resource is not a typed,
 * identified one. Cases of a broken policy (which needs OPA to compile) run against an engine that
 * throws instead: the core answers that with the same fail-closed `policy_error`.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyBundle } from '../../src/bundle/policy-bundle.js';
import { REASON_STATUS, type Reason } from '../../src/contract/reasons.js';
import { createPolicyEngine, type PolicyEngine } from '../../src/engine/wasm-engine.js';
import { createAuthzenEvaluator } from '../../src/surfaces/authzen/evaluate.js';
import { isRetryable, type AuthzenDecision } from '../../src/surfaces/authzen/response.js';
import {
  createCaseWorld,
  loadCaseFiles,
  type CaseWorld,
  type LoadedCase,
} from '../../src/evidence/case-files/index.js';
import { TEST_BUNDLE } from '../support/paths.js';

const cases = loadCaseFiles([path.join('test', 'decision-tables')]).flatMap((t) => t.cases);

/** Why AuthZEN cannot ask this case's question, or null when it can. */
function unaskable(c: LoadedCase): string | null {
  const { request } = c.case;
  if (c.case.via === 'headers' || request.headers) return 'credential in gateway headers';
  if (request.context && 'org' in request.context) return 'context names a key "org"';
  const resource = request.resource as Record<string, unknown> | null | undefined;
  if (resource === null || resource === undefined) {
    if (request.org === undefined) return 'no org and no resource';
    return request.org === '' ? 'an empty org id (the org resource needs an id)' : null;
  }
  const { type, id, org } = resource;
  if (typeof type !== 'string' || type === '' || typeof id !== 'string' || id === '')
    return 'resource without a type and an id';
  if (type === 'org') return 'a resource of type "org" is the org resource in AuthZEN';
  if (request.org === undefined && org !== undefined && org !== null)
    return 'resource org without a requested org (AuthZEN would ask in the resource org)';
  return null;
}

/** The AuthZEN evaluation of a case (which `unaskable` accepted). */
function evaluationOf(c: LoadedCase, token: string | undefined): Record<string, unknown> {
  const { request } = c.case;
  const resource = request.resource as Record<string, string | null> | null | undefined;
  const sub = c.claims?.sub ?? '';
  return {
    subject: {
      type: c.claims?.kind === 'api_token' ? 'api_token' : 'user',
      id: sub === '' ? 'anonymous' : sub,
      properties: { token: token ?? '' },
    },
    action: { name: request.action },
    resource:
      resource === null || resource === undefined
        ? { type: 'org', id: request.org }
        : {
            type: resource.type,
            id: resource.id,
            ...(typeof resource.org === 'string' ? { properties: { org: resource.org } } : {}),
          },
    context: {
      ...request.context,
      ...(request.org !== undefined ? { org: request.org } : {}),
      ...(request.min_directory_revision !== undefined
        ? { min_directory_revision: request.min_directory_revision }
        : {}),
    },
  };
}

let world: CaseWorld;
beforeAll(async () => {
  const engine = await createPolicyEngine(await loadPolicyBundle({ bundle: TEST_BUNDLE }));
  const throwing: PolicyEngine = {
    ...engine,
    evaluate() {
      throw new Error('a broken policy');
    },
  };
  world = await createCaseWorld({ engineFor: (c) => (c.policy === undefined ? engine : throwing) });
});
afterAll(() => world.close());

const askable = cases.filter((c) => unaskable(c) === null);
const reached = new Set<string>();

describe('every askable case answers through AuthZEN what its table says', () => {
  it.each(askable.map((c) => [c.case.name, c] as const))('%s', async (_name, c) => {
    const evaluator = createAuthzenEvaluator({
      authorizer: await world.authorizerFor(c),
      yieldEvery: 16,
    });
    const answer: AuthzenDecision = await evaluator.evaluation(
      evaluationOf(c, await world.tokenFor(c)),
    );
    const { expect: want } = c.case;
    expect(answer.decision).toBe(want.allow);
    expect(answer.context.reason).toBe(want.reason);
    expect(answer.context.status).toBe(REASON_STATUS[want.reason]);
    expect(answer.context.retryable).toBe(isRetryable(want.reason));
    if (want.effective_org !== undefined)
      expect(answer.context.effective_org).toBe(want.effective_org);
    if (want.spoof !== undefined) expect(answer.context.spoof).toBe(want.spoof);
    reached.add(answer.context.reason);
  });
});

describe('the replay itself', () => {
  it('reaches every reason code of the vocabulary', () => {
    expect([...reached].sort()).toEqual(Object.keys(REASON_STATUS).sort());
  });

  it('asks most cases; those it cannot ask are for the limits the mapping documents', () => {
    const skipped = cases.filter((c) => unaskable(c) !== null);
    expect(askable.length).toBeGreaterThan(skipped.length * 2);
    const why = new Set(skipped.map(unaskable));
    expect(why.has(null)).toBe(false);
  });

  it('retryable is true exactly for the reasons that mean "could not evaluate"', () => {
    const retryable = Object.keys(REASON_STATUS)
      .filter((reason) => isRetryable(reason as Reason))
      .sort();
    expect(retryable).toEqual([
      'directory_revision_not_reached',
      'directory_unavailable',
      'keys_unavailable',
      'policy_error',
    ]);
  });
});
