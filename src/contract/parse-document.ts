/**
 * The one way an inbound document (an HTTP body, a file, an in-process caller's document) becomes
 * a typed value: `parseDocument(schema, value)`.
 *
 * 1. Hazards first (`document-hazards.ts`): malformed Unicode and prototype keys, anywhere.
 * 2. Then the zod schema: strict objects refuse unknown fields; types, lengths and grammars are
 *    the schema's. The output is built by zod from the fields it accepts, never the caller's object.
 *
 * Invariant: every failure is a client-safe message that starts with the field path
 * (`recipients[1].id: duplicate recipient id`, `request body: must be a JSON object`), naming the
 * first problem (an unknown field before the others).
 *
 * `parseDocumentAll` is the same parse for documents whose author wants every problem at once (the
 * directory file, seed documents, directory writes): the same hazards, the same schema, every
 * issue with its path, in document order.
 */
import type { z } from 'zod';
import {
  documentHazard,
  findMalformedUnicode,
  findPrototypeKey,
  formatPath,
  PROTOTYPE_KEYS,
} from './document-hazards.js';
import { comparePaths } from './schema-paths.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseDocument<S extends z.ZodType>(
  schema: S,
  value: unknown,
  whole = 'request body',
): Parsed<z.output<S>> {
  const hazard = documentHazard(value, whole);
  if (hazard !== null) return { ok: false, message: hazard };
  const result = schema.safeParse(value, { error: defaultMessage });
  if (result.success) return { ok: true, value: result.data };
  const issues = describeIssues(result.error.issues, [], whole);
  // Unknown fields first: a document with a field it should not have is about that field.
  const first = issues.find((issue) => issue.unknown) ?? issues[0];
  return { ok: false, message: first?.text ?? `${whole}: invalid` };
}

/**
 * One problem of a document: its path, and what is wrong there. `key` is set for a key the object
 * at `path` must not have (an unknown field, or a prototype key: see PROTOTYPE_KEYS).
 */
export interface DocumentIssue {
  path: PropertyKey[];
  message: string;
  key?: string;
  /** A custom issue's `params`, for a caller whose messages need more than the path. */
  params?: Record<string, unknown>;
  /** Set on the one issue of a document refused for malformed Unicode (the same as parseDocument's). */
  malformedUnicode?: true;
}

export type ParsedAll<T> = { ok: true; value: T } | { ok: false; issues: DocumentIssue[] };

/**
 * Every problem of a document at once, in document order. A string or key that is not well-formed
 * Unicode is refused first and alone (the document is not judged further). Prototype keys in
 * strict objects are reported with the schema's other issues; anywhere else (a record's keys) they
 * are refused once the schema has nothing else to say.
 */
export function parseDocumentAll<S extends z.ZodType>(
  schema: S,
  value: unknown,
): ParsedAll<z.output<S>> {
  const malformed = findMalformedUnicode(value);
  if (malformed !== null)
    return {
      ok: false,
      issues: [{ path: malformed.path, message: malformed.problem, malformedUnicode: true }],
    };
  const result = schema.safeParse(value, { error: defaultMessage });
  const issues = result.success ? [] : result.error.issues.flatMap(toDocumentIssues);
  if (issues.length === 0) {
    const prototype = findPrototypeKey(value);
    if (prototype !== null)
      issues.push({ path: prototype.path, key: prototype.problem, message: 'key is not allowed' });
  }
  if (result.success && issues.length === 0) return { ok: true, value: result.data };
  // Array.prototype.sort is stable: issues at one path keep the order the schema found them in.
  return { ok: false, issues: issues.sort((a, b) => comparePaths(schema, a.path, b.path)) };
}

function toDocumentIssues(issue: z.core.$ZodIssue): DocumentIssue[] {
  const path = [...issue.path];
  if (issue.code === 'custom' && issue.params !== undefined)
    return [{ path, message: issue.message, params: issue.params }];
  if (issue.code !== 'unrecognized_keys') return [{ path, message: issue.message }];
  return issue.keys.map((key) => ({
    path,
    key,
    message: PROTOTYPE_KEYS.has(key) ? 'key is not allowed' : 'unknown field',
  }));
}

/** A refusal built outside zod (a cross-field rule), in the same form as parseDocument's. */
export function refused<T>(message: string): Parsed<T> {
  return { ok: false, message };
}

interface Described {
  text: string;
  unknown: boolean;
}

function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[],
  whole: string,
): Described[] {
  return issues.flatMap((issue): Described[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        text: `${formatPath([...path, key], whole)}: ${PROTOTYPE_KEYS.has(key) ? 'key is not allowed' : 'unknown field'}`,
        unknown: true,
      }));
    }
    if (issue.code === 'invalid_union') {
      // The one branch the value had the shape of (e.g. an object where a string or an object is
      // allowed) says what is wrong inside it; otherwise the union's own message.
      const shaped = issue.errors.filter(
        (branch) =>
          !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
      );
      if (shaped.length === 1 && shaped[0] !== undefined)
        return describeIssues(shaped[0], path, whole);
    }
    return [{ text: `${formatPath(path, whole)}: ${issue.message}`, unknown: false }];
  });
}

/** Messages for issues whose schema did not set its own. */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'nonoptional') return 'required';
      if (issue.expected === 'object' || issue.expected === 'record')
        return 'must be a JSON object';
      if (issue.expected === 'array') return 'must be a list';
      return `must be a ${issue.expected}`;
    case 'too_big':
      if (issue.origin === 'string') return `longer than ${issue.maximum} characters`;
      if (issue.origin === 'array') return `at most ${issue.maximum} items`;
      return undefined;
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      return undefined;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    default:
      return undefined;
  }
}
