/**
 * The `POST /v1/jobs/authorize` document:
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
 * `resource` and `context` follow the `/v1/authorize` rules exactly (the same schema fields).
 */
import { z } from 'zod';
import type { DecisionRequest } from '../../contract/decision-request.js';
import { MAX_ID_LENGTH } from '../../contract/ids.js';
import { parseDocument } from '../../contract/parse-document.js';
import { serverSessionPrincipal } from '../../surfaces/session-principal.js';
import { ApiError } from '../errors.js';
import { questionFields, questionOf } from './authorize-body.js';
import { nonEmptyText, userId } from './fields.js';

/** Longest credential accepted as `enqueued_by`. */
const MAX_TOKEN_LENGTH = 16_384;

export interface JobRequest {
  /** For the caller's logs; the decision does not depend on them. */
  id: string;
  type: string;
  decision: DecisionRequest;
}

const jobDocument = z.strictObject({
  job: z.strictObject({
    id: nonEmptyText(MAX_ID_LENGTH),
    type: nonEmptyText(MAX_ID_LENGTH),
    ...questionFields,
    org: nonEmptyText(MAX_ID_LENGTH),
    enqueued_by: z.union([nonEmptyText(MAX_TOKEN_LENGTH), z.strictObject({ user: userId() })], {
      error: 'must be a token (string) or {"user": "<id>"}',
    }),
  }),
});

/** The job as a decision request: the enqueuer's credential, or the user the runner vouches for. */
export function parseJobBody(body: unknown): JobRequest {
  const parsed = parseDocument(jobDocument, body);
  if (!parsed.ok) throw new ApiError('invalid_request', parsed.message);
  const { id, type, enqueued_by: enqueuer, ...fields } = parsed.value.job;
  const question = questionOf(fields, 'job');
  const decision: DecisionRequest =
    typeof enqueuer === 'string'
      ? { ...question, token: enqueuer }
      : { ...question, trusted_principal: serverSessionPrincipal(enqueuer.user) };
  return { id, type, decision };
}
