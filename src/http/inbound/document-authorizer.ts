/**
 * The decision core plus its document entry: `authorize(body)` takes the `POST /v1/authorize`
 * document (parsed exactly as the HTTP route parses it) and returns the decision, or the 400
 * message naming the field. This is the authorizer the library exports and the app serves; the
 * core itself (authz/) knows no documents.
 */
import { createAuthorizer, type Authorizer, type AuthorizerDeps } from '../../authz/authorizer.js';
import type { Decision } from '../../contract/decision.js';
import type { DecisionKind } from '../../contract/decision-kinds.js';
import { parseAuthorizeBody, type Parsed, type TenancyNames } from './authorize-body.js';

export interface DocumentAuthorizer extends Authorizer {
  /** Convenience for in-process callers: the `POST /v1/authorize` document in, a decision out. */
  authorize(body: unknown, kind?: DecisionKind): Promise<Parsed<Decision>>;
}

export interface DocumentAuthorizerDeps extends AuthorizerDeps {
  /** The default org, and the org header and cookie names a document's `headers` are read with. */
  tenancy: TenancyNames & { default_org: string };
}

export function createDocumentAuthorizer(deps: DocumentAuthorizerDeps): DocumentAuthorizer {
  const core = createAuthorizer(deps);
  return {
    ...core,
    async authorize(body, kind = 'request') {
      const parsed = parseAuthorizeBody(body, deps.tenancy, kind);
      return parsed.ok ? { ok: true, value: await core.decide(parsed.value) } : parsed;
    },
  };
}
