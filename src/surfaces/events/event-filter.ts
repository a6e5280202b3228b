/**
 * Realtime and push fan-out through the decision core: which recipients may receive one event.
 *
 * Each distinct (user, connection org) is decided once, not each recipient: thousands of sessions
 * of a few users cost a few policy evaluations. Every call decides afresh, reading the directory
 * (through its cache) at delivery time, so a member removed from an org stops receiving on the
 * next delivery. Nothing is decided here: the policy (events.rego) refuses an event of another org
 * (`cross_org`, shares never carry events), an event without an org unless its type is global, and
 * every non-default org while multi-tenant is off (`feature_disabled`).
 */
import type { Authorizer } from '../../authz/authorizer.js';
import type { Decision } from '../../contract/decision.js';
import type { TrustedRequest } from '../../contract/decision-request.js';
import type { Reason } from '../../contract/reasons.js';
import { EVENT_ACTION } from '../../contract/actions.js';
import { mapLimited } from '../../authz/map-limited.js';
import { serverSessionPrincipal } from '../session-principal.js';

export const EVENT_CHANNELS = ['websocket', 'sse', 'push'] as const;
type EventChannel = (typeof EVENT_CHANNELS)[number];
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
  /** `org` null: the event names no org (delivered only when its type is global). */
  event: { type: string; org: string | null };
  recipients: Recipient[];
}

/** Resource type of an event; the policy's global-event rule matches it. */
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

/** `yieldEvery`: decisions per turn of the event loop (map-limited.ts), so a fan-out never starves other requests. */
export function createEventFilter(authorizer: Pick<Authorizer, 'decide'>, yieldEvery: number) {
  return async function filterEvent(request: EventFilterRequest): Promise<EventFilterResult> {
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
      group.decision = await authorizer.decide(decisionRequest(request, group));
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

function decisionRequest(request: EventFilterRequest, group: Group): TrustedRequest {
  return {
    kind: 'event',
    // The hub vouches for the user of each connection; no credential is involved.
    trusted_principal: serverSessionPrincipal(group.user),
    named_org: group.org === null ? null : { id: group.org, source: 'field' },
    action: EVENT_ACTION,
    resource: { type: EVENT_RESOURCE_TYPE, id: request.event.type, org: request.event.org },
    context: { channel: request.channel },
  };
}
