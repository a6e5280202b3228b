/**
 * The input of `orgwarden check`: a `POST /v1/authorize` document, or — offline only — the same
 * question with a `principal` in place of the credential, so a reviewer needs no signed token:
 *
 *   {"principal": {"id": "bob", "kind": "session"|"api_token", "scopes": [], "org_ids": [],
 *    "auth_time": 0}, "org": "acme", "action": "org.delete", ...}
 *
 * With a principal the request is a `TrustedRequest` (no credential is faked); `token` and
 * `headers` are then unknown fields, since only one of the two ways of saying who asks is allowed.
 */
import { z } from 'zod';
import type { Principal } from '../contract/principal.js';
import type { DecisionRequest } from '../contract/decision-request.js';
import { parseDocument, type Parsed } from '../contract/parse-document.js';
import {
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

const trustedDocument = z.strictObject({ principal: principalDocument, ...questionFields });

export function parseCheckInput(doc: unknown, names: TenancyNames): Parsed<DecisionRequest> {
  const hasPrincipal =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc) && 'principal' in doc;
  if (!hasPrincipal) return parseAuthorizeBody(doc, names);
  const parsed = parseDocument(trustedDocument, doc, 'input');
  if (!parsed.ok) return parsed;
  const { principal, ...question } = parsed.value;
  return {
    ok: true,
    value: { ...questionOf(question, 'request'), trusted_principal: principalOf(principal) },
  };
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
