/**
 * Validation of the `POST /v1/jobs/authorize` document:
 *
 *   {"job": {"id": "j1", "type": "report", "org": "acme",
 *            "enqueued_by": "<JWT>" | {"user": "alice"},
 *            "action": "resource.read", "resource": {…}?, "context": {…}?}}
 *
 * `org` is required: a job always runs in one named org; like every org a body names it is judged
 * by the policy (`invalid_org` for an id that is not an acceptable org id). `enqueued_by` as a
 * string is a credential the core verifies like any other (an expired one is `unauthenticated`);
 * as `{"user"}` it is a server-side identity the job runner vouches for (a session principal
 * without a token), and must be a canonical user id (400 naming `job.enqueued_by.user`). `action`,
 * `resource` and `context` follow the `/v1/authorize` rules exactly (the same parser), with their
 * errors named under `job.`.
 */
import { parseAuthorizeBody, type TenancyNames } from '../../authz/authorize-body.js';
import type { DecisionRequest } from '../../contract/decision-request.js';
import { MAX_ID_LENGTH } from '../../contract/ids.js';
import { invalid, objectField, onlyKeys, stringField, userIdField } from '../fields.js';
import { serverSessionPrincipal } from '../session-principal.js';

const JOB_KEYS = ['id', 'type', 'org', 'enqueued_by', 'action', 'resource', 'context'];

export interface JobRequest {
  /** For the caller's logs; the decision does not depend on them. */
  id: string;
  type: string;
  decision: DecisionRequest;
}

export function parseJobBody(body: unknown, names: TenancyNames): JobRequest {
  const doc = objectField(body, 'request body');
  onlyKeys(doc, ['job'], '');
  const job = objectField(doc.job, 'job');
  onlyKeys(job, JOB_KEYS, 'job.');
  const id = stringField(job.id, 'job.id', MAX_ID_LENGTH);
  const type = stringField(job.type, 'job.type', MAX_ID_LENGTH);
  const org = stringField(job.org, 'job.org', MAX_ID_LENGTH);
  const enqueuer = enqueuedBy(job.enqueued_by);

  // The credential is set below; '' only satisfies the shared parser's "token or headers" rule.
  const parsed = parseAuthorizeBody(
    { token: '', org, action: job.action, resource: job.resource, context: job.context },
    names,
    'job',
  );
  if (!parsed.ok) throw invalid(`job.${parsed.message}`);
  const decision: DecisionRequest = { ...parsed.value, kind: 'job', token: enqueuer.token };
  if (enqueuer.user !== undefined) decision.trusted_principal = serverSessionPrincipal(enqueuer.user);
  return { id, type, decision };
}

function enqueuedBy(value: unknown): { token: string | undefined; user?: string } {
  if (typeof value === 'string') return { token: stringField(value, 'job.enqueued_by', 16_384) };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const who = value as Record<string, unknown>;
    onlyKeys(who, ['user'], 'job.enqueued_by.');
    return { token: undefined, user: userIdField(who.user, 'job.enqueued_by.user') };
  }
  throw invalid('job.enqueued_by: must be a token (string) or {"user": "<id>"}');
}
