/**
 * The `POST /v1/events/filter` document (contract section 5):
 *
 *   {"channel": "websocket" | "sse" | "push",
 *    "event": {"type": "alert", "org": "acme"},              org optional: absent or null = none
 *    (a recipient-scoped type: "event": {"type": "ai.response", "org": "acme", "user": "bob"})
 *    "recipients": [{"id": "s1", "user": "alice", "org": "acme"}, …]}   at most MAX_RECIPIENTS
 *
 * A recipient's `org` is the org their connection is on; absent or null means none was chosen
 * (the core then resolves the default org, as for a request that names no org). Recipient ids are
 * unique within a call. Strict: unknown fields, wrong types and prototype keys are a 400 naming
 * the field, and so is a recipient `user` that is not a canonical user id (the hub vouches for the
 * user; a disguised spelling must not become a principal). Org ids are judged by the policy per
 * recipient (`invalid_org`), so one bad connection never blocks the fan-out to the others. The
 * event carries no payload here: the filter needs only its type, org and addressee. Whether the
 * type may be filtered at all, and whether it takes a `user`, is the event catalogue's (read by the
 * filter from the active policy, surfaces/events/event-scope.ts); here `event.user` is only
 * checked to be a canonical user id, like a recipient's.
 */
import { z } from 'zod';
import { EVENT_CHANNELS } from '../../contract/event-catalogue.js';
import { MAX_ID_LENGTH } from '../../contract/ids.js';
import { parseDocument } from '../../contract/parse-document.js';
import { MAX_RECIPIENTS, type EventFilterRequest } from '../../surfaces/events/event-filter.js';
import { ApiError } from '../errors.js';
import { minDirectoryRevision, nonEmptyText, userId } from './fields.js';

const id = () => nonEmptyText(MAX_ID_LENGTH);

const recipients = z
  .array(z.strictObject({ id: id(), user: userId(), org: id().nullish() }))
  .max(MAX_RECIPIENTS, { error: `at most ${MAX_RECIPIENTS} recipients` })
  .check((ctx) => {
    const seen = new Set<string>();
    ctx.value.forEach((recipient, i) => {
      if (seen.has(recipient.id))
        ctx.issues.push({
          code: 'custom',
          input: recipient.id,
          path: [i, 'id'],
          message: 'duplicate recipient id',
        });
      seen.add(recipient.id);
    });
  });

const eventFilterDocument = z.strictObject({
  channel: z.enum(EVENT_CHANNELS, {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `must be one of ${EVENT_CHANNELS.join(', ')}`
        : 'must be a string',
  }),
  event: z.strictObject({ type: id(), org: id().nullish(), user: userId().nullish() }),
  recipients,
  min_directory_revision: minDirectoryRevision().optional(),
});

/** The document as the event filter's request; a 400 naming the field otherwise. */
export function parseEventFilterBody(body: unknown): EventFilterRequest {
  const parsed = parseDocument(eventFilterDocument, body);
  if (!parsed.ok) throw new ApiError('invalid_request', parsed.message);
  const { channel, event, recipients: list, min_directory_revision: min } = parsed.value;
  return {
    channel,
    event: { type: event.type, org: event.org ?? null, user: event.user ?? null },
    recipients: list.map((r) => ({ id: r.id, user: r.user, org: r.org ?? null })),
    ...(min === undefined ? {} : { min_directory_revision: min }),
  };
}
