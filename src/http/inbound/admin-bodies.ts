/**
 * The bodies of the admin routes, parsed by the one document parser (`parseDocument`): hazards
 * first (malformed Unicode, prototype keys), then a strict schema. A refusal is 400
 * `invalid_request` whose message starts with the field path.
 *
 *   PUT  /v1/admin/tenancy          {"multi_tenant": true|false}
 *   POST /v1/admin/policy/shadow    {}, {"bundle": PATH} or {"dir": PATH} (PATH absolute)
 *   POST /v1/admin/directory/seed   {"source": "file" | "empty"}
 */
import { z } from 'zod';
import { parseDocument } from '../../contract/parse-document.js';
import type { PolicySource } from '../../policy-rollout/index.js';
import { ApiError } from '../errors.js';

const tenancyBody = z.strictObject({ multi_tenant: z.boolean({ error: 'must be true or false' }) });

const absolutePath = z
  .string({ error: 'must be an absolute path' })
  .refine((path) => path.startsWith('/'), 'must be an absolute path');
const SHADOW_SHAPE = 'must be {}, {"bundle": PATH} or {"dir": PATH}';
const shadowBody = z
  .strictObject({ bundle: absolutePath.optional(), dir: absolutePath.optional() })
  .refine((body) => body.bundle === undefined || body.dir === undefined, SHADOW_SHAPE);

const SEED_SOURCES = ['file', 'empty'] as const;
const seedBody = z.strictObject({
  source: z.enum(SEED_SOURCES, {
    error: (iss) =>
      iss.input === undefined
        ? 'required ("file" or "empty")'
        : `must be "file" or "empty", got ${JSON.stringify(iss.input)}`,
  }),
});

/** Exactly `{"multi_tenant": true|false}`. */
export function parseTenancyBody(body: unknown): boolean {
  return parsedOrThrow(tenancyBody, body).multi_tenant;
}

/** `{}`, `{"bundle": PATH}` or `{"dir": PATH}`; undefined means the configured shadow. */
export function parseShadowBody(body: unknown): PolicySource | undefined {
  const { bundle, dir } = parsedOrThrow(shadowBody, body);
  if (bundle !== undefined) return { bundle };
  return dir === undefined ? undefined : { dir };
}

/** Exactly `{"source": "file" | "empty"}`. */
export function parseSeedBody(body: unknown): 'file' | 'empty' {
  return parsedOrThrow(seedBody, body).source;
}

function parsedOrThrow<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = parseDocument(schema, body);
  if (!parsed.ok) throw new ApiError('invalid_request', parsed.message);
  return parsed.value;
}
