/**
 * The AuthZEN 1.0 request documents (Authorization API 1.0, sections 5-7): an evaluation is
 * `{subject, action, resource, context?}`; an evaluations document adds `evaluations[]` whose
 * items override the top-level values key by key, and `options.evaluations_semantic`.
 *
 * Read by `parseDocument` (malformed Unicode and prototype keys refused anywhere, naming the
 * field), but with the specification's forward-compatibility rule: a member this schema does not
 * name is ignored, not refused (section 11.1.1: receivers MUST ignore unknown fields). The
 * members orgwarden does read are checked as strictly as `/v1/authorize` checks its own:
 *
 * - `subject.properties.token` (a string): the subject is the principal of that credential,
 *   verified by the core like any bearer token. Without it the subject is a user the caller vouches
 *   for (`type: "user"`, a canonical user id), like a job runner's `enqueued_by: {"user"}`.
 * - `context.org`, else `resource.properties.org` (strings): the org the decision is asked in;
 *   `resource.properties.org` is also the org owning the resource. The resource
 *   `{"type": "org", "id": "acme"}` is the org itself: the question has no resource and is asked
 *   in that org (a `context.org` or `resource.properties.org` naming another org is refused).
 * - every other `context` member must be a string (it becomes the policy input's context, at most
 *   32 of them; `target_user` a canonical user id). Other `properties` are accepted and ignored:
 *   the policy decides from the directory, never from attributes the caller asserts.
 */
import { z } from 'zod';
import {
  MAX_BATCH_ITEMS,
  MAX_CONTEXT_KEYS,
  MAX_FIELD_LENGTH,
} from '../../contract/decision-request.js';
import { describeIdProblem, userIdProblem } from '../../contract/ids.js';
import { parseDocument, refused, type Parsed } from '../../contract/parse-document.js';

/** Longest credential accepted as `subject.properties.token` (as for a job's enqueuer). */
const MAX_TOKEN_LENGTH = 16_384;

const EVALUATIONS_SEMANTICS = [
  'execute_all',
  'deny_on_first_deny',
  'permit_on_first_permit',
] as const;
export type EvaluationsSemantic = (typeof EVALUATIONS_SEMANTICS)[number];

/** The subject types orgwarden decides for: a user (vouched or with a session) or an API token. */
const SUBJECT_TYPES = ['user', 'api_token'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

/** The resource type that names the org itself rather than a resource in it. */
const ORG_RESOURCE = 'org';

/** A missing member is "required" (parse-document's messages cover the other problems). */
const required = {
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : undefined),
};
const word = () => z.string(required).min(1).max(MAX_FIELD_LENGTH);
/** A JSON object of anything (`action.properties`: accepted, never read). */
const anyObject = () => z.record(z.string(), z.unknown());
const subject = z.object(
  {
    type: z.enum(SUBJECT_TYPES, {
      error: (issue) =>
        issue.input === undefined ? 'required' : `must be one of ${SUBJECT_TYPES.join(', ')}`,
    }),
    id: word(),
    properties: z.object({ token: z.string().max(MAX_TOKEN_LENGTH).optional() }).optional(),
  },
  required,
);
const action = z.object({ name: word(), properties: anyObject().optional() }, required);
const resource = z.object(
  {
    type: word(),
    id: word(),
    properties: z.object({ org: z.string().max(MAX_FIELD_LENGTH).optional() }).optional(),
  },
  required,
);
/** The one context member that is not a string: read your writes (an integer from 0). */
const MIN_REVISION = 'min_directory_revision';

/**
 * `org` is the org asked in, `min_directory_revision` the directory revision the answer must
 * reflect (a number); the rest is the decision's context, strings only.
 */
const context = z
  .record(z.string(), z.union([z.string().max(MAX_FIELD_LENGTH), z.number()]))
  .check((ctx) => {
    for (const [key, value] of Object.entries(ctx.value)) {
      const problem =
        key === MIN_REVISION
          ? Number.isSafeInteger(value) && (value as number) >= 0
            ? null
            : 'must be an integer from 0'
          : typeof value === 'string'
            ? null
            : 'must be a string';
      if (problem !== null)
        ctx.issues.push({ code: 'custom', input: value, path: [key], message: problem });
    }
    const entries = Object.keys(ctx.value).filter(
      (key) => key !== 'org' && key !== MIN_REVISION,
    ).length;
    if (entries > MAX_CONTEXT_KEYS)
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `more than ${MAX_CONTEXT_KEYS} entries`,
      });
    const targetUser = ctx.value.target_user;
    const problem = typeof targetUser !== 'string' ? null : userIdProblem(targetUser);
    if (problem !== null)
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['target_user'],
        message: describeIdProblem('', problem).trimStart(),
      });
  });

