/**
 * The input of `orgwarden check`: a `POST /v1/authorize` document, or — offline only — the same
 * question with a `principal` in place of the credential, so a reviewer needs no signed token:
 *
 *   {"principal": {"id": "bob", "kind": "session"|"api_token", "scopes": [], "org_ids": [],
 *    "auth_time": 0}, "org": "acme", "action": "org.delete", ...}
 *
 * With a principal the request is a `TrustedRequest` (no credential is faked). `headers` may come
 * with it, read exactly as `/v1/authorize` reads them, for the org they name (header or cookie): a
 * spoof through a header with a test principal is the question a reviewer asks most. They may not
 * carry an `authorization` credential then, and `token` is an unknown field: who asks is said one
 * way only.
 */
import { z } from 'zod';
import type { Principal } from '../contract/principal.js';
import type { DecisionRequest } from '../contract/decision-request.js';
import { parseDocument, type Parsed } from '../contract/parse-document.js';
import {
  authorizeDocument,
  parseAuthorizeBody,
  questionFields,
  questionOf,
  type TenancyNames,
} from '../http/inbound/authorize-body.js';

const principalDocument = z.object({
  id: z.string().min(1),
  kind: z.enum(['session', 'api_token']).optional(),
  scopes: z.array(z.string()).optional(),
  org_ids: z.array(z.string()).optional(),
  auth_time: z.number().optional(),
});

const trustedDocument = z.strictObject({
  principal: principalDocument,
  headers: authorizeDocument.shape.headers,
  ...questionFields,
});

export function parseCheckInput(doc: unknown, names: TenancyNames): Parsed<DecisionRequest> {
  const hasPrincipal =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc) && 'principal' in doc;
  if (!hasPrincipal) return parseAuthorizeBody(doc, names);
  const parsed = parseDocument(trustedDocument, doc, 'input');
  if (!parsed.ok) return parsed;
  const { principal, headers, ...question } = parsed.value;
  const trusted_principal = principalOf(principal);
  if (headers === undefined)
    return { ok: true, value: { ...questionOf(question, 'request'), trusted_principal } };
  // The org the headers name, read by the same code as the HTTP route's `headers`.
  const read = parseAuthorizeBody({ headers, ...question }, names);
  if (!read.ok) return read;
  const { token, ...asked } = read.value;
  if (token !== undefined)
    return {
      ok: false,
      message: 'input.headers: authorization cannot come with principal (say who asks one way)',
    };
  return { ok: true, value: { ...asked, trusted_principal } };
}

function principalOf(doc: z.output<typeof principalDocument>): Principal {
  const kind = doc.kind ?? 'session';
  const orgIds = doc.org_ids ?? [];
  return {
    id: doc.id,
    kind,
    scopes: doc.scopes ?? [],
    bound_orgs: kind === 'api_token' && orgIds.length > 0 ? orgIds : null,
    auth_time: doc.auth_time ?? null,
  };
}
