/**
 * POST /v1/events/filter and the event catalogue, through a real app with the compiled default
 * policy: refusals of what the catalogue does not list, recipient-scoped events, a policy swap
 * changing the catalogue, and `events.allow_uncatalogued`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyBundle } from '../../src/bundle/policy-bundle.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/contract/config-error.js';
import { createPolicyEngine } from '../../src/engine/wasm-engine.js';
import { TEST_BUNDLE, postJson, testConfigDoc } from '../support/app.js';
import { startSurfaceApp, type SurfaceApp } from './helpers.js';

interface Recipient {
  id: string;
  user: string;
  org?: string | null;
}
const filter = (
  s: SurfaceApp,
  event: Record<string, unknown>,
  recipients: Recipient[],
  channel = 'websocket',
) => postJson(`${s.url}/v1/events/filter`, { channel, event, recipients });

const reasons = (json: { denied?: { id: string; reason: string }[] } | undefined) =>
  Object.fromEntries(json?.denied?.map((d) => [d.id, d.reason]) ?? []);

describe('the default catalogue (events.allow_uncatalogued false)', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: true });
  });
  afterAll(() => s.stop());

  it('refuses an uncatalogued type with 400 unknown_event_type naming it', async () => {
    const res = await filter(s, { type: 'node.rebooted', org: 'acme' }, [
      { id: 'a', user: 'alice', org: 'acme' },
    ]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: {
        code: 'invalid_request',
        reason: 'unknown_event_type',
        message: `event.type: "node.rebooted" is not in the active policy's event catalogue`,
      },
    });
  });

  it('refuses a channel the type does not list with 400 unlisted_event_channel', async () => {
    const res = await filter(
      s,
      { type: 'node.status', org: 'acme' },
      [{ id: 'a', user: 'alice', org: 'acme' }],
      'push',
    );
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: {
        code: 'invalid_request',
        reason: 'unlisted_event_channel',
        message:
          'channel: event type "node.status" is not delivered on push (its channels: websocket, sse)',
      },
    });
  });

  it('a recipient-scoped event reaches its addressee on the event org only', async () => {
    // alice is owner of acme and viewer of globex; bob is admin of acme
    const res = await filter(s, { type: 'ai.response', org: 'acme', user: 'alice' }, [
      { id: 'alice-acme', user: 'alice', org: 'acme' },
      { id: 'alice-globex', user: 'alice', org: 'globex' },
      { id: 'alice-default', user: 'alice' },
      { id: 'bob-acme', user: 'bob', org: 'acme' },
      { id: 'mallory-acme', user: 'mallory', org: 'acme' },
    ]);
    expect(res.json?.allowed).toEqual(['alice-acme']);
    expect(reasons(res.json)).toEqual({
      'alice-globex': 'cross_org',
      'alice-default': 'cross_org',
      'bob-acme': 'access_denied',
      'mallory-acme': 'access_denied',
    });
  });

  it('an event for bob in acme is not delivered to bob on another org, nor to alice', async () => {
    const res = await filter(s, { type: 'ai.response', org: 'acme', user: 'bob' }, [
      { id: 'bob-acme', user: 'bob', org: 'acme' },
      { id: 'bob-default', user: 'bob', org: 'default' },
      { id: 'alice-acme', user: 'alice', org: 'acme' },
      { id: 'Bob-acme', user: 'Bob', org: 'acme' },
    ]);
    expect(res.json?.allowed).toEqual(['bob-acme']);
    expect(reasons(res.json)).toEqual({
      'bob-default': 'cross_org',
      'alice-acme': 'access_denied',
      'Bob-acme': 'access_denied',
    });
  });

  it('an invitation reaches the invitee on the default org, which every user belongs to', async () => {
    const res = await filter(
      s,
      { type: 'invitation.received', org: 'default', user: 'mallory' },
      [
        { id: 'm', user: 'mallory' },
        { id: 'r', user: 'root-admin' },
      ],
      'push',
    );
    expect(res.json).toEqual({ allowed: ['m'], denied: [{ id: 'r', reason: 'access_denied' }] });
  });

  it.each([
    [
      'a recipient-scoped type without user',
      { type: 'ai.response', org: 'acme' },
      'event.user: is required',
    ],
    [
      'an org-scoped type with a user',
      { type: 'alert', org: 'acme', user: 'bob' },
      'event.user: event type "alert" is not addressed',
    ],
    [
      'a user that is no canonical user id',
      { type: 'ai.response', org: 'acme', user: ' bob' },
      'event.user: must not start or end with whitespace',
    ],
  ])('refuses %s with 400 naming event.user', async (_name, event, message) => {
    const res = await filter(s, event, [{ id: 'b', user: 'bob', org: 'acme' }]);
    expect(res.status).toBe(400);
    expect(res.json?.error?.code).toBe('invalid_request');
    expect(res.json?.error?.message).toContain(message);
  });
});

describe('the catalogue of the active policy, read at every call', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: true });
  });
  afterAll(() => s.stop());

  it('a swapped policy that catalogues a type lets it through; one without a catalogue refuses all', async () => {
    const bundle = await loadPolicyBundle({ bundle: TEST_BUNDLE });
    const { catalogue } = bundle.data.orgwarden as { catalogue: Record<string, unknown> };
    const swapTo = async (events: unknown) =>
      s.app.policy.swap(
        await createPolicyEngine({
          ...bundle,
          data: { orgwarden: { catalogue: { ...catalogue, events } } },
        }),
      );
    const event = { type: 'node.rebooted', org: 'acme' };
    const recipients = [{ id: 'a', user: 'alice', org: 'acme' }];
    expect((await filter(s, event, recipients)).status).toBe(400);

    await swapTo({
      ...(catalogue.events as object),
      'node.rebooted': { scope: 'org', channels: ['websocket'], description: 'a node rebooted' },
    });
    expect((await filter(s, event, recipients)).json).toEqual({ allowed: ['a'], denied: [] });

    await swapTo(undefined);
    const res = await filter(s, { type: 'alert', org: 'acme' }, recipients);
    expect(res.status).toBe(400);
    expect(res.json?.error?.message).toContain('(the active policy has no event catalogue)');
  });
});

describe('events.allow_uncatalogued: true', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({
      multiTenant: true,
      extra: { events: { allow_uncatalogued: true } },
    });
  });
  afterAll(() => s.stop());

  it('an uncatalogued type goes to the policy as org-scoped', async () => {
    const res = await filter(
      s,
      { type: 'node.rebooted', org: 'acme' },
      [
        { id: 'a', user: 'alice', org: 'acme' },
        { id: 'e', user: 'erin', org: 'globex' },
      ],
      'push',
    );
    expect(res.json).toEqual({ allowed: ['a'], denied: [{ id: 'e', reason: 'cross_org' }] });
  });

  it('without an org it reaches nobody, and a user on it is refused', async () => {
    const orgLess = await filter(s, { type: 'node.rebooted' }, [
      { id: 'a', user: 'alice', org: 'acme' },
    ]);
    expect(orgLess.json).toEqual({ allowed: [], denied: [{ id: 'a', reason: 'cross_org' }] });
    const addressed = await filter(s, { type: 'node.rebooted', org: 'acme', user: 'alice' }, [
      { id: 'a', user: 'alice', org: 'acme' },
    ]);
    expect(addressed.status).toBe(400);
  });

  it('still refuses a channel a catalogued type does not list', async () => {
    const res = await filter(s, { type: 'node.status', org: 'acme' }, [], 'push');
    expect(res.json?.error?.reason).toBe('unlisted_event_channel');
  });
});

describe('the events config section', () => {
  it('defaults to refusing uncatalogued types', () => {
    expect(parseConfig(testConfigDoc()).events).toEqual({ allow_uncatalogued: false });
  });

  it('names the key of a wrong type or an unknown key', () => {
    const problems = (events: unknown) => {
      try {
        parseConfig(testConfigDoc({ extra: { events } }));
      } catch (err) {
        if (err instanceof ConfigError) return err.message;
        throw err;
      }
      return 'accepted';
    };
    expect(problems({ allow_uncatalogued: 'yes' })).toContain('events.allow_uncatalogued');
    expect(problems({ allow_uncatalogue: true })).toContain('events.allow_uncatalogue');
  });
});
