/**
 * Validation of directory documents (`{orgs: [...]}`) and of the records and arguments of writes.
 *
 * Everything that enters a store from outside (the seed file, the admin API, Redis) passes through
 * here, parsed by the one document parser (`parseDocumentAll`) against the schemas in
 * `document-schema.ts`. The records are built by zod from the fields the schemas accept, so
 * nothing unexpected (an unknown key, `__proto__`) can ride along, and every problem is reported at
 * once, each with its place (`orgs[2].members[0].role: unknown role "superuser"`).
 */
import type { z } from 'zod';
import { formatPath, PROTOTYPE_KEYS } from '../contract/document-hazards.js';
import { orgIdProblem, userIdProblem } from '../contract/ids.js';
import { type DocumentIssue, parseDocumentAll } from '../contract/parse-document.js';
import { normaliseRole, type StoredRole } from '../contract/roles.js';
import { fieldsAt } from '../contract/schema-paths.js';
import {
  directoryDocumentSchema,
  memberRefSchema,
  memberWriteSchema,
  orgIdArgumentSchema,
  orgRecordSchema,
  quote,
  SIBLING,
} from './document-schema.js';
import { InvalidDirectoryError } from './errors.js';
import type { OrgRecord } from './types.js';

export interface ValidationOptions {
  /** The org that always exists and is always active (normally `default`). */
  defaultOrg: string;
}

/**
 * The parsers of one directory (one default org), with their schemas built once: stores and routes
 * hold one, because building the schemas costs far more than a parse. The free functions below
 * build what they need on each call (tests, the seed file).
 */
export interface DirectoryValidation {
  readonly defaultOrg: string;
  /** Parses a whole directory document. Throws InvalidDirectoryError listing every problem. */
  parseDirectoryDocument(input: unknown, subject?: string): OrgRecord[];
  /** Parses one org record (the body of a whole-record write, a record read back from a store). */
  parseOrgRecord(input: unknown): OrgRecord;
  /** Validates the arguments of a member write (`PUT .../members/{user}`). */
  parseMemberWrite(
    org: unknown,
    user: unknown,
    role: unknown,
  ): { org: string; user: string; role: StoredRole };
  /** Validates the arguments of a member removal (`DELETE .../members/{user}`). */
  parseMemberRef(org: unknown, user: unknown): { org: string; user: string };
  /** Validates an org id given as an argument (path segment). */
  parseOrgId(org: unknown): string;
}

export function directoryValidation(defaultOrg: string): DirectoryValidation {
  const document = directoryDocumentSchema(defaultOrg);
  const record = orgRecordSchema(defaultOrg);
  const memberWrite = memberWriteSchema(defaultOrg);
  const memberRef = memberRefSchema(defaultOrg);
  const orgIdArgument = orgIdArgumentSchema(defaultOrg);
  return {
    defaultOrg,
    parseDirectoryDocument: (input, subject = 'directory') =>
      parsed(document, input, subject, { whole: 'document' }).orgs.map(toRecord),
    parseOrgRecord: (input) =>
      toRecord(parsed(record, input, 'org record', { whole: 'record', prefix: 'record' })),
    parseMemberWrite: (org, user, role) =>
      parsed(memberWrite, { org, user, role }, 'member write', { whole: 'arguments' }),
    parseMemberRef: (org, user) =>
      parsed(memberRef, { org, user }, 'member removal', { whole: 'arguments' }),
    parseOrgId: (org) => parsed(orgIdArgument, { org }, 'org id', { whole: 'arguments' }).org,
  };
}

/** Parses a whole directory document. Throws InvalidDirectoryError listing every problem. */
export function parseDirectoryDocument(
  input: unknown,
  options: ValidationOptions,
  subject = 'directory',
): OrgRecord[] {
  return parsed(directoryDocumentSchema(options.defaultOrg), input, subject, {
    whole: 'document',
  }).orgs.map(toRecord);
}

