/**
 * The bodies of the directory writes, through the one document parser (`parseDocumentAll`):
 *
 *   PUT /v1/directory/orgs/{org}                 a whole org record; its `id` may be left out
 *                                                (the path names the org) but must not disagree
 *   PUT /v1/directory/orgs/{org}/members/{user}  {"role": "<role>"}
 *
 * Invariants:
 * - A string or key that is not well-formed Unicode is 400 `invalid_request` naming the field in
 *   the body (`members[0].user: must be well-formed Unicode …`), the message parseDocument gives.
 * - Every other refusal is the directory's (`invalid_record`, every problem at once). What may be
 *   written (ids, roles, one owner, the default org) is the store's to judge, so the record's
 *   content and the role are checked there, not here.
 */
import { z } from 'zod';
import { formatPath } from '../../contract/document-hazards.js';
import { parseDocumentAll, type ParsedAll } from '../../contract/parse-document.js';
import { InvalidDirectoryError } from '../../directory/errors.js';
import { directoryIssueMessages } from '../../directory/validate.js';
import { ApiError } from '../errors.js';

/** Anything: the record is judged by the store; here only the hazards and the id in the path. */
const recordBody = z.unknown();

const memberBody = z.strictObject(
  { role: z.unknown().optional() },
  {
    error: (iss) =>
      iss.code === 'invalid_type' ? 'must be a JSON object like {"role": "editor"}' : undefined,
  },
);

/** The record to write for the org in the path (the store validates it field by field). */
export function parseRecordBody(org: string, body: unknown): unknown {
  // Beyond the hazards every problem, a prototype key included, is the store's to report.
  parseRefusingMalformedUnicode(recordBody, body);
  if (!isPlainObject(body)) return body;
  if (body.id === undefined) return { ...body, id: org };
  if (body.id !== org) {
    throw new InvalidDirectoryError('org record', [
      `record.id: ${JSON.stringify(body.id)} does not match the org in the path (${JSON.stringify(org)})`,
    ]);
  }
  return body;
}

/** The role of `{"role": "<role>"}` (required and known: the store checks). */
export function parseMemberBody(body: unknown): unknown {
  const parsed = parseRefusingMalformedUnicode(memberBody, body);
  if (!parsed.ok)
    throw new InvalidDirectoryError(
      'member write',
      directoryIssueMessages(memberBody, parsed.issues, { whole: 'body' }),
    );
  return parsed.value.role;
}

/** parseDocumentAll; malformed Unicode is a 400 of its own, naming the field in the body. */
function parseRefusingMalformedUnicode<S extends z.ZodType>(
  schema: S,
  body: unknown,
): ParsedAll<z.output<S>> {
  const parsed = parseDocumentAll(schema, body);
  const malformed = parsed.ok ? undefined : parsed.issues.find((issue) => issue.malformedUnicode);
  if (malformed)
    throw new ApiError(
      'invalid_request',
      `${formatPath(malformed.path, 'request body')}: ${malformed.message}`,
    );
  return parsed;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
