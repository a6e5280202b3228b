/**
 * Reading a zod schema along a document path: which fields an object at that path declares, and
 * in which order. `parseDocumentAll` uses it to report issues in document order (an object's own
 * problems first, then its fields in the order the schema declares them, list entries by index),
 * whatever order the checks that found them ran in.
 */
import { z } from 'zod';

/** The fields the object schema at `path` declares, in order ([] when there is no object there). */
export function fieldsAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  for (const step of path) node = node === undefined ? undefined : childAt(node, step);
  const inner = node === undefined ? undefined : unwrap(node);
  return inner instanceof z.core.$ZodObject ? Object.keys(inner._zod.def.shape) : [];
}

/**
 * Orders two issue paths in document order: a path before the paths inside it, list entries by
 * index, an object's fields in the order its schema declares them (undeclared ones last).
 */
export function comparePaths(
  schema: z.core.$ZodType,
  a: readonly PropertyKey[],
  b: readonly PropertyKey[],
): number {
  let node: z.core.$ZodType | undefined = schema;
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y) {
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      const fields = node === undefined ? [] : fieldsAt(node, []);
      return rank(fields, x) - rank(fields, y);
    }
    node = node === undefined || x === undefined ? undefined : childAt(node, x);
  }
  return a.length - b.length;
}

function rank(fields: readonly string[], step: PropertyKey | undefined): number {
  const index = typeof step === 'string' ? fields.indexOf(step) : -1;
  return index < 0 ? fields.length : index;
}

function childAt(schema: z.core.$ZodType, step: PropertyKey): z.core.$ZodType | undefined {
  const node = unwrap(schema);
  if (node instanceof z.core.$ZodObject && typeof step === 'string')
    return node._zod.def.shape[step];
  if (node instanceof z.core.$ZodArray) return node._zod.def.element;
  if (node instanceof z.core.$ZodRecord) return node._zod.def.valueType;
  return undefined;
}

/** The schema an optional, default or pipe wraps (the input side of a pipe). */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let node = schema;
  for (;;) {
    if (
      node instanceof z.core.$ZodOptional ||
      node instanceof z.core.$ZodNullable ||
      node instanceof z.core.$ZodDefault
    )
      node = node._zod.def.innerType;
    else if (node instanceof z.core.$ZodPipe) node = node._zod.def.in;
    else return node;
  }
}
