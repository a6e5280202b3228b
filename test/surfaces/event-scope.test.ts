/**
 * The event filter against the event catalogue, without a policy: a recording authorizer that
 * allows everyone shows what reaches the core (nothing, for a refused event) and with which
 * context. Who receives an event is the policy's (events.test.ts, events-catalogue.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { DecisionRequest } from '../../src/contract/decision-request.js';
import type { Decision } from '../../src/contract/decision.js';
import { OrgwardenError } from '../../src/contract/errors.js';
import {
  createEventFilter,
  type EventFilterRequest,
} from '../../src/surfaces/events/event-filter.js';
import type { PolicyData } from '../../src/surfaces/events/event-scope.js';

const CATALOGUE = {
  alert: { scope: 'org', channels: ['websocket', 'push'], description: 'an alert' },
  'ai.response': { scope: 'recipient', channels: ['sse'], description: 'an answer' },
  'maintenance.announced': { scope: 'global', channels: ['push'], description: 'maintenance' },
  broken: { scope: 'everyone', channels: ['push'], description: 'a typo' },
};
const dataWith = (events: unknown): PolicyData => ({ orgwarden: { catalogue: { events } } });

function recordingFilter(data: () => PolicyData | null, allowUncatalogued = false) {
  const asked: DecisionRequest[] = [];
  const filter = createEventFilter({
    authorizer: {
      decide(request) {
        asked.push(request);
        return Promise.resolve({ allow: true, reason: 'allowed' } as Decision);
      },
    },
    yieldEvery: 16,
    policyData: data,
    allowUncatalogued,
  });
  return { filter, asked };
}

const request = (
  event: Partial<EventFilterRequest['event']>,
  channel: EventFilterRequest['channel'] = 'push',
): EventFilterRequest => ({
  channel,
  event: { type: 'alert', org: 'acme', user: null, ...event },
  recipients: [
    { id: 's1', user: 'alice', org: 'acme' },
    { id: 's2', user: 'bob', org: 'acme' },
  ],
});

/** The OrgwardenError `promise` rejects with (fails the test if it resolves). */
async function refusal(promise: Promise<unknown>): Promise<OrgwardenError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrgwardenError);
  return error as OrgwardenError;
}

describe('refusal of what the catalogue does not let through', () => {
  it('refuses a type the catalogue does not list, naming it, and decides nothing', async () => {
    const { filter, asked } = recordingFilter(() => dataWith(CATALOGUE));
    const error = await refusal(filter(request({ type: 'node.rebooted' })));
    expect(error.code).toBe('unknown_event_type');
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      `event.type: "node.rebooted" is not in the active policy's event catalogue`,
    );
    expect(asked).toEqual([]);
  });

  it('refuses a channel the type does not list, naming the type, the channel and its channels', async () => {
    const { filter, asked } = recordingFilter(() => dataWith(CATALOGUE));
    const error = await refusal(filter(request({ type: 'alert' }, 'sse')));
    expect(error.code).toBe('unlisted_event_channel');
    expect(error.message).toBe(
      'channel: event type "alert" is not delivered on sse (its channels: websocket, push)',
    );
    expect(asked).toEqual([]);
  });

  it('refuses a type listed with a malformed entry, even when uncatalogued types are allowed', async () => {
    for (const allow of [false, true]) {
      const { filter, asked } = recordingFilter(() => dataWith(CATALOGUE), allow);
      const error = await refusal(filter(request({ type: 'broken' })));
      expect(error.code).toBe('unknown_event_type');
      expect(error.message).toMatch(/^event\.type: "broken" has a malformed entry .*scope must be/);
      expect(asked).toEqual([]);
    }
  });

  it('without an event catalogue (or without a policy) every type is uncatalogued', async () => {
    for (const data of [{ orgwarden: { catalogue: {} } }, dataWith(['alert']), null]) {
      const { filter } = recordingFilter(() => data);
      const error = await refusal(filter(request({ type: 'alert' })));
      expect(error.code).toBe('unknown_event_type');
      expect(error.message).toContain('(the active policy has no event catalogue)');
    }
  });

  it('reads the catalogue at every call: a new policy changes what is refused', async () => {
    let data = dataWith(CATALOGUE);
    const { filter, asked } = recordingFilter(() => data);
    await filter(request({ type: 'alert' }));
    data = dataWith({ 'node.status': { scope: 'org', channels: ['push'] } });
    expect((await refusal(filter(request({ type: 'alert' })))).code).toBe('unknown_event_type');
    await filter(request({ type: 'node.status' }));
    expect(asked.map((r) => r.resource?.id)).toEqual([
      'alert',
      'alert',
      'node.status',
      'node.status',
    ]);
  });
});

describe('event.user and the scope', () => {
  it('a recipient-scoped type needs its addressee, and the policy gets it as context.event_user', async () => {
    const { filter, asked } = recordingFilter(() => dataWith(CATALOGUE));
    const missing = await refusal(filter(request({ type: 'ai.response' }, 'sse')));
    expect(missing.code).toBe('invalid_request');
    expect(missing.message).toBe(
      'event.user: is required: event type "ai.response" is addressed to one user (scope recipient)',
    );
    expect(asked).toEqual([]);

    await filter(request({ type: 'ai.response', user: 'bob' }, 'sse'));
    expect(asked.map((r) => r.context)).toEqual([
      { channel: 'sse', event_user: 'bob' },
      { channel: 'sse', event_user: 'bob' },
    ]);
  });

  it('any other scope refuses a user: an event believed addressed is never sent to the whole org', async () => {
    const { filter, asked } = recordingFilter(() => dataWith(CATALOGUE));
    for (const type of ['alert', 'maintenance.announced']) {
      const error = await refusal(filter(request({ type, user: 'bob' })));
      expect(error.code).toBe('invalid_request');
      expect(error.message).toMatch(
        new RegExp(`^event\\.user: event type "${type}" is not addressed to one user \\(scope`),
      );
    }
    expect(asked).toEqual([]);
  });

  it('org and global types reach the core with the channel only', async () => {
    const { filter, asked } = recordingFilter(() => dataWith(CATALOGUE));
    await filter(request({ type: 'maintenance.announced', org: null }));
    expect(asked.map((r) => [r.resource, r.context])).toEqual([
      [{ type: 'event', id: 'maintenance.announced', org: null }, { channel: 'push' }],
      [{ type: 'event', id: 'maintenance.announced', org: null }, { channel: 'push' }],
    ]);
  });
});

describe('events.allow_uncatalogued', () => {
  it('lets an uncatalogued type through, on any channel, as org-scoped', async () => {
    const { filter, asked } = recordingFilter(() => dataWith(CATALOGUE), true);
    const result = await filter(request({ type: 'node.rebooted' }, 'sse'));
    expect(result).toEqual({ allowed: ['s1', 's2'], denied: [] });
    expect(asked.map((r) => r.context)).toEqual([{ channel: 'sse' }, { channel: 'sse' }]);
  });

  it('refuses a user on an uncatalogued type (org-scoped: no addressee)', async () => {
    const { filter } = recordingFilter(() => null, true);
    const error = await refusal(filter(request({ type: 'node.rebooted', user: 'bob' })));
    expect(error.message).toContain('(scope org, uncatalogued)');
  });

  it('still checks the channel of a catalogued type', async () => {
    const { filter } = recordingFilter(() => dataWith(CATALOGUE), true);
    expect((await refusal(filter(request({ type: 'alert' }, 'sse')))).code).toBe(
      'unlisted_event_channel',
    );
  });
});
