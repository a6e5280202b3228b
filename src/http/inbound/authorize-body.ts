/**
 * The `POST /v1/authorize` document (contract section 4) and its batch, as zod schemas read by
 * `parseDocument`: strict objects (unknown fields and prototype keys refused, naming the field),
 * well-formed Unicode everywhere, and a result built from fresh objects, never the caller's.
 *
 * Ids: `context.target_user` must be a canonical user id (contract/ids.ts), else 400 naming it. Org
 * ids (`org`, the org header and cookie, `resource.org`) are not judged here: they reach the
 * policy, which answers `invalid_org` (`malformed_org_id`) for every id that is not an acceptable
 * org id and `unknown_org` for one the directory lacks, so the attempt is a logged, counted
 * decision like any other org a client may not use. Headers naming the credential or the org twice
 * are refused (authz/http-credentials.ts).
 *
 * Invariant: a client's document only ever becomes a `CredentialRequest`; nothing here can produce
 * a trusted principal (the type says so, and `trusted_principal` is an unknown field).
 */
import { z } from 'zod';
import { parseDocument, refused, type Parsed } from '../../contract/parse-document.js';
import {
  MAX_BATCH_ITEMS,
  MAX_CONTEXT_KEYS,
  type CredentialRequest,
  type DecisionQuestion,
} from '../../contract/decision-request.js';
import { bearerToken, namedOrg, readGatewayCredentials } from '../../authz/http-credentials.js';
import type { DecisionKind } from '../../contract/decision-kinds.js';
import { userIdProblem } from '../../contract/ids.js';
import { idProblemText, minDirectoryRevision, stringMap, text } from './fields.js';
import { plainAuthorizeDocument } from './plain-authorize-document.js';

export type { Parsed } from '../../contract/parse-document.js';

export interface TenancyNames {
  org_header: string;
  org_cookie: string;
}

const MAX_HEADERS = 64;

const optionalText = () => text().nullish();

/** Action specifics; `target_user` names a member, so it must be a canonical user id. */
const context = stringMap(MAX_CONTEXT_KEYS).check((ctx) => {
  const targetUser = ctx.value.target_user;
  const problem = targetUser === undefined ? null : userIdProblem(targetUser);
  if (problem !== null)
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      path: ['target_user'],
      message: idProblemText(problem),
    });
});

/** What is asked: the fields every decision document shares (authorize, a job, the CLI's input). */
export const questionFields = {
  org: text().optional(),
  action: text(),
  resource: z
    .strictObject({ type: optionalText(), id: optionalText(), org: optionalText() })
    .nullish(),
  context: context.optional(),
  min_directory_revision: minDirectoryRevision().optional(),
};
export type QuestionDocument = z.output<z.ZodObject<typeof questionFields, z.core.$strict>>;

/** Exported for the property test that pins the fast reading to it. */
export const authorizeDocument = z.strictObject({
  kind: z.literal('request', { error: 'must be "request"' }).optional(),
  token: text().optional(),
  headers: stringMap(MAX_HEADERS).optional(),
  ...questionFields,
});

const batchDocument = z.strictObject({
  items: z.array(z.unknown()).max(MAX_BATCH_ITEMS, { error: `at most ${MAX_BATCH_ITEMS} items` }),
});

/**
 * The authorize document as a request with the caller's credential (exactly one of token,
 * headers). A plainly valid document is read in one pass (`plain-authorize-document.ts`); any
 * other is judged by the schema, which names the problem.
 */
export function parseAuthorizeBody(
  body: unknown,
  names: TenancyNames,
  kind: DecisionKind = 'request',
): Parsed<CredentialRequest> {
  const plain = plainAuthorizeDocument(body);
  if (plain !== null) return credentialRequest(plain, names, kind);
  const parsed = parseDocument(authorizeDocument, body);
  return parsed.ok ? credentialRequest(parsed.value, names, kind) : parsed;
}

/** `parseAuthorizeBody` by the schema alone (the fast reading's reference, for its property test). */
export function parseAuthorizeBodyBySchema(
  body: unknown,
  names: TenancyNames,
  kind: DecisionKind = 'request',
): Parsed<CredentialRequest> {
  const parsed = parseDocument(authorizeDocument, body);
  return parsed.ok ? credentialRequest(parsed.value, names, kind) : parsed;
}

type AuthorizeDocument = z.output<typeof authorizeDocument>;

function credentialRequest(
  document: AuthorizeDocument,
  names: TenancyNames,
  kind: DecisionKind,
): Parsed<CredentialRequest> {
  const { token, headers } = document;
  if ((token === undefined) === (headers === undefined))
    return refused('exactly one of token and headers is required');
  // Built field by field (no rest or spread): this runs on every decision request.
  if (token !== undefined) {
    const question = buildQuestion(document, kind, undefined, undefined);
    return { ok: true, value: withToken(question, token) };
  }
  const read = readGatewayCredentials(headerValues(headers ?? {}), names);
  if (!read.ok) return refused(`headers: ${read.message}`);
  const { authorization, header, cookie } = read.value;
  const question = buildQuestion(document, kind, header, cookie);
  return { ok: true, value: withToken(question, bearerToken(authorization)) };
}

function withToken(q: DecisionQuestion, token: string | undefined): CredentialRequest {
  const request: CredentialRequest = {
    kind: q.kind,
    named_org: q.named_org,
    action: q.action,
    resource: q.resource,
    context: q.context,
    token,
  };
  if (q.min_directory_revision !== undefined)
    request.min_directory_revision = q.min_directory_revision;
  return request;
}

/** The items of a batch document, each still to be parsed as an authorize document. */
export function parseBatchBody(body: unknown): Parsed<unknown[]> {
  const parsed = parseDocument(batchDocument, body);
  return parsed.ok ? { ok: true, value: parsed.value.items } : parsed;
}

/** The question fields of a document already parsed (by a schema spreading `questionFields`). */
export function questionOf(doc: QuestionDocument, kind: DecisionKind): DecisionQuestion {
  return buildQuestion(doc, kind, undefined, undefined);
}

function buildQuestion(
  doc: QuestionDocument,
  kind: DecisionKind,
  header: string | undefined,
  cookie: string | undefined,
): DecisionQuestion {
  const resource = doc.resource ?? null;
  const question: DecisionQuestion = {
    kind,
    named_org: namedOrg({ field: doc.org, header, cookie }),
    action: doc.action,
    resource: resource && {
      type: resource.type ?? null,
      id: resource.id ?? null,
      org: resource.org ?? null,
    },
    context: { ...doc.context },
  };
  if (doc.min_directory_revision !== undefined)
    question.min_directory_revision = doc.min_directory_revision;
  return question;
}

/**
 * The gateway's headers: every value of each name, by lower-cased name. Names that differ only in
 * case are one header given twice, kept as two values so the credential reader can refuse them.
 */
function headerValues(
  headers: Record<string, string>,
): (name: string) => readonly string[] | undefined {
  const byName = new Map<string, string[]>();
  for (const [key, value] of Object.entries(headers)) {
    const name = key.toLowerCase();
    byName.set(name, [...(byName.get(name) ?? []), value]);
  }
  return (name) => byName.get(name);
}
