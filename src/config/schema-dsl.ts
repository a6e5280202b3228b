/**
 * A small declarative schema for the YAML config: each component declares its keys, types and
 * defaults; `check` walks a parsed document and reports every problem at once, each naming its
 * key path. No silent fallbacks: unknown keys are errors.
 */
export type Schema =
  | { type: 'string'; default?: string; optional?: boolean; pattern?: RegExp; enum?: readonly string[] }
  | { type: 'integer'; default?: number; optional?: boolean; min?: number; max?: number }
  | { type: 'boolean'; default?: boolean; optional?: boolean }
  | { type: 'string_or_list'; default?: string | string[]; optional?: boolean }
  | { type: 'list'; items: Schema; default?: unknown[]; optional?: boolean; minItems?: number }
  | { type: 'object'; keys: Record<string, Schema>; optional?: boolean };

export interface SchemaIssue {
  path: string;
  message: string;
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;

/** Returns the value with defaults applied; pushes every problem found into `issues`. */
export function check(schema: Schema, value: unknown, path: string, issues: SchemaIssue[]): unknown {
  if (value === undefined || value === null) {
    if ('default' in schema && schema.default !== undefined) return structuredClone(schema.default);
    if (schema.type === 'object' && !schema.optional) return check(schema, {}, path, issues);
    if (!schema.optional) issues.push({ path, message: 'is required' });
    return undefined;
  }
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return fail(issues, path, `must be a string, got ${describe(value)}`);
      if (schema.pattern && !schema.pattern.test(value)) return fail(issues, path, `"${value}" does not match ${schema.pattern}`);
      if (schema.enum && !schema.enum.includes(value))
        return fail(issues, path, `must be one of ${schema.enum.join(', ')}, got "${value}"`);
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return fail(issues, path, `must be an integer, got ${describe(value)}`);
      if (schema.min !== undefined && value < schema.min) return fail(issues, path, `must be >= ${schema.min}`);
      if (schema.max !== undefined && value > schema.max) return fail(issues, path, `must be <= ${schema.max}`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') return fail(issues, path, `must be true or false, got ${describe(value)}`);
      return value;
    case 'string_or_list':
      if (typeof value === 'string') return value;
      if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return [...value];
      return fail(issues, path, 'must be a string or a non-empty list of strings');
    case 'list': {
      if (!Array.isArray(value)) return fail(issues, path, `must be a list, got ${describe(value)}`);
      if (schema.minItems !== undefined && value.length < schema.minItems)
        return fail(issues, path, `must have at least ${schema.minItems} item(s)`);
      return value.map((item, i) => check(schema.items, item, `${path}[${i}]`, issues));
    }
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value))
        return fail(issues, path, `must be a mapping, got ${describe(value)}`);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(schema.keys, key)) issues.push({ path: join(path, key), message: 'is not a known key' });
      }
      for (const [key, sub] of Object.entries(schema.keys)) {
        const v = check(sub, (value as Record<string, unknown>)[key], join(path, key), issues);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
  }
}

function fail(issues: SchemaIssue[], path: string, message: string): undefined {
  issues.push({ path, message });
  return undefined;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
