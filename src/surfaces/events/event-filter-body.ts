/**
 * Validation of the `POST /v1/events/filter` document (contract section 5):
 *
 *   {"channel": "websocket" | "sse" | "push",
 *    "event": {"type": "alert", "org": "acme"},              org optional: absent or null = none
 *    "recipients": [{"id": "s1", "user": "alice", "org": "acme"}, …]}   at most MAX_RECIPIENTS
 *
 * A recipient's `org` is the org their connection is on; absent or null means none was chosen
 * (the core then resolves the default org, as for a request that names no org). Recipient ids are
 * unique within a call. Strict: unknown fields, wrong types and prototype keys are a 400 naming
 * the field, and so is a recipient `user` that is not a canonical user id (the hub vouches for the
 * user; a disguised spelling must not become a principal). Org ids are judged by the policy per
 * recipient (`invalid_org`), so one bad connection never blocks the fan-out to the others. The
 * event carries no payload here: the filter needs only its type and org.
 */
import { MAX_ID_LENGTH } from '../../contract/ids.js';
import { invalid, objectField, onlyKeys, optionalStringField, stringField, userIdField } from '../fields.js';

export const EVENT_CHANNELS = ['websocket', 'sse', 'push'] as const;
export type EventChannel = (typeof EVENT_CHANNELS)[number];
export const MAX_RECIPIENTS = 10_000;

export interface Recipient {
  id: string;
  user: string;
  /** The org the recipient's connection is on; null when it names none. */
  org: string | null;
}

export interface EventFilterRequest {
  channel: EventChannel;
  /** `org` null: the event names no org (delivered only when its type is global). */
  event: { type: string; org: string | null };
  recipients: Recipient[];
}

export function parseEventFilterBody(body: unknown): EventFilterRequest {
  const doc = objectField(body, 'request body');
  onlyKeys(doc, ['channel', 'event', 'recipients'], '');
  const channel = stringField(doc.channel, 'channel');
  if (!(EVENT_CHANNELS as readonly string[]).includes(channel)) throw invalid(`channel: must be one of ${EVENT_CHANNELS.join(', ')}`);

  const event = objectField(doc.event, 'event');
  onlyKeys(event, ['type', 'org'], 'event.');
  const type = stringField(event.type, 'event.type', MAX_ID_LENGTH);
  const eventOrg = optionalStringField(event.org, 'event.org', MAX_ID_LENGTH);

  if (!Array.isArray(doc.recipients)) throw invalid('recipients: must be a list');
  if (doc.recipients.length > MAX_RECIPIENTS) throw invalid(`recipients: at most ${MAX_RECIPIENTS} recipients`);
  const seen = new Set<string>();
  const recipients = doc.recipients.map((value: unknown, i: number): Recipient => {
    const name = `recipients[${i}]`;
    const r = objectField(value, name);
    onlyKeys(r, ['id', 'user', 'org'], `${name}.`);
    const id = stringField(r.id, `${name}.id`, MAX_ID_LENGTH);
    if (seen.has(id)) throw invalid(`${name}.id: duplicate recipient id`);
    seen.add(id);
    return { id, user: userIdField(r.user, `${name}.user`), org: optionalStringField(r.org, `${name}.org`, MAX_ID_LENGTH) };
  });
  return { channel: channel as EventChannel, event: { type, org: eventOrg }, recipients };
}
