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
 */
import type { z } from 'zod';
import { documentHazard, formatPath, PROTOTYPE_KEYS } from './document-hazards.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseDocument<S extends z.ZodType>(schema: S, value: unknown, whole = 'request body'): Parsed<z.output<S>> {
  const hazard = documentHazard(value, whole);
  if (hazard !== null) return { ok: false, message: hazard };
  const result = schema.safeParse(value, { error: defaultMessage });
  if (result.success) return { ok: true, value: result.data };
  const issues = describeIssues(result.error.issues, [], whole);
  // Unknown fields first: a document with a field it should not have is about that field.
  const first = issues.find((issue) => issue.unknown) ?? issues[0];
  return { ok: false, message: first?.text ?? `${whole}: invalid` };
}

/** A refusal built outside zod (a cross-field rule), in the same form as parseDocument's. */
export function refused<T>(message: string): Parsed<T> {
  return { ok: false, message };
}

interface Described {
  text: string;
  unknown: boolean;
}

function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[], whole: string): Described[] {
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
      const shaped = issue.errors.filter((branch) => !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0));
      if (shaped.length === 1 && shaped[0] !== undefined) return describeIssues(shaped[0], path, whole);
    }
    return [{ text: `${formatPath(path, whole)}: ${issue.message}`, unknown: false }];
  });
}

/** Messages for issues whose schema did not set its own. */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'object' || issue.expected === 'record') return 'must be a JSON object';
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
