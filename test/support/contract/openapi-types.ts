/**
 * TypeScript types generated from the schemas of openapi/orgwarden.yaml (`components.schemas`),
 * for the compile-time check of the client (test/client/client-types.test.ts). Written to
 * test/client/openapi-types.generated.ts by `npm run openapi:types`; a test fails when the
 * committed file is not what the document generates.
 *
 * Covers the JSON Schema the document uses: $ref, const, enum, type (and type lists), object
 * properties / required / additionalProperties, items, oneOf / anyOf (a union), allOf (an
 * intersection) and, beside properties, a oneOf of `required` lists (exactly one of some keys).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';

interface Schema {
  $ref?: string;
  const?: unknown;
  enum?: unknown[];
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
}

export const GENERATED_TYPES = 'test/client/openapi-types.generated.ts';

/** The file's text, formatted as the repository formats TypeScript. */
export async function generateOpenApiTypes(yamlText: string): Promise<string> {
  const options = await resolveConfig(GENERATED_TYPES);
  return format(typesOf(yamlText), { ...options, filepath: GENERATED_TYPES });
}

function typesOf(yamlText: string): string {
  const doc = parse(yamlText) as { components: { schemas: Record<string, Schema> } };
  const lines = Object.entries(doc.components.schemas).map(
    ([name, schema]) => `  ${name}: ${typeOf(schema)};`,
  );
  return [
    '// Generated from openapi/orgwarden.yaml by `npm run openapi:types`; do not edit.',
    '/* eslint-disable */',
    'export interface Schemas {',
    ...lines,
    '}',
    '',
  ].join('\n');
}

function typeOf(schema: Schema): string {
  if (schema.$ref) return `Schemas['${schema.$ref.split('/').pop() ?? ''}']`;
  if ('const' in schema) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.allOf) return schema.allOf.map((s) => `(${typeOf(s)})`).join(' & ');
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives && !schema.properties)
    return alternatives.map((s) => `(${typeOf(s)})`).join(' | ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return schema.properties ? objectType(schema) : 'unknown';
  return types.map((type) => single(type, schema)).join(' | ');
}

function single(type: string, schema: Schema): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return schema.items ? `(${typeOf(schema.items)})[]` : 'unknown[]';
    default:
      return objectType(schema);
  }
}

function objectType(schema: Schema): string {
  const required = new Set(schema.required ?? []);
  const members = Object.entries(schema.properties ?? {}).map(
    ([key, value]) => `${JSON.stringify(key)}${required.has(key) ? '' : '?'}: ${typeOf(value)}`,
  );
  const extra = schema.additionalProperties;
  // An intersection, not an index signature: optional members need not be of the index's type.
  const open = typeof extra === 'object' ? ` & { [key: string]: ${typeOf(extra)} }` : '';
  const base = `{ ${members.join('; ')} }${open}`;
  const exactlyOne = (schema.oneOf ?? []).map((s) => s.required ?? []);
  if (exactlyOne.length === 0) return base;
  const variants = exactlyOne.map((keys) => {
    const others = exactlyOne.flat().filter((k) => !keys.includes(k));
    const own = keys.map((k) => `${JSON.stringify(k)}: ${typeOf(schema.properties?.[k] ?? {})}`);
    const absent = others.map((k) => `${JSON.stringify(k)}?: never`);
    return `{ ${[...own, ...absent].join('; ')} }`;
  });
  return `${base} & (${variants.join(' | ')})`;
}

// `npm run openapi:types`: regenerates the committed file.
if (process.argv.includes('--write'))
  writeFileSync(
    GENERATED_TYPES,
    await generateOpenApiTypes(readFileSync('openapi/orgwarden.yaml', 'utf8')),
  );
