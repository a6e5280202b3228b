/**
 * The AuthZEN surface over the decision core: each evaluation becomes one `DecisionRequest` and is
 * decided by the authorizer's `decide`, the use-case every other surface calls; nothing here
 * judges an org, a membership or a role.
 *
 * Invariants:
 * - A document that is not valid (a 400, `OrgwardenError('invalid_request')`) decides nothing:
 *   every evaluation of it is read, and every subject that carries a token is checked against its
 *   token, before the first decision is asked for.
 * - A subject with a token is the principal of that token: the core verifies the token exactly as
 *   for `/v1/authorize` (an invalid one is `unauthenticated`). When the token is valid but names a
 *   principal other than `subject.type`/`subject.id`, the document contradicts itself: 400, since
 *   answering for either principal would answer a question that was not asked.
 * - `deny_on_first_deny` and `permit_on_first_permit` decide in document order and stop at the
 *   first deny (resp. permit): the answer holds the decisions made, the last one being the one that
 *   stopped the run; nothing after it is decided (or logged, or counted).
 */
import type { Authorizer } from '../../authz/authorizer.js';
import { namedOrg } from '../../authz/http-credentials.js';
import { mapLimited } from '../../authz/map-limited.js';
import type { Decision } from '../../contract/decision.js';
import type { DecisionKind } from '../../contract/decision-kinds.js';
import type { DecisionRequest } from '../../contract/decision-request.js';
import { OrgwardenError } from '../../contract/errors.js';
import type { PrincipalKind } from '../../contract/principal.js';
import type { Parsed } from '../../contract/parse-document.js';
import {
  parseEvaluation,
  parseEvaluations,
  type Evaluation,
  type EvaluationsSemantic,
  type SubjectType,
} from './request.js';
import { authzenDecision, type AuthzenDecision } from './response.js';
import { serverSessionPrincipal } from '../session-principal.js';

/** Evaluations decided at once under `execute_all` (as for `/v1/authorize/batch`). */
const CONCURRENCY = 32;

const SUBJECT_TYPE_OF: Record<PrincipalKind, SubjectType> = {
  session: 'user',
  api_token: 'api_token',
};

export interface AuthzenDeps {
  authorizer: Pick<Authorizer, 'decide' | 'authenticate'>;
  /** Decisions per turn of the event loop under `execute_all` (`server.fanout_yield_every`). */
  yieldEvery: number;
}

export interface AuthzenEvaluator {
  /** `POST /access/v1/evaluation`. Throws `invalid_request` for a document that is not valid. */
  evaluation(body: unknown): Promise<AuthzenDecision>;
  /** `POST /access/v1/evaluations`; without evaluations, the answer of a single evaluation. */
  evaluations(body: unknown): Promise<{ evaluations: AuthzenDecision[] } | AuthzenDecision>;
}

export function createAuthzenEvaluator(deps: AuthzenDeps): AuthzenEvaluator {
  const { authorizer } = deps;

  async function checkSubjects(evaluations: readonly Evaluation[]): Promise<void> {
    const verified = new Map<string, ReturnType<typeof authorizer.authenticate>>();
    for (const e of evaluations) {
      const token = e.subject.token;
      if (token === undefined) continue;
      let result = verified.get(token);
      if (result === undefined) {
        result = authorizer.authenticate(token);
        verified.set(token, result);
      }
      const auth = await result;
      // An invalid token is the core's to answer (`unauthenticated`, with its detail).
      if (!auth.ok) continue;
      const { id, kind } = auth.principal;
      if (id !== e.subject.id || SUBJECT_TYPE_OF[kind] !== e.subject.type)
        throw new OrgwardenError(
          'invalid_request',
          `${e.path}subject: type and id must name the principal of subject.properties.token`,
        );
    }
  }

  const decide = (e: Evaluation, kind: DecisionKind): Promise<Decision> =>
    authorizer.decide(decisionRequest(e, kind));

  async function run(
    items: readonly Evaluation[],
    semantic: EvaluationsSemantic,
  ): Promise<Decision[]> {
    if (semantic === 'execute_all')
      return mapLimited(items, { concurrency: CONCURRENCY, yieldEvery: deps.yieldEvery }, (e) =>
        decide(e, 'batch_item'),
      );
    const stopOn = semantic === 'permit_on_first_permit';
    const made: Decision[] = [];
    for (const e of items) {
      const decision = await decide(e, 'batch_item');
      made.push(decision);
      if (decision.allow === stopOn) break;
    }
    return made;
  }

  return {
    async evaluation(body) {
      const e = valid(parseEvaluation(body));
      await checkSubjects([e]);
      return authzenDecision(await decide(e, 'request'));
    },
    async evaluations(body) {
      const doc = valid(parseEvaluations(body));
      if (doc.single !== null) {
        await checkSubjects([doc.single]);
        return authzenDecision(await decide(doc.single, 'request'));
      }
      const items = doc.items ?? [];
      await checkSubjects(items);
      return { evaluations: (await run(items, doc.semantic)).map(authzenDecision) };
    },
  };
}

function valid<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new OrgwardenError('invalid_request', parsed.message);
  return parsed.value;
}

/**
 * The decision request of one evaluation: exactly what `/v1/authorize` builds from
 * `{org, action, resource: {type, id, org}, context}` with the same credential, or a user the
 * caller vouches for (a session principal without a token, as for jobs and events).
 */
function decisionRequest(e: Evaluation, kind: DecisionKind): DecisionRequest {
  const question = {
    kind,
    named_org: namedOrg({ field: e.org }),
    action: e.action,
    resource: e.resource && { type: e.resource.type, id: e.resource.id, org: e.resource.org },
    context: { ...e.context },
    ...(e.min_directory_revision === undefined
      ? {}
      : { min_directory_revision: e.min_directory_revision }),
  };
  return e.subject.token !== undefined
    ? { ...question, token: e.subject.token }
    : { ...question, trusted_principal: serverSessionPrincipal(e.subject.id) };
}
