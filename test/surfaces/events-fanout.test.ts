/**
 * Fan-out cost: one call, one pass, one policy evaluation per distinct (user, connection org) —
 * never one per recipient. Evaluations are counted by wrapping the real engine's `evaluate`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEventFilter } from '../../src/surfaces/events/event-filter.js';
import { postJson, session } from '../support/app.js';
import { countEvaluations, startSurfaceApp, type SurfaceApp } from './helpers.js';

let s: SurfaceApp;
let evaluations: ReturnType<typeof countEvaluations>;
beforeAll(async () => {
  s = await startSurfaceApp({ multiTenant: true });
  evaluations = countEvaluations(s.app);
});
beforeEach(() => evaluations.reset());
afterAll(() => s.stop());

const USERS = ['alice', 'bob', 'mallory'];

describe('fan-out to thousands of recipients', () => {
  it('5 000 recipients of 3 users on one org: one call, 3 evaluations, every recipient answered in order', async () => {
    const recipients = Array.from({ length: 5000 }, (_, i) => ({
      id: `s${i}`,
      user: USERS[i % 3]!,
      org: 'acme',
    }));
    const res = await postJson(`${s.url}/v1/events/filter`, {
      channel: 'websocket',
      event: { type: 'alert', org: 'acme' },
      recipients,
    });
    expect(res.status).toBe(200);
    expect(evaluations.count).toBe(3);
    // i % 3: alice 1 667, bob 1 667 (members of acme), mallory 1 666 (not a member)
    expect(res.json?.allowed).toHaveLength(3334);
    expect(res.json?.denied).toHaveLength(1666);
    expect(res.json?.allowed?.slice(0, 4)).toEqual(['s0', 's1', 's3', 's4']);
    expect(res.json?.denied?.slice(0, 2)).toEqual([
      { id: 's2', reason: 'access_denied' },
      { id: 's5', reason: 'access_denied' },
    ]);
    const answered = new Set([
      ...(res.json?.allowed ?? []),
      ...(res.json?.denied ?? []).map((d) => d.id),
    ]);
    expect(answered.size).toBe(5000);
  });

  it('the same users on two connection orgs: one evaluation per (user, org) pair, 6 in all', async () => {
    const orgs = ['acme', 'globex'];
    const recipients = Array.from({ length: 5000 }, (_, i) => ({
      id: `s${i}`,
      user: USERS[i % 3]!,
      org: orgs[Math.floor(i / 3) % 2]!,
    }));
    const res = await postJson(`${s.url}/v1/events/filter`, {
      channel: 'sse',
      event: { type: 'alert', org: 'acme' },
      recipients,
    });
    expect(res.status).toBe(200);
    expect(evaluations.count).toBe(6);
    // only alice and bob on acme receive an acme event
    const allowed = new Set(res.json?.allowed);
    for (const r of recipients)
      expect(allowed.has(r.id)).toBe(r.org === 'acme' && r.user !== 'mallory');
  });

  it('each call decides afresh (no decision is reused across deliveries)', async () => {
    const recipients = Array.from({ length: 300 }, (_, i) => ({
      id: `s${i}`,
      user: USERS[i % 3]!,
      org: 'acme',
    }));
    const body = { channel: 'push', event: { type: 'alert', org: 'acme' }, recipients };
    await postJson(`${s.url}/v1/events/filter`, body);
    await postJson(`${s.url}/v1/events/filter`, body);
    expect(evaluations.count).toBe(6);
  });
});

describe('fairness: a long fan-out yields the event loop', () => {
  it('a single decision asked while a 10 000-recipient fan-out runs is answered before the fan-out ends', async () => {
    const filterEvent = createEventFilter({
      authorizer: s.app.authorizer,
      yieldEvery: s.app.config.server.fanout_yield_every,
      policyData: () => s.app.policy.current()?.data ?? null,
      allowUncatalogued: false,
    });
    const recipients = Array.from({ length: 10_000 }, (_, i) => ({
      id: `s${i}`,
      user: `user-${i}`,
      org: 'acme',
    }));
    const finished: string[] = [];
    const fanOut = filterEvent({
      channel: 'websocket',
      event: { type: 'alert', org: 'acme', user: null },
      recipients,
    }).then((r) => {
      finished.push('fan-out');
      return r;
    });
    // Runs only once the fan-out gives the loop a turn; a fan-out that never yields finishes first.
    await new Promise((resolve) => setImmediate(resolve));
    const single = s.app.authorizer
      .decide({
        kind: 'request',
        token: await session('alice'),
        named_org: { id: 'acme', source: 'field' },
        action: 'org.read',
        resource: null,
        context: {},
      })
      .then((d) => {
        finished.push('single');
        return d;
      });
    const [result, decision] = await Promise.all([fanOut, single]);
    expect(decision).toMatchObject({ allow: true, effective_org: 'acme' });
    expect(result.denied).toHaveLength(10_000); // none of the generated users is a member
    expect(finished).toEqual(['single', 'fan-out']);
  });
});