const tuple = { subject, action, resource, context: context.optional() };
const evaluationDocument = z.object(tuple);
const evaluationsDocument = z.object({
  subject: subject.optional(),
  action: action.optional(),
  resource: resource.optional(),
  context: context.optional(),
  evaluations: z
    .array(
      z.object({
        subject: subject.optional(),
        action: action.optional(),
        resource: resource.optional(),
        context: context.optional(),
      }),
    )
    .max(MAX_BATCH_ITEMS, { error: `at most ${MAX_BATCH_ITEMS} items` })
    .optional(),
  options: z
    .object({
      evaluations_semantic: z
        .enum(EVALUATIONS_SEMANTICS, {
          error: `must be one of ${EVALUATIONS_SEMANTICS.join(', ')}`,
        })
        .optional(),
    })
    .optional(),
});

type Subject = z.output<typeof subject>;

/** One evaluation as orgwarden reads it, before the core is asked. */
export interface Evaluation {
  /** Where it is in the document, for messages (`subject`, `evaluations[2].subject`). */
  path: string;
  subject: { type: SubjectType; id: string; token: string | undefined };
  action: string;
  /** null for the org resource (`{"type": "org", "id": "<org>"}`): the question is about the org. */
  resource: { type: string; id: string; org: string | null } | null;
  /** `context.org`, else `resource.properties.org` (the org resource: its id); undefined: none named. */
  org: string | undefined;
  context: Record<string, string>;
  /** `context.min_directory_revision` (read your writes). */
  min_directory_revision: number | undefined;
}

/** An evaluations document: its evaluations (none: answer as a single evaluation) and semantic. */
export interface Evaluations {
  /** null: no `evaluations` array, or an empty one (section 7.1: a single evaluation). */
  items: Evaluation[] | null;
  single: Evaluation | null;
  semantic: EvaluationsSemantic;
}

export function parseEvaluation(body: unknown): Parsed<Evaluation> {
  const parsed = parseDocument(evaluationDocument, body);
  if (!parsed.ok) return parsed;
  return evaluationOf(parsed.value, '');
}

export function parseEvaluations(body: unknown): Parsed<Evaluations> {
  const parsed = parseDocument(evaluationsDocument, body);
  if (!parsed.ok) return parsed;
  const doc = parsed.value;
  const semantic = doc.options?.evaluations_semantic ?? 'execute_all';
  if (doc.evaluations === undefined || doc.evaluations.length === 0) {
    const single = evaluationOf(doc, '');
    return single.ok
      ? { ok: true, value: { items: null, single: single.value, semantic } }
      : single;
  }
  const items: Evaluation[] = [];
  for (const [i, item] of doc.evaluations.entries()) {
    // Section 7.1.1: a key given in an item replaces the top-level default as a whole.
    const merged = {
      subject: item.subject ?? doc.subject,
      action: item.action ?? doc.action,
      resource: item.resource ?? doc.resource,
      context: item.context ?? doc.context,
    };
    const one = evaluationOf(merged, `evaluations[${i}].`);
    if (!one.ok) return one;
    items.push(one.value);
  }
  return { ok: true, value: { items, single: null, semantic } };
}

interface Tuple {
  subject?: Subject | undefined;
  action?: z.output<typeof action> | undefined;
  resource?: z.output<typeof resource> | undefined;
  context?: Record<string, string | number> | undefined;
}

function evaluationOf(doc: Tuple, at: string): Parsed<Evaluation> {
  // Required by section 6.1; in an evaluations document, from the item or the top level.
  for (const key of ['subject', 'action', 'resource'] as const)
    if (doc[key] === undefined) return refused(`${at}${key}: required`);
  const { subject: s, action: a, resource: r } = doc as Required<Tuple>;
  const token = s.properties?.token;
  if (token === undefined) {
    if (s.type !== 'user')
      return refused(
        `${at}subject.type: only a "user" can be vouched for; an API token subject carries its token in subject.properties.token`,
      );
    const problem = userIdProblem(s.id);
    if (problem !== null)
      return refused(`${at}subject.id: ${describeIdProblem('', problem).trimStart()}`);
  }
  // the schema let only min_directory_revision be a number
  const { org, [MIN_REVISION]: min, ...rest } = doc.context ?? {};
  const contextOrg = org as string | undefined;
  const resourceOrg = r.properties?.org;
  const value = {
    path: at,
    subject: { type: s.type, id: s.id, token },
    action: a.name,
    context: rest as Record<string, string>,
    min_directory_revision: min as number | undefined,
  };
  if (r.type !== ORG_RESOURCE)
    return {
      ok: true,
      value: {
        ...value,
        resource: { type: r.type, id: r.id, org: resourceOrg ?? null },
        org: contextOrg ?? resourceOrg,
      },
    };
  // The org itself (org.read, org.members.invite, …): no resource; the org asked in is its id.
  for (const [field, named] of [
    ['context.org', contextOrg],
    ['resource.properties.org', resourceOrg],
  ] as const)
    if (named !== undefined && named !== r.id)
      return refused(`${at}${field}: names another org than the org resource ("${r.id}")`);
  return { ok: true, value: { ...value, resource: null, org: r.id } };
}
