/**
 * The event filter over generated event catalogues, events, channels and recipients, with the
 * compiled policy (WASM) and an in-memory directory. An exact oracle states who may receive:
 *
 * - a type the catalogue does not list is refused (unknown_event_type) unless uncatalogued types
 *   are allowed, and then it is org-scoped; a malformed entry is refused either way; a channel the
 *   entry does not list is refused; `event.user` is required exactly for recipient-scoped types;
 * - an org- or recipient-scoped event reaches only members of the event's org on a connection of
 *   that org, and a recipient-scoped one only its addressee; a global event without an org
 *   reaches members of the org their connection is on; suspended and unknown orgs reach nobody.
 *
 * The oracle is exact (allowed iff), so the property also fails if the filter delivers too little.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyBundle, type PolicyBundle } from '../../src/bundle/policy-bundle.js';
import {
  EVENT_CHANNELS,
  EVENT_SCOPES,
  type EventChannel,
  type EventScope,
} from '../../src/contract/event-catalogue.js';
import { OrgwardenError } from '../../src/contract/errors.js';
import type { OrgRecord } from '../../src/directory/types.js';
import { engineOver } from '../../src/engine/wasm-engine.js';
import {
  createEventFilter,
  type EventFilterRequest,
} from '../../src/surfaces/events/event-filter.js';
import { coreOver, loadCoreParts, type CoreParts } from '../support/core-over-records.js';
import { fuzzParams } from '../support/fuzz.js';
import { TEST_BUNDLE } from '../support/paths.js';

const RECORDS: OrgRecord[] = [
  {
    id: 'acme',
    status: 'active',
    members: [
      { user: 'alice', role: 'owner' },
      { user: 'bob', role: 'admin' },
      { user: 'carol', role: 'viewer' },
    ],
    shares: [],
  },
  {
    id: 'globex',
    status: 'active',
    members: [
      { user: 'erin', role: 'owner' },
      { user: 'alice', role: 'viewer' },
    ],
    shares: [],
  },
  { id: 'frozen', status: 'suspended', members: [{ user: 'gina', role: 'owner' }], shares: [] },
];
const USERS = ['alice', 'bob', 'carol', 'erin', 'gina', 'mallory', 'Alice'];
const TYPES = ['ev.a', 'ev.b', 'ev.c', 'ev.d', 'alert'];

/** Whether `user` may act in `org` at all: the default org holds everyone; suspended orgs no one. */
function connectionValid(user: string, org: string): boolean {
  if (org === 'default') return true;
  const record = RECORDS.find((r) => r.id === org);
  return record?.status === 'active' && record.members.some((m) => m.user === user);
}

