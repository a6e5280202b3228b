/**
 * An event's scope, read from the event catalogue of the active policy at call time (a reload may
 * change it), and the refusals of an event the catalogue does not let through: 400s before
 * anything is decided, each naming the type (and the channel or field at fault).
 *
 * Invariants:
 * - Fail closed: a type the catalogue does not list is refused unless `events.allow_uncatalogued`
 *   is set; then it counts as org-scoped, as the policy counts it. A policy without an event
 *   catalogue lists no type.
 * - A type listed with a malformed entry is refused whatever the config says (the policy would
 *   deliver it to nobody: unknown_action / invalid_catalogue_entry).
 * - `event.user` is exactly for recipient-scoped types: required there, refused elsewhere, so an
 *   emitter that believes an event is addressed never has it delivered to the whole org.
 */
import {
  eventCatalogueFromPolicyData,
  type EventChannel,
  type EventScope,
  type EventTypeEntry,
} from '../../contract/event-catalogue.js';
import { OrgwardenError } from '../../contract/errors.js';

export type PolicyData = Readonly<Record<string, unknown>>;

/** The catalogue of one policy's data: its well-formed entries and its malformed ones. */
interface CatalogueView {
  entries: ReadonlyMap<string, EventTypeEntry>;
  problems: ReadonlyMap<string, string>;
}

/** What the scope check needs of an event-filter request. */
export interface ScopedEvent {
  channel: EventChannel;
  event: { type: string; user: string | null };
}

/**
 * `scopeOf(data, request)`: the scope of the request's event under the catalogue of `data` (the
 * active policy's data, null when none is active), or an OrgwardenError to answer with. Each data
 * document is read once: the view is kept beside it (a weak map, so a replaced policy's goes).
 */
export function createEventScopeReader(allowUncatalogued: boolean) {
  const views = new WeakMap<PolicyData, CatalogueView | null>();

  function viewOf(data: PolicyData): CatalogueView | null {
    if (views.has(data)) return views.get(data) ?? null;
    const read = eventCatalogueFromPolicyData(data);
    const view = read && {
      entries: new Map(read.entries.map((entry) => [entry.type, entry])),
      problems: new Map(read.problems.map((p) => [p.type, p.message])),
    };
    views.set(data, view);
    return view;
  }

  return function scopeOf(data: PolicyData | null, request: ScopedEvent): EventScope {
    const { type, user } = request.event;
    const view = data === null ? null : viewOf(data);
    const problem = view?.problems.get(type);
    if (problem !== undefined)
      throw new OrgwardenError(
        'unknown_event_type',
        `event.type: ${quote(type)} has a malformed entry in the active policy's event catalogue (${problem})`,
      );
    const entry = view?.entries.get(type);
    if (entry === undefined && !allowUncatalogued)
      throw new OrgwardenError(
        'unknown_event_type',
        `event.type: ${quote(type)} is not in the active policy's event catalogue` +
          (view === null ? ' (the active policy has no event catalogue)' : ''),
      );
    if (entry !== undefined && !entry.channels.includes(request.channel))
      throw new OrgwardenError(
        'unlisted_event_channel',
        `channel: event type ${quote(type)} is not delivered on ${request.channel} ` +
          `(its channels: ${entry.channels.join(', ')})`,
      );
    const scope = entry?.scope ?? 'org';
    if (scope === 'recipient' && user === null)
      throw new OrgwardenError(
        'invalid_request',
        `event.user: is required: event type ${quote(type)} is addressed to one user (scope recipient)`,
      );
    if (scope !== 'recipient' && user !== null)
      throw new OrgwardenError(
        'invalid_request',
        `event.user: event type ${quote(type)} is not addressed to one user (scope ${scope}${entry ? '' : ', uncatalogued'}); only recipient-scoped types carry a user`,
      );
    return scope;
  };
}

const quote = (type: string) => JSON.stringify(type);
