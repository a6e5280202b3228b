/**
 * The fast reading of a `POST /v1/authorize` document: one pass over a document that is plainly
 * valid, with no zod and no separate hazards walk. It only ever accepts: for anything it is not
 * sure of (an unknown or prototype key, a wrong type, a string too long or not well-formed, an
 * object that is not a plain JSON object, an explicit `undefined`), it answers null and the caller
 * parses the document with the schema (`parseDocument`), which refuses it with the one message
 * the contract names. So the refusals and their messages are the schema's by construction.
 *
 * Invariant (test/security/authorize-body-fast.property.test.ts): whenever this accepts a
 * document, the schema accepts it too, with an equal value; the value is built from fresh objects,
 * never the caller's.
 */
import { PROTOTYPE_KEYS } from '../../contract/document-hazards.js';
import { userIdProblem } from '../../contract/ids.js';

/** The bounds of the schema in `authorize-body.ts` (`fields.ts`); the property test pins them. */
export const PLAIN_LIMITS = { field: 4096, headers: 64, context: 32 } as const;

export interface PlainAuthorizeDocument {
  kind?: 'request';
  token?: string;
  headers?: Record<string, string>;
  org?: string;
  action: string;
  resource?: { type?: string | null; id?: string | null; org?: string | null } | null;
  context?: Record<string, string>;
}

/** The document as the schema would read it, or null: not plainly valid (let the schema judge). */
export function plainAuthorizeDocument(body: unknown): PlainAuthorizeDocument | null {
  if (!isPlainObject(body)) return null;
  let action: string | undefined;
  let seen = 0;
  const out: Partial<PlainAuthorizeDocument> = {};
  for (const key in body) {
    if (!Object.hasOwn(body, key)) return null;
    seen |= DOCUMENT_FIELDS.get(key) ?? 0;
    const value = body[key];
    switch (key) {
      case 'kind':
        if (value !== 'request') return null;
        out.kind = value;
        break;
      case 'token':
      case 'org':
        if (!isText(value)) return null;
        out[key] = value;
        break;
      case 'action':
        if (!isText(value)) return null;
        action = value;
        break;
      case 'headers': {
        const map = plainStringMap(value, PLAIN_LIMITS.headers);
        if (map === null) return null;
        out.headers = map;
        break;
      }
      case 'context': {
        const map = plainStringMap(value, PLAIN_LIMITS.context);
        if (map === null) return null;
        const target = map.target_user;
        if (target !== undefined && userIdProblem(target) !== null) return null;
        out.context = map;
        break;
      }
      case 'resource': {
        if (value === null) {
          out.resource = null;
          break;
        }
        const resource = plainResource(value);
        if (resource === null) return null;
        out.resource = resource;
        break;
      }
      default:
        return null;
    }
  }
  if (action === undefined || !noHiddenFields(body, DOCUMENT_FIELDS, seen)) return null;
  // Completed in place, not as `{ ...out, action }`: on V8 a spread followed by a property takes
  // a slow path whose objects outlive two young-generation collections (docs/benchmarks.md).
  const document = out as PlainAuthorizeDocument;
  document.action = action;
  return document;
}

type PlainObject = Record<string, unknown>;

/** An object as `JSON.parse` makes them (anything else is left to the schema). */
function isPlainObject(value: unknown): value is PlainObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/** Each field of the document (and of `resource`) as one bit, to note which `for…in` saw. */
const DOCUMENT_FIELDS: ReadonlyMap<string, number> = new Map([
  ['kind', 1],
  ['token', 2],
  ['headers', 4],
  ['org', 8],
  ['action', 16],
  ['resource', 32],
  ['context', 64],
]);
const RESOURCE_FIELDS: ReadonlyMap<string, number> = new Map([
  ['type', 1],
  ['id', 2],
  ['org', 4],
]);

/**
 * `for…in` sees the enumerable string keys; the schema also reads a field that is there but not
 * enumerable (an in-process caller's `defineProperty`). A field `for…in` did not see must read
 * as absent, or the document is left to the schema.
 */
function noHiddenFields(
  value: PlainObject,
  fields: ReadonlyMap<string, number>,
  seen: number,
): boolean {
  for (const [key, bit] of fields) if ((seen & bit) === 0 && value[key] !== undefined) return false;
  return true;
}

/**
 * A record's symbol keys, which `for…in` does not see, are refused by the schema (its keys are
 * strings): a map with any is left to the schema. (Non-enumerable keys the schema skips too.)
 */
function hasSymbolKeys(value: object): boolean {
  return Object.getOwnPropertySymbols(value).length > 0;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= PLAIN_LIMITS.field && value.isWellFormed();
}

/** A flat map of strings: well-formed keys, no prototype key, at most `maxKeys` entries. */
function plainStringMap(value: unknown, maxKeys: number): Record<string, string> | null {
  if (!isPlainObject(value) || hasSymbolKeys(value)) return null;
  const out: Record<string, string> = {};
  let count = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return null;
    if (++count > maxKeys || PROTOTYPE_KEYS.has(key) || !key.isWellFormed()) return null;
    const item = value[key];
    if (!isText(item)) return null;
    out[key] = item;
  }
  return out;
}

function plainResource(value: unknown): PlainAuthorizeDocument['resource'] | null {
  if (!isPlainObject(value)) return null;
  const out: Record<string, string | null> = {};
  let seen = 0;
  for (const key in value) {
    const bit = RESOURCE_FIELDS.get(key);
    if (!Object.hasOwn(value, key) || bit === undefined) return null;
    seen |= bit;
    const item = value[key];
    if (item !== null && !isText(item)) return null;
    out[key] = item;
  }
  return noHiddenFields(value, RESOURCE_FIELDS, seen) ? out : null;
}