const entry = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      scope: fc.constantFrom(...EVENT_SCOPES),
      channels: fc.uniqueArray(fc.constantFrom(...EVENT_CHANNELS), { minLength: 1 }),
      description: fc.constant('generated'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant({ scope: 'everyone', channels: ['push'] }),
      fc.constant({ scope: 'org', channels: [] }),
      fc.constant({ scope: 'global', channels: ['email'] }),
      fc.constant('org'),
    ),
  },
);
const catalogue = fc.dictionary(fc.constantFrom(...TYPES), entry, { maxKeys: TYPES.length });
const orgOrNone = (...orgs: string[]) => fc.option(fc.constantFrom(...orgs), { nil: null });
const generated = fc.record({
  events: fc.option(catalogue, { nil: undefined, freq: 8 }),
  allowUncatalogued: fc.boolean(),
  channel: fc.constantFrom(...EVENT_CHANNELS),
  event: fc.record({
    type: fc.constantFrom(...TYPES),
    org: orgOrNone('acme', 'globex', 'default', 'frozen'),
    user: fc.option(fc.constantFrom(...USERS), { nil: null }),
  }),
  recipients: fc.uniqueArray(
    fc.record({
      user: fc.constantFrom(...USERS),
      org: orgOrNone('acme', 'globex', 'default', 'frozen', 'ghost'),
    }),
    { maxLength: 8, selector: (r) => `${r.user}@${String(r.org)}` },
  ),
  // Half the cases are a well-formed request (a listed type and channel, a user exactly when
  // addressed, the addressee among the recipients), so that they reach the policy; the rest keep whatever was generated, to exercise the refusals.
  coherent: fc.boolean(),
});
const scenario = generated.map(({ coherent, ...s }) => {
  if (!coherent) return s;
  const type = s.events?.[s.event.type]
    ? s.event.type
    : (Object.keys(s.events ?? {})[0] ?? s.event.type);
  const raw = s.events?.[type];
  if (typeof raw !== 'object') return { ...s, event: { ...s.event, type, user: null } };
  const listed: readonly string[] = raw.channels;
  const channel = listed.includes(s.channel) ? s.channel : (listed[0] ?? s.channel);
  const user = raw.scope === 'recipient' ? (s.event.user ?? 'alice') : null;
  // ... with the addressee (or alice) connected on the event's org among the recipients
  const near = { user: user ?? 'alice', org: s.event.org };
  const recipients = s.recipients.some((r) => r.user === near.user && r.org === near.org)
    ? s.recipients
    : [...s.recipients, near];
  return { ...s, channel, event: { ...s.event, type, user }, recipients };
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** The refusal the oracle expects (an error code), or the scope the event is filtered under. */
function expectedScope(s: Scenario): { refused: string } | { scope: EventScope } {
  const raw = s.events?.[s.event.type];
  if (raw !== undefined) {
    const valid =
      typeof raw === 'object' &&
      (EVENT_SCOPES as readonly string[]).includes(raw.scope) &&
      raw.channels.length > 0 &&
      raw.channels.every((c) => (EVENT_CHANNELS as readonly string[]).includes(c));
    if (!valid) return { refused: 'unknown_event_type' };
  } else if (!s.allowUncatalogued) return { refused: 'unknown_event_type' };
  if (raw !== undefined && !(raw.channels as readonly string[]).includes(s.channel))
    return { refused: 'unlisted_event_channel' };
  const scope = (raw?.scope ?? 'org') as EventScope;
  if ((scope === 'recipient') !== (s.event.user !== null)) return { refused: 'invalid_request' };
  return { scope };
}

function mayReceive(
  s: Scenario,
  scope: EventScope,
  r: { user: string; org: string | null },
): boolean {
  const connection = r.org ?? 'default';
  if (!connectionValid(r.user, connection)) return false;
  if (s.event.org === null) return scope === 'global';
  if (s.event.org !== connection) return false;
  return scope !== 'recipient' || r.user === s.event.user;
}

let parts: CoreParts;
let bundle: PolicyBundle;
let wasm: Awaited<ReturnType<typeof loadPolicy>>;

beforeAll(async () => {
  parts = await loadCoreParts();
  bundle = await loadPolicyBundle({ bundle: TEST_BUNDLE });
  wasm = await loadPolicy(bundle.wasm, { initial: 5, maximum: 1024 });
});

/** The filter over the compiled policy with `events` as its event catalogue (absent: none). */
function filterFor(s: Scenario) {
  const { catalogue: base } = bundle.data.orgwarden as { catalogue: Record<string, unknown> };
  const { events: _default, ...rest } = base;
  const data = {
    orgwarden: { catalogue: s.events === undefined ? rest : { ...rest, events: s.events } },
  };
  wasm.setData(data);
  const engine = engineOver(wasm, { revision: bundle.revision, data }, new Date());
  return createEventFilter({
    authorizer: coreOver({ ...parts, engine }, RECORDS),
    yieldEvery: 16,
    policyData: () => engine.data,
    allowUncatalogued: s.allowUncatalogued,
  });
}

describe('event scopes: the filter delivers an event only within its catalogued scope', () => {
  it('never outside the scope, never an uncatalogued type unless allowed, and to everyone within', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const request: EventFilterRequest = {
          channel: s.channel as EventChannel,
          event: s.event,
          recipients: s.recipients.map((r, i) => ({ id: `r${i}`, ...r })),
        };
        const want = expectedScope(s);
        const got = await filterFor(s)(request).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        const context = JSON.stringify({ s, want, got });
        if ('refused' in want) {
          expect('error' in got, context).toBe(true);
          if ('error' in got) {
            expect(got.error, context).toBeInstanceOf(OrgwardenError);
            expect((got.error as OrgwardenError).code, context).toBe(want.refused);
          }
          return;
        }
        expect('result' in got, context).toBe(true);
        if (!('result' in got)) return;
        const allowed = new Set(got.result.allowed);
        request.recipients.forEach((r) => {
          expect(allowed.has(r.id), `${r.id} ${context}`).toBe(mayReceive(s, want.scope, r));
        });
      }),
      fuzzParams(500),
    );
  });
});
