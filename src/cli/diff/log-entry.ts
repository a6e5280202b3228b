/**
 * One line of a decision log, as `orgwarden diff` reads it: the logged outcome and the recorded
 * request (docs/metrics.md, "Decision log"). Fields a replay does not use are ignored, so logs of
 * later versions with more fields still read; a line that is not an entry at all is an error
 * naming its line number.
 */
import { z } from 'zod';
import { DECISION_KINDS } from '../../contract/vocabulary.generated.js';
import { NAMED_ORG_SOURCES } from '../../contract/org-sources.js';
import { parseDocument } from '../../contract/parse-document.js';
import type { DecisionRequest } from '../../contract/decision-request.js';
import type { Authenticator } from '../../authn/types.js';
import type { AuthErrorCode } from '../../contract/principal.js';

const nullableText = z.string().nullable();

const requestSchema = z.object({
  kind: z.enum(DECISION_KINDS),
  principal: z
    .object({
      id: z.string(),
      kind: z.enum(['session', 'api_token']),
      scopes: z.array(z.string()),
      bound_orgs: z.array(z.string()).nullable(),
      auth_time: z.number().nullable(),
    })
    .nullable(),
  authn_failure: z.string().max(64).nullable(),
  named_org: z.object({ id: z.string(), source: z.enum(NAMED_ORG_SOURCES) }).nullable(),
  action: z.string(),
  resource: z.object({ type: nullableText, id: nullableText, org: nullableText }).nullable(),
  context: z.record(z.string(), z.string()),
});

const entrySchema = z.object({
  decision_id: z.string(),
  time: z.iso.datetime(),
  kind: z.enum(DECISION_KINDS),
  allow: z.boolean(),
  reason: z.string(),
  multi_tenant: z.boolean(),
  directory_revision: z.number().nullable().optional(),
  request: requestSchema.nullable().optional(),
  truncated: z.array(z.string()).optional(),
});

export type LogEntry = z.output<typeof entrySchema>;
type LoggedRequest = z.output<typeof requestSchema>;

export type ReadLine =
  { kind: 'blank' } | { kind: 'entry'; entry: LogEntry } | { kind: 'invalid'; message: string };

export function readLogLine(line: string): ReadLine {
  if (line.trim() === '') return { kind: 'blank' };
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return { kind: 'invalid', message: 'not JSON' };
  }
  const parsed = parseDocument(entrySchema, doc, 'entry');
  return parsed.ok
    ? { kind: 'entry', entry: parsed.value }
    : { kind: 'invalid', message: `not a decision log entry: ${parsed.message}` };
}

/** Why an entry cannot be replayed, or null when it can. */
export function notReplayable(entry: LogEntry): 'no_request' | 'truncated' | null {
  if (!entry.request) return 'no_request';
  if (entry.request.principal === null && entry.request.authn_failure === null) return 'no_request';
  // a request cut to fit the log is not the request that was asked
  if (entry.truncated?.some((field) => field.startsWith('request.'))) return 'truncated';
  return null;
}

/**
 * The decision request to ask again. A recorded principal becomes a trusted principal (the
 * credential was verified when it was logged, and is never logged); a refused credential becomes
 * a token the replay's authenticator refuses with the recorded code.
 */
export function replayRequest(request: LoggedRequest): DecisionRequest {
  const question = {
    kind: request.kind,
    named_org: request.named_org,
    action: request.action,
    resource: request.resource,
    context: request.context,
  };
  return request.principal
    ? { ...question, trusted_principal: request.principal }
    : { ...question, token: request.authn_failure ?? 'token_missing' };
}

/** The replay's authenticator: the "token" of a replayed request is the recorded failure code. */
export const replayAuthenticator: Authenticator = {
  authenticate: (token) =>
    Promise.resolve({
      ok: false,
      code: (token ?? 'token_missing') as AuthErrorCode,
      message: 'replayed from the decision log',
    }),
  close: () => Promise.resolve(),
};
