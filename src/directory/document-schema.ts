/**
 * The zod schemas of directory documents (`{orgs: [...]}`), of one org record and of a member
 * write's arguments. `validate.ts` parses with them through `parseDocumentAll`, so a directory
 * document is refused, like every inbound document, by one parser, with every problem at once.
 *
 * Every message here is the text after the field path (`unknown role "superuser" (expected one of
 * …)`); `required` for a field that is missing. Rules between fields (one owner, no duplicate ids,
 * no share with itself, the default org is active) run for the entries that are valid on their
 * own, even when other entries are not, so a document's every problem is reported.
 *
 * Ids follow the contract's grammars (src/contract/ids.ts): org ids and share target orgs must be
 * acceptable org ids; member user ids, share ids and resource types and ids must be canonical ids.
 * A value is never normalised into an accepted one: the store keeps exactly what decisions compare.
 */
import { z } from 'zod';
import {
  describeIdProblem,
  type IdProblem,
  ORG_ID_GRAMMAR_TEXT,
  orgIdProblem,
  userIdProblem,
} from '../contract/ids.js';
import { STORED_ROLES, type StoredRole } from '../contract/roles.js';
import { ORG_STATUSES } from './types.js';

const SHARE_STATES = ['accepted', 'pending'] as const;
/** Stands in a message for the path of the entry in `params.sibling` (see `issue`). */
export const SIBLING = '{sibling}';

/** A mapping with exactly these fields (an unknown or prototype key is an issue of its own). */
const mapping = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'invalid_type'
        ? requiredOr(iss.input, `must be a mapping, got ${describe(iss.input)}`)
        : undefined,
  });

const list = <T extends z.core.SomeType>(element: T) =>
  z.array(element, { error: (iss) => `must be a list, got ${describe(iss.input)}` });

const string = () =>
  z.string({
    error: (iss) => requiredOr(iss.input, `must be a string, got ${describe(iss.input)}`),
  });

/** User ids, share ids, resource types and ids: canonical ids. */
const identifier = () =>
  string().check((ctx) => {
    const problem = userIdProblem(ctx.value);
    if (problem !== null)
      ctx.issues.push({ code: 'custom', input: ctx.value, message: problemText(problem) });
  });

const orgId = (defaultOrg: string) =>
  string().check((ctx) => {
    const problem = orgIdProblem(ctx.value, defaultOrg);
    if (problem === null) return;
    const message =
      problem === 'empty' || problem === 'outside_org_id_grammar'
        ? `invalid org id ${quote(ctx.value)} (${ORG_ID_GRAMMAR_TEXT})`
        : `${problemText(problem)} (got ${quote(ctx.value)})`;
    ctx.issues.push({ code: 'custom', input: ctx.value, message });
  });

const role = () =>
  z.enum(STORED_ROLES as [StoredRole, ...StoredRole[]], {
    error: (iss) =>
      requiredOr(
        iss.input,
        `unknown role ${describe(iss.input)} (expected one of ${STORED_ROLES.join(', ')})`,
      ),
  });

const status = z
  .enum(ORG_STATUSES, {
    error: (iss) =>
      `unknown status ${describe(iss.input)} (expected one of ${ORG_STATUSES.join(', ')})`,
  })
  .optional();

const state = z.enum(SHARE_STATES, {
  error: (iss) =>
    iss.input === undefined
      ? 'required (accepted or pending)'
      : `unknown state ${describe(iss.input)} (expected accepted or pending)`,
});

const member = mapping({ user: identifier(), role: role() });

/** Members: unique users, at most one owner (among the entries whose user and role are valid). */
const members = list(member).superRefine(
  (entries, ctx) => {
    const seen = new Map<string, number>();
    let owner: { user: string; index: number } | null = null;
    if (!isList(entries)) return;
    entries.forEach((entry, index) => {
      if (hasIssue(ctx.issues, index, ['user', 'role']) || !isMapping(entry)) return;
      const first = seen.get(entry.user);
      if (first !== undefined) {
        issue(
          ctx,
          [index, 'user'],
          `duplicate member ${quote(entry.user)} (also at ${SIBLING})`,
          first,
        );
        return;
      }
      seen.set(entry.user, index);
      if (entry.role !== 'owner') return;
      if (owner) {
        const other = `${quote(owner.user)} at ${SIBLING}`;
        issue(
          ctx,
          [index, 'role'],
          `second owner ${quote(entry.user)}; an org has at most one owner (${other})`,
          owner.index,
        );
        return;
      }
      owner = { user: entry.user, index };
    });
  },
  { when: () => true },
);

const share = (defaultOrg: string) =>
  mapping({
    id: identifier(),
    resource: mapping({ type: identifier(), id: identifier() }),
    target_org: orgId(defaultOrg),
    access_role: role(),
    state,
  });

