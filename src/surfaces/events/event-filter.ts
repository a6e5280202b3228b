/**
 * Realtime and push fan-out through the decision core: which recipients may receive one event.
 *
 * First the event itself is checked against the event catalogue of the active policy, read at
 * every call (event-scope.ts): an uncatalogued type, a channel its entry does not list, or an
 * `event.user` that does not fit its scope is a 400 and nothing is decided. Then each distinct
 * (user, connection org) is decided once, not each recipient: thousands of sessions of a few users
 * cost a few policy evaluations. Every call decides afresh, reading the directory (through its
 * cache) at delivery time, so a member removed from an org stops receiving on the next delivery.
 * Who receives is decided by the policy (events.rego), never here: it refuses an event of another
 * org (`cross_org`, shares never carry events), an event without an org unless its type is global,
 * a recipient-scoped event to anyone but its addressee (`access_denied`, `not_addressee`), and
 * every non-default org while multi-tenant is off (`feature_disabled`).
 */
import type { Authorizer } from '../../authz/authorizer.js';
import type { Decision } from '../../contract/decision.js';
import type { TrustedRequest } from '../../contract/decision-request.js';
import type { EventChannel, EventScope } from '../../contract/event-catalogue.js';
import type { Reason } from '../../contract/reasons.js';
import { EVENT_ACTION } from '../../contract/actions.js';
import { mapLimited } from '../../authz/map-limited.js';
import { serverSessionPrincipal } from '../session-principal.js';
import { createEventScopeReader, type PolicyData } from './event-scope.js';

export const MAX_RECIPIENTS = 10_000;

interface Recipient {
  id: string;
  user: string;
  /** The org the recipient's connection is on; null when it names none. */
  org: string | null;
}

/** One event and who might receive it (read from `POST /v1/events/filter`, http/inbound/). */
export interface EventFilterRequest {
  channel: EventChannel;
  /**
   * `org` null: the event names no org (delivered only when its type is global). `user`: the user
   * a recipient-scoped event is addressed to, null for any other scope.
   */
  event: { type: string; org: string | null; user: string | null };
  recipients: Recipient[];
  /** Read your writes: every recipient's decision reflects at least this directory revision. */
  min_directory_revision?: number;
}

/** Resource type of an event; the policy's event rules (events.rego) match it. */
const EVENT_RESOURCE_TYPE = 'event';
const CONCURRENCY = 32;

export interface EventFilterResult {
  allowed: string[];
  denied: { id: string; reason: Reason }[];
}

interface Group {
  user: string;
  org: string | null;
  decision?: Decision;
}

export interface EventFilterDeps {
  authorizer: Pick<Authorizer, 'decide'>;
  /** Decisions per turn of the event loop (map-limited.ts), so a fan-out never starves other requests. */
  yieldEvery: number;
  /** The active policy's data, read at every call; null while no policy is active. */
  policyData: () => PolicyData | null;
  /** `events.allow_uncatalogued`: let types the event catalogue does not list through, org-scoped. */
  allowUncatalogued: boolean;
}

/** The filter; it rejects with an OrgwardenError (400) for an event the catalogue does not let through. */
export function createEventFilter(deps: EventFilterDeps) {
  const { authorizer, yieldEvery } = deps;
  const scopeOf = createEventScopeReader(deps.allowUncatalogued);
  return async function filterEvent(request: EventFilterRequest): Promise<EventFilterResult> {
    const scope = scopeOf(deps.policyData(), request);
    // org (null = none named) -> user -> group; one decision per group.
    const byOrg = new Map<string | null, Map<string, Group>>();
    const groupOf = request.recipients.map(({ user, org }) => {
      let byUser = byOrg.get(org);
      if (!byUser) byOrg.set(org, (byUser = new Map<string, Group>()));
      let group = byUser.get(user);
      if (!group) byUser.set(user, (group = { user, org }));
      return group;
    });
    const groups = [...byOrg.values()].flatMap((byUser) => [...byUser.values()]);
    await mapLimited(groups, { concurrency: CONCURRENCY, yieldEvery }, async (group) => {
      group.decision = await authorizer.decide(decisionRequest(request, scope, group));
    });

    const result: EventFilterResult = { allowed: [], denied: [] };
    request.recipients.forEach(({ id }, i) => {
      const decision = groupOf[i]?.decision;
      if (decision?.allow === true) result.allowed.push(id);
      else result.denied.push({ id, reason: decision?.reason ?? 'policy_error' });
    });
    return result;
  };
}

function decisionRequest(
  request: EventFilterRequest,
  scope: EventScope,
  group: Group,
): TrustedRequest {
  const { type, org, user } = request.event;
  const decision: TrustedRequest = {
    kind: 'event',
    // The hub vouches for the user of each connection; no credential is involved.
    trusted_principal: serverSessionPrincipal(group.user),
    named_org: group.org === null ? null : { id: group.org, source: 'field' },
    action: EVENT_ACTION,
    resource: { type: EVENT_RESOURCE_TYPE, id: type, org },
    // The policy compares the addressee with the principal (events.rego).
    context:
      scope === 'recipient' && user !== null
        ? { channel: request.channel, event_user: user }
        : { channel: request.channel },
  };
  if (request.min_directory_revision !== undefined)
    decision.min_directory_revision = request.min_directory_revision;
  return decision;
}
