/**
 * The document the TypeScript core hands to the policy (`input`) and the one it expects back.
 * This is the seam between the two halves of orgwarden: the core resolves identity and fetches
 * exactly the slice of the directory a decision needs; the policy decides. The policy never sees
 * raw tokens, and the core never decides.
 */
import type { DecisionKind } from './decision-kinds.js';
import type { OrgSource } from './org-sources.js';
import type { AuthErrorCode, Principal } from './principal.js';
import { DECISION_KEYS } from './vocabulary.generated.js';

export interface PolicyInput {
  kind: DecisionKind;
  /** Seconds since epoch, from the injected clock. */
  now: number;
  tenancy: { multi_tenant: boolean; default_org: string };
  /** Outcome of authentication; `principal` is null unless `ok`. */
  authn: { ok: true } | { ok: false; code: AuthErrorCode };
  principal: Principal | null;
  action: string;
  /** The org the client asked for. Advisory: the policy proves or refuses it. */
  requested_org: { id: string; source: OrgSource };
  /** The resource acted on; a missing `org` means "owned by the requested org". */
  resource: { type: string | null; id: string | null; org: string | null } | null;
  /** Action specifics (`target_user`, `target_role`, ...); strings only. */
  context: Record<string, string>;
  directory: DirectorySlice;
}

/** The part of the directory one decision needs, fetched by the core before evaluation. */
export interface DirectorySlice {
  /** False when the store could not answer: the policy denies with `directory_unavailable`. */
  available: boolean;
  /** The requested org: `exists` false when the directory has no such org. */
  org: { exists: boolean; status: string | null };
  /** The principal's stored role in the requested org (sessions; null if not a member). */
  member_role: string | null;
  /** `context.target_user`'s stored role in the requested org (null if absent or not a member). */
  target_role: string | null;
  /** The resource's owning org, when it differs from the requested org. */
  resource_org: { exists: boolean; status: string | null } | null;
  /** Shares of exactly this resource, by its owning org, to the requested org (any state). */
  resource_shares: { id: string; target_org: string; access_role: string; state: string }[];
}

/** What the policy returns at `orgwarden/authz/decision`. Anything else is `policy_error`. */
export interface PolicyDecision {
  allow: boolean;
  /** `allowed` when allow is true, else a reason code from the contract. */
  reason: string;
  detail: string | null;
  status: number;
  effective_org: string | null;
  role: string | null;
  spoof: boolean;
}

/**
 * Compiles only while the keys agree both ways: the assignment below admits no key outside
 * `PolicyDecision`, and this type is `never` (so the assignment fails) unless the catalogue data
 * lists every key of `PolicyDecision`.
 */
type ExactKeys<T, Listed> = [keyof T] extends [Listed]
  ? [Listed] extends [keyof T]
    ? readonly (keyof T)[]
    : never
  : never;

/** The keys of `PolicyDecision`, exactly: the catalogue data's `decision_keys`. */
export const POLICY_DECISION_KEYS: ExactKeys<PolicyDecision, (typeof DECISION_KEYS)[number]> =
  DECISION_KEYS;