/** Parses one org record (the body of a whole-record write). */
export function parseOrgRecord(input: unknown, options: ValidationOptions): OrgRecord {
  return toRecord(
    parsed(orgRecordSchema(options.defaultOrg), input, 'org record', {
      whole: 'record',
      prefix: 'record',
    }),
  );
}

/** Validates the arguments of a member write (`PUT .../members/{user}`). */
export function parseMemberWrite(
  org: unknown,
  user: unknown,
  role: unknown,
  options: ValidationOptions,
): { org: string; user: string; role: StoredRole } {
  return parsed(memberWriteSchema(options.defaultOrg), { org, user, role }, 'member write', {
    whole: 'arguments',
  });
}

/** Validates the arguments of a member removal (`DELETE .../members/{user}`). */
export function parseMemberRef(
  org: unknown,
  user: unknown,
  options: ValidationOptions,
): { org: string; user: string } {
  return parsed(memberRefSchema(options.defaultOrg), { org, user }, 'member removal', {
    whole: 'arguments',
  });
}

/**
 * Whether `id` can name an org whichever org is the default: the grammar, dot-only ids and
 * prototype names. For reads, keys and invalidations, where a case variant of the default org can
 * never have been written; writes and lookups that know the default org use the full check
 * (`isAcceptableOrgId`). One argument, so it is safe as an array callback.
 */
export function isValidOrgId(id: unknown): id is string {
  const problem = orgIdProblem(id, '');
  return problem === null || problem === 'default_org_look_alike';
}

export function isValidUserId(user: unknown): user is string {
  return userIdProblem(user) === null;
}

/** Where an issue's place is named: `whole` for the document itself, `prefix` before every path. */
export interface Naming {
  whole: string;
  prefix?: string;
}

/** The document's value, or InvalidDirectoryError naming every problem in today's message form. */
function parsed<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
  naming: Naming,
): z.output<S> {
  const result = parseDocumentAll(schema, input);
  if (!result.ok)
    throw new InvalidDirectoryError(subject, directoryIssueMessages(schema, result.issues, naming));
  return result.value;
}

/** Issues of a directory document in the directory's message form (`orgs[0]: unknown key "x" (allowed: …)`). */
export function directoryIssueMessages(
  schema: z.ZodType,
  issues: readonly DocumentIssue[],
  naming: Naming,
): string[] {
  return issues.map((issue) => describeIssue(schema, issue, naming));
}

function describeIssue(schema: z.ZodType, issue: DocumentIssue, naming: Naming): string {
  const where = (path: PropertyKey[]) =>
    formatPath(naming.prefix === undefined ? path : [naming.prefix, ...path], naming.whole);
  const at = where(issue.path);
  if (issue.key !== undefined) {
    if (PROTOTYPE_KEYS.has(issue.key)) return `${at}: forbidden key ${quote(issue.key)}`;
    return `${at}: unknown key ${quote(issue.key)} (allowed: ${fieldsAt(schema, issue.path).join(', ')})`;
  }
  const sibling = issue.params?.sibling;
  const message =
    typeof sibling === 'number'
      ? issue.message.replace(SIBLING, where([...issue.path.slice(0, -2), sibling]))
      : issue.message;
  return `${at}: ${message}`;
}

/** A fresh record from a parsed one; a share's `member` access role is stored as what it means. */
function toRecord(record: z.output<ReturnType<typeof orgRecordSchema>>): OrgRecord {
  return {
    id: record.id,
    status: record.status ?? 'active',
    members: (record.members ?? []).map(({ user, role }) => ({ user, role })),
    shares: (record.shares ?? []).map((share) => ({
      id: share.id,
      resource: { type: share.resource.type, id: share.resource.id },
      target_org: share.target_org,
      // `Share.access_role` has no legacy spelling: `member` grants what `viewer` grants.
      access_role: normaliseRole(share.access_role),
      state: share.state,
    })),
  };
}
