/**
 * The event catalogue (`data.orgwarden.catalogue.events` of the policy data): every realtime and
 * push event type the product emits, the key that scopes who may receive it, and the channels that
 * deliver it. The event filter refuses a type it does not list (unless the config allows
 * uncatalogued types), and `orgwarden inventory` prints it as the event matrix.
 *
 *   scope  org        delivered to members of the event's org only (the event must name its org)
 *          global     names no org; reaches the members of the org each recipient's connection is on
 *          recipient  addressed to one user (`event.user`) in the event's org; nobody else receives it
 */
export const EVENT_CHANNELS = ['websocket', 'sse', 'push'] as const;
export type EventChannel = (typeof EVENT_CHANNELS)[number];

export const EVENT_SCOPES = ['org', 'global', 'recipient'] as const;
export type EventScope = (typeof EVENT_SCOPES)[number];

export interface EventTypeEntry {
  readonly type: string;
  readonly scope: EventScope;
  readonly channels: readonly EventChannel[];
  readonly description: string;
}

/** A catalogue entry that is not of the shape above, named by its type. */
export interface EventCatalogueProblem {
  readonly type: string;
  readonly message: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The event catalogue of a policy's data (the whole `data` document), in the data's order, with
 * the entries that are malformed. `null` when the data has no `orgwarden.catalogue.events` object.
 */
export function eventCatalogueFromPolicyData(
  data: Readonly<Record<string, unknown>>,
): { entries: EventTypeEntry[]; problems: EventCatalogueProblem[] } | null {
  const orgwarden = data.orgwarden;
  const catalogue = isObject(orgwarden) ? orgwarden.catalogue : undefined;
  const events = isObject(catalogue) ? catalogue.events : undefined;
  if (!isObject(events)) return null;
  const entries: EventTypeEntry[] = [];
  const problems: EventCatalogueProblem[] = [];
  for (const [type, raw] of Object.entries(events)) {
    if (!isObject(raw)) {
      problems.push({ type, message: 'is not an object' });
      continue;
    }
    const { scope, channels, description } = raw;
    if (!EVENT_SCOPES.includes(scope as EventScope)) {
      problems.push({ type, message: `scope must be one of ${EVENT_SCOPES.join(', ')}` });
      continue;
    }
    if (
      !Array.isArray(channels) ||
      channels.length === 0 ||
      !channels.every((c) => EVENT_CHANNELS.includes(c as EventChannel))
    ) {
      problems.push({
        type,
        message: `channels must be a non-empty list of ${EVENT_CHANNELS.join(', ')}`,
      });
      continue;
    }
    entries.push({
      type,
      scope: scope as EventScope,
      channels: channels as EventChannel[],
      description: typeof description === 'string' ? description : '',
    });
  }
  return { entries, problems };
}
