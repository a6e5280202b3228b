/**
 * Turns zod's issues into the config's problem lines: each names its key path and says what is
 * wrong in the words the docs use ("must be an integer, got string", "unknown key `x` — did you
 * mean `y`?"). An unknown key is reported once per key, with the nearest known key if one is near.
 */
import type { z } from 'zod';
import type { ConfigIssue } from '../contract/config-error.js';
import { nearestKey } from './suggest.js';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

export function describeIssues(issues: readonly Issue[], schema: z.core.$ZodType): ConfigIssue[] {
  return issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map((key) => {
        const near = nearestKey(key, known);
        return {
          path: formatPath([...issue.path, key]),
          message: `unknown key \`${key}\`${near ? ` — did you mean \`${near}\`?` : ''}`,
        };
      });
    }
    return [{ path: formatPath(issue.path), message: messageOf(issue) }];
  });
}

function messageOf(issue: Issue): string {
  const input: unknown = issue.input;
  if (input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union'))
    return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${EXPECTED[issue.expected] ?? `a ${issue.expected}`}, got ${describe(input)}`;
    case 'too_small':
      if (issue.origin === 'array') return `must have at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be >= ${issue.minimum}`;
    case 'too_big':
      return `must be <= ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `${JSON.stringify(input)} does not match ${String(issue.pattern)}`
        : issue.message;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}, got ${JSON.stringify(input)}`;
    default:
      return issue.message;
  }
}

const EXPECTED: Record<string, string> = {
  int: 'an integer',
  number: 'an integer', // every number in the config is an integer
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;

function formatPath(path: readonly PathKey[]): string {
  return path.reduce<string>(
    (out, key) =>
      typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key),
    '',
  );
}

/** The inner schemas a wrapper holds, as zod's definitions name them. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  out?: z.core.$ZodType;
  element?: z.core.$ZodType;
}

/** The keys the object schema at `path` declares (through optional, default and pipe wrappers). */
function knownKeysAt(schema: z.core.$ZodType, path: readonly PathKey[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  let rest = [...path];
  while (node) {
    const def = node._zod.def as SchemaDef;
    if (def.type === 'object') {
      if (rest.length === 0) return Object.keys(def.shape ?? {});
      const [key, ...tail] = rest;
      node = def.shape?.[String(key)];
      rest = tail;
    } else if (def.type === 'array') {
      node = def.element;
      rest = rest.slice(1);
    } else if (def.type === 'pipe') {
      // a preprocess is a pipe from a transform into the schema that holds the keys
      node = def.in?._zod.def.type === 'transform' ? def.out : def.in;
    } else {
      node = def.innerType;
    }
  }
  return [];
}