/** Shares: unique ids (among the entries valid on their own). */
const shares = (defaultOrg: string) =>
  list(share(defaultOrg)).superRefine((entries, ctx) => uniqueIds(entries, ctx, 'share id'), {
    when: () => true,
  });

/** One org record: `status` may be left out only by the default org, which is always active. */
export const orgRecordSchema = (defaultOrg: string) =>
  mapping({
    id: orgId(defaultOrg),
    status,
    members: members.optional(),
    shares: shares(defaultOrg).optional(),
  }).superRefine(
    (record, ctx) => {
      if (!isMapping(record) || hasIssue(ctx.issues, 'id', [])) return;
      if (record.id === defaultOrg) {
        if (
          record.status !== undefined &&
          record.status !== 'active' &&
          !hasIssue(ctx.issues, 'status', [])
        ) {
          issue(ctx, ['status'], `the default org ${quote(defaultOrg)} is always active`);
        }
      } else if (record.status === undefined && !hasIssue(ctx.issues, 'status', [])) {
        issue(ctx, ['status'], `required (one of ${ORG_STATUSES.join(', ')})`);
      }
      (Array.isArray(record.shares) ? record.shares : []).forEach((entry, index) => {
        if (
          isMapping(entry) &&
          entry.target_org === record.id &&
          !hasIssue(ctx.issues, 'shares', [index, 'target_org'])
        ) {
          issue(ctx, ['shares', index, 'target_org'], 'an org cannot share with itself');
        }
      });
    },
    { when: () => true },
  );

/** A whole directory document: `{orgs: [...]}` with unique org ids. */
export const directoryDocumentSchema = (defaultOrg: string) =>
  mapping({
    orgs: z
      .array(orgRecordSchema(defaultOrg), {
        error: (iss) =>
          iss.input === undefined
            ? 'required (use "orgs: []" for an empty directory)'
            : `must be a list, got ${describe(iss.input)}`,
      })
      .superRefine((entries, ctx) => uniqueIds(entries, ctx, 'org id'), { when: () => true }),
  });

/** The arguments of a member write or removal, as one document. */
export const memberWriteSchema = (defaultOrg: string) =>
  mapping({ org: orgId(defaultOrg), user: identifier(), role: role() });
export const memberRefSchema = (defaultOrg: string) =>
  mapping({ org: orgId(defaultOrg), user: identifier() });
export const orgIdArgumentSchema = (defaultOrg: string) => mapping({ org: orgId(defaultOrg) });

type Ctx = z.core.$RefinementCtx<unknown[]> | z.core.$RefinementCtx<Record<string, unknown>>;

/** Duplicate `id`s among the entries that have no issue of their own. */
function uniqueIds(
  entries: readonly { id: string }[],
  ctx: z.core.$RefinementCtx<unknown[]>,
  what: string,
): void {
  if (!isList(entries)) return;
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (hasIssue(ctx.issues, index, []) || !isMapping(entry)) return;
    const first = seen.get(entry.id);
    if (first !== undefined)
      issue(ctx, [index, 'id'], `duplicate ${what} ${quote(entry.id)} (also at ${SIBLING})`, first);
    else seen.set(entry.id, index);
  });
}

/**
 * Whether the parse so far found an issue at `[step, ...]` (any, when `fields` is empty) or at
 * `[step, field, ...]` for one of `fields` (or at `[step]` itself).
 */
function hasIssue(
  issues: readonly { path?: PropertyKey[] }[],
  step: PropertyKey,
  fields: readonly PropertyKey[],
): boolean {
  return issues.some(({ path = [] }) => {
    if (path[0] !== step) return false;
    if (fields.length === 0 || path.length === 1) return true;
    return fields.includes(path[1] ?? '');
  });
}

/**
 * An issue at `path` (relative to the schema running the rule). `sibling`: the index of another
 * entry of the same list the message names where it says SIBLING (validate.ts writes its path).
 */
function issue(ctx: Ctx, path: PropertyKey[], message: string, sibling?: number): void {
  ctx.addIssue({
    code: 'custom',
    path,
    message,
    input: ctx.value,
    ...(sibling === undefined ? {} : { params: { sibling } }),
  });
}

/** The rules above run even after issues (`when`), so the value may not have its type: guard. */
function isMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** As isMapping, for lists (not a type guard: the value keeps its parsed type). */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

function problemText(problem: IdProblem): string {
  return describeIdProblem('', problem).trimStart();
}

function requiredOr(input: unknown, message: string): string {
  return input === undefined ? 'required' : message;
}

export function quote(value: string): string {
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return JSON.stringify(shown);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'a mapping';
    default:
      return `a ${typeof value}`;
  }
}
