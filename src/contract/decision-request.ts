/** The normalised request every surface (HTTP, batch, events, jobs, forward-auth) hands the core. */
import type { DecisionKind } from './decision-kinds.js';
import type { NamedOrgSource } from './org-sources.js';
import type { Principal } from './principal.js';

export interface ResourceRef {
  type: string | null;
  id: string | null;
  org: string | null;
}

export interface DecisionRequest {
  kind: DecisionKind;
  /** The caller's credential as received; authenticated by the core. */
  token: string | undefined;
  /**
   * A principal already established by a trusted server-side caller (a job runner naming the
   * enqueuing user). Used instead of `token` when set; never reachable from client input.
   */
  trusted_principal?: Principal;
  /** The org the client named and where it named it; null when it named none. */
  named_org: { id: string; source: NamedOrgSource } | null;
  action: string;
  resource: ResourceRef | null;
  context: Record<string, string>;
}
