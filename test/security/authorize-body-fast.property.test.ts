/**
 * The authorize document is read by a one-pass fast reader (`plain-authorize-document.ts`) and,
 * for whatever it is not sure of, by the zod schema. The fast reader must never change what is
 * accepted or refused, nor the value or the message: on generated documents — valid ones and ones
 * mutated into every refusal the schema knows (unknown and prototype keys at every level, wrong
 * types, strings one past their bound, lone surrogates in values and keys, too many entries,
 * non-canonical target users, `undefined`, non-plain objects, non-enumerable and symbol keys) —
 * `parseAuthorizeBody` answers exactly what the schema alone answers, and when the fast reader
 * accepts, the schema accepts an equal document.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authorizeDocument,
  parseAuthorizeBody,
  parseAuthorizeBodyBySchema,
} from '../../src/http/inbound/authorize-body.js';
import {
  PLAIN_LIMITS,
  plainAuthorizeDocument,
} from '../../src/http/inbound/plain-authorize-document.js';
import { parseDocument } from '../../src/contract/parse-document.js';
import { fuzzParams } from '../support/fuzz.js';

const NAMES = { org_header: 'x-org-id', org_cookie: 'org' };
const MAX = PLAIN_LIMITS.field;

/** Strings near every bound and hazard: short, at and past the length bound, lone surrogates. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', 'acme', 'n1', 'resource.read', 'Bearer abc.def.ghi', 'a=b; org=acme'),
  fc.constantFrom('x'.repeat(MAX), 'x'.repeat(MAX + 1), '\ud800', 'a\udc00b', '\ud83d\ude00'),
  fc.constantFrom('alice', ' alice', 'Alice', 'e\u0301', '..', 'constructor', 'a\u200bb'),
);
const hostileKey = fc.oneof(
  fc.constantFrom('a', 'x-org-id', 'authorization', 'cookie', 'target_user', 'Authorization'),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '\ud800', '', 'type', 'org', 'id'),
  fc.string({ maxLength: 6 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileText },
  fc.constantFrom(null, undefined, 0, 1.5, true, [], ['a'], {}),
);

const stringMap = (maxKeys: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.dictionary(hostileKey, hostileText, { maxKeys: 4 }) },
    fc.dictionary(fc.string({ maxLength: 3 }), fc.constant('v'), {
      minKeys: maxKeys - 1,
      maxKeys: maxKeys + 2,
    }),
    fc.dictionary(hostileKey, hostileValue, { maxKeys: 3 }),
    hostileValue,
  );

const resource = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      { type: hostileText, id: hostileText, org: hostileText },
      { requiredKeys: [] },
    ),
  },
  fc.dictionary(fc.constantFrom('type', 'id', 'org', 'kind', '__proto__'), hostileValue, {
    maxKeys: 4,
  }),
  hostileValue,
);

const fields = fc.record(
  {
    kind: fc.oneof({ weight: 4, arbitrary: fc.constant('request') }, hostileValue),
    token: fc.oneof({ weight: 4, arbitrary: hostileText }, hostileValue),
    headers: stringMap(PLAIN_LIMITS.headers),
    org: fc.oneof({ weight: 4, arbitrary: hostileText }, hostileValue),
    action: fc.oneof({ weight: 6, arbitrary: hostileText }, hostileValue),
    resource,
    context: stringMap(PLAIN_LIMITS.context),
  },
  { requiredKeys: [] },
);

/** Documents the schema accepts (mostly), so the fast path is exercised as much as the schema. */
const plainText = fc.string({ maxLength: 10 }).filter((t) => t.isWellFormed());
const valid = fc.record(
  {
    token: plainText,
    org: plainText,
    action: plainText,
    resource: fc.option(
      fc.record(
        { type: fc.option(plainText), id: fc.option(plainText), org: plainText },
        { requiredKeys: [], noNullPrototype: true },
      ),
    ),
    context: fc.dictionary(
      fc.constantFrom('a', 'b', 'target_user'),
      fc.constantFrom('alice', 'x', ' y'),
      { noNullPrototype: true },
    ),
  },
  { requiredKeys: ['action'], noNullPrototype: true },
);

/** A document, sometimes with an extra key, made non-plain, or given a hidden key. */
const documents: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: valid },
  { weight: 8, arbitrary: fields },
  fields.chain((doc) => fc.tuple(hostileKey, hostileValue).map(([k, v]) => ({ ...doc, [k]: v }))),
  fields.map((doc) => JSON.parse(JSON.stringify(doc)) as unknown),
  fields.map((doc) => Object.assign(Object.create(null) as object, doc) as unknown),
  fields.map((doc) =>
    Object.defineProperty({ ...doc }, 'token', { value: 't', enumerable: false }),
  ),
  fields.map((doc) => ({ ...doc, [Symbol('s')]: 1 })),
  valid.map((doc) => ({ ...doc, headers: { [Symbol('h')]: 'v' } })),
  valid.map((doc) => ({
    ...doc,
    resource: Object.defineProperty({ id: 'n1' }, 'type', { value: 7, enumerable: false }),
  })),
  valid.map((doc) => ({ ...doc, resource: { constructor: 'x' } })),
  fields.map((doc) => ({
    ...doc,
    context: Object.defineProperty({}, 'target_user', { value: ' x', enumerable: false }),
  })),
  hostileValue,
);

describe('the fast authorize-document reader', () => {
  it('answers exactly what the schema answers (acceptance, value, message) on generated documents', () => {
    let fastAccepted = 0;
    fc.assert(
      fc.property(
        documents,
        fc.constantFrom<'request' | 'batch_item'>('request', 'batch_item'),
        (doc, kind) => {
          expect(parseAuthorizeBody(doc, NAMES, kind)).toEqual(
            parseAuthorizeBodyBySchema(doc, NAMES, kind),
          );
          const plain = plainAuthorizeDocument(doc);
          if (plain !== null) {
            fastAccepted++;
            const bySchema = parseDocument(authorizeDocument, doc);
            expect(bySchema).toEqual({ ok: true, value: plain });
          }
        },
      ),
      fuzzParams(3000),
    );
    // The generator must exercise both paths, or the property says nothing.
    expect(fastAccepted).toBeGreaterThan(300);
  });

  it('builds its value from fresh objects, never the caller’s', () => {
    const doc = {
      token: 't',
      action: 'org.read',
      resource: { type: 'node', id: 'n1' },
      context: { a: 'b' },
      headers: { x: 'y' },
    };
    const plain = plainAuthorizeDocument(doc);
    expect(plain).not.toBeNull();
    expect(plain?.resource).not.toBe(doc.resource);
    expect(plain?.context).not.toBe(doc.context);
    expect(plain?.headers).not.toBe(doc.headers);
  });
});
