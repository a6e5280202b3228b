/**
 * The normalised request every surface (HTTP, batch, events, jobs, forward-auth, the CLI) hands
 * the core. Who is asking comes in exactly one of two forms:
 *
 * - `CredentialRequest`: the caller's bearer credential as received (or none), authenticated by
 *   the core. This is the only form a client's document can produce (`http/inbound/`).
 * - `TrustedRequest`: a principal a trusted server-side caller already established (a job runner
 *   naming the enqueuer, the realtime hub naming a session's user, a surface that authenticated
 *   the caller itself, the offline CLI). No credential rides along, and none is faked.
 */
import type { DecisionKind } from './decision-kinds.js';
import type { NamedOrgSource } from './org-sources.js';
import type { Principal } from './principal.js';

/** The most decisions one batch document asks for (`/v1/authorize/batch`, AuthZEN evaluations). */
export const MAX_BATCH_ITEMS = 1000;
/** The most entries a decision's `context` holds. */
export const MAX_CONTEXT_KEYS = 32;
/** Longest string a decision document carries in any field. */
export const MAX_FIELD_LENGTH = 4096;

export interface ResourceRef {
  type: string | null;
  id: string | null;
  org: string | null;
}

/** What is asked, whoever asks it. */
export interface DecisionQuestion {
  kind: DecisionKind;
  /** The org the client named and where it named it; null when it named none. */
  named_org: { id: string; source: NamedOrgSource } | null;
  action: string;
  resource: ResourceRef | null;
  context: Record<string, string>;
  /** The forward-auth route the request matched (its manifest name); absent on other surfaces. */
  route?: string;
  /** Answer the policy's explanation with the decision, even on an allow (`?explain=true`). */
  explain?: boolean;
}

export interface CredentialRequest extends DecisionQuestion {
  /** The caller's bearer credential as received; undefined when it sent none (unauthenticated). */
  token: string | undefined;
  trusted_principal?: never;
}

export interface TrustedRequest extends DecisionQuestion {
  /** Established by a trusted server-side caller; never built from a client's document. */
  trusted_principal: Principal;
  token?: never;
}

export type DecisionRequest = CredentialRequest | TrustedRequest;
