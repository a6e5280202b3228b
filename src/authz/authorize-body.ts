/**
 * Validation of the `POST /v1/authorize` document (contract section 4). Strict: unknown keys,
 * wrong types and prototype-polluting keys are rejected with a message naming the field, and the
 * result is built from fresh objects, never from the caller's.
 *
 * Every string must be well-formed Unicode (400 naming the field). Ids: `context.target_user` must
 * be a canonical user id (src/contract/ids.ts), else 400 naming it. Org ids (`org`, the org header
 * and cookie, `resource.org`) are not judged here: they reach the policy, which answers
 * `invalid_org` (`malformed_org_id`) for every id that is not an
 * acceptable org id and `unknown_org` for one the directory lacks, so the attempt is a logged,
 * counted decision like any other org a client may not use. Headers naming the credential or the
 * org twice are refused (see http-credentials.ts).
 */
import { describeIdProblem, userIdProblem } from '../contract/ids.js';
import type { DecisionRequest, ResourceRef } from '../contract/decision-request.js';
import { bearerToken, namedOrg, readGatewayCredentials } from './http-credentials.js';
import type { DecisionKind } from '../contract/decision-kinds.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const TOP_KEYS = ['kind', 'token', 'headers', 'org', 'action', 'resource', 'context'];
const RESOURCE_KEYS = ['type', 'id', 'org'];
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_STRING = 4096;
const MAX_CONTEXT_KEYS = 32;
const MAX_HEADERS = 64;

class Invalid extends Error {}

export interface TenancyNames {
  org_header: string;
  org_cookie: string;
}

export function parseAuthorizeBody(body: unknown, names: TenancyNames, kind: DecisionKind = 'request'): Parsed<DecisionRequest> {
  try {
    return { ok: true, value: parse(body, names, kind) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, message: err.message };
    throw err;
  }
}

function parse(body: unknown, names: TenancyNames, kind: DecisionKind): DecisionRequest {
  const doc = object(body, 'request body');
  keysOnly(doc, TOP_KEYS, '');
  if (doc.kind !== undefined && doc.kind !== 'request') throw new Invalid('kind: must be "request"');
  const hasToken = doc.token !== undefined;
  const hasHeaders = doc.headers !== undefined;
  if (hasToken === hasHeaders) throw new Invalid('exactly one of token and headers is required');

  let token: string | undefined;
  let header: string | undefined;
  let cookie: string | undefined;
  if (hasToken) {
    token = string(doc.token, 'token');
  } else {
    const headers = headerValues(doc.headers);
    const read = readGatewayCredentials((name) => headers.get(name), names);
    if (!read.ok) throw new Invalid(`headers: ${read.message}`);
    token = bearerToken(read.value.authorization);
    header = read.value.header;
    cookie = read.value.cookie;
  }
  const field = doc.org === undefined ? undefined : string(doc.org, 'org');
  return {
    kind,
    token,
    named_org: namedOrg({ field, header, cookie }),
    action: string(doc.action, 'action'),
    resource: doc.resource === undefined || doc.resource === null ? null : resource(doc.resource),
    context: doc.context === undefined ? {} : context(doc.context),
  };
}

/** Action specifics; `target_user` names a member, so it must be a canonical user id. */
function context(value: unknown): Record<string, string> {
  const doc = Object.fromEntries(stringMap(value, 'context', MAX_CONTEXT_KEYS));
  const targetUser = doc.target_user;
  if (targetUser !== undefined) {
    const problem = userIdProblem(targetUser);
    if (problem !== null) throw new Invalid(describeIdProblem('context.target_user:', problem));
  }
  return doc;
}

/**
 * The gateway's headers: every value of each name, by lower-cased name. Names that differ only in
 * case are one header given twice, kept as two values so the credential reader can refuse them.
 */
function headerValues(value: unknown): Map<string, string[]> {
  const doc = object(value, 'headers');
  const entries = Object.keys(doc);
  if (entries.length > MAX_HEADERS) throw new Invalid(`headers: more than ${MAX_HEADERS} entries`);
  const out = new Map<string, string[]>();
  for (const key of entries) {
    if (FORBIDDEN_KEYS.has(key)) throw new Invalid(`headers.${key}: key is not allowed`);
    if (!key.isWellFormed()) throw new Invalid('headers: keys must be well-formed Unicode (no lone surrogates)');
    const item = string(doc[key], `headers.${key}`);
    const name = key.toLowerCase();
    out.set(name, [...(out.get(name) ?? []), item]);
  }
  return out;
}

function resource(value: unknown): ResourceRef {
  const doc = object(value, 'resource');
  keysOnly(doc, RESOURCE_KEYS, 'resource.');
  const field = (key: string) => (doc[key] === undefined || doc[key] === null ? null : string(doc[key], `resource.${key}`));
  return { type: field('type'), id: field('id'), org: field('org') };
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Invalid(`${name}: must be a JSON object`);
  return value as Record<string, unknown>;
}

function keysOnly(doc: Record<string, unknown>, allowed: string[], prefix: string): void {
  for (const key of Object.keys(doc)) {
    if (FORBIDDEN_KEYS.has(key)) throw new Invalid(`${prefix}${key}: key is not allowed`);
    if (!allowed.includes(key)) throw new Invalid(`${prefix}${key}: unknown field`);
  }
}

function string(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new Invalid(`${name}: must be a string`);
  if (value.length > MAX_STRING) throw new Invalid(`${name}: longer than ${MAX_STRING} characters`);
  // A lone surrogate is not text: the policy could not even be handed it (contract §8).
  if (!value.isWellFormed()) throw new Invalid(`${name}: must be well-formed Unicode (no lone surrogates)`);
  return value;
}

/** A flat object of string values. */
function stringMap(value: unknown, name: string, maxKeys: number): Map<string, string> {
  const doc = object(value, name);
  const entries = Object.keys(doc);
  if (entries.length > maxKeys) throw new Invalid(`${name}: more than ${maxKeys} entries`);
  const out = new Map<string, string>();
  for (const key of entries) {
    if (FORBIDDEN_KEYS.has(key)) throw new Invalid(`${name}.${key}: key is not allowed`);
    if (!key.isWellFormed()) throw new Invalid(`${name}: keys must be well-formed Unicode (no lone surrogates)`);
    out.set(key, string(doc[key], `${name}.${key}`));
  }
  return out;
}
