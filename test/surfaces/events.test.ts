/**
 * POST /v1/events/filter through a real app: compiled policy, file directory (a private copy of
 * the fixture). Who receives an event is decided by the core at delivery time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../support/app.js';
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

describe('multi-tenant on', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: true });
  });
  afterAll(() => s.stop());

  it('answers the contract document: members of the event org get it, a non-member is access_denied', async () => {
    const res = await filter(s, { type: 'alert', org: 'acme' }, [
      { id: 's1', user: 'alice', org: 'acme' },
      { id: 's2', user: 'mallory', org: 'acme' },
    ]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ allowed: ['s1'], denied: [{ id: 's2', reason: 'access_denied' }] });
  });

  it('a recipient connected to another org never receives it, even as a member of the event org', async () => {
    // alice is owner of acme and viewer of globex; her globex connection must not get acme's event
    const res = await filter(s, { type: 'alert', org: 'acme' }, [
      { id: 'alice-acme', user: 'alice', org: 'acme' },
      { id: 'alice-globex', user: 'alice', org: 'globex' },
      { id: 'erin-globex', user: 'erin', org: 'globex' },
      { id: 'alice-none', user: 'alice' },
    ]);
    expect(res.json?.allowed).toEqual(['alice-acme']);
    expect(res.json?.denied).toEqual([
      { id: 'alice-globex', reason: 'cross_org' },
      { id: 'erin-globex', reason: 'cross_org' },
      { id: 'alice-none', reason: 'cross_org' },
    ]);
  });

  it('an accepted share of a node does not carry events of that node to the target org', async () => {
    // acme shares node n1 with globex (accepted); the event's org is still acme
    const res = await filter(s, { type: 'node.status', org: 'acme' }, [
      { id: 'e', user: 'erin', org: 'globex' },
    ]);
    expect(res.json).toEqual({ allowed: [], denied: [{ id: 'e', reason: 'cross_org' }] });
  });

  it('a broadcast "node deleted" of acme sent to every connection reaches only acme members on acme', async () => {
    const everyone: Recipient[] = [
      { id: 'a', user: 'alice', org: 'acme' },
      { id: 'b', user: 'bob', org: 'acme' },
      { id: 'v', user: 'vera', org: 'acme' },
      { id: 'e', user: 'erin', org: 'globex' },
      { id: 'f', user: 'frank', org: 'globex' },
      { id: 'g', user: 'gina', org: 'frozen' },
      { id: 'r', user: 'root-admin' },
      { id: 'm', user: 'mallory' },
    ];
    const res = await filter(s, { type: 'node.deleted', org: 'acme' }, everyone);
    expect(res.json?.allowed).toEqual(['a', 'b', 'v']);
    expect(Object.fromEntries(res.json?.denied?.map((d) => [d.id, d.reason]) ?? [])).toEqual({
      e: 'cross_org',
      f: 'cross_org',
      g: 'org_suspended',
      r: 'cross_org',
      m: 'cross_org',
    });
  });

  it.each([
    ['settings updated, org null', { type: 'settings.updated', org: null }, 'websocket'],
    ['discovery progress, no org key', { type: 'discovery.progress' }, 'sse'],
    ['a push payload with no org at all', { type: 'alert' }, 'push'],
  ])('an event without an org reaches nobody: %s', async (_name, event, channel) => {
    const res = await filter(
      s,
      event,
      [
        { id: 'a', user: 'alice', org: 'acme' },
        { id: 'r', user: 'root-admin' },
        { id: 'd', user: 'root-admin', org: 'default' },
      ],
      channel,
    );
    expect(res.json?.allowed).toEqual([]);
    expect(res.json?.denied?.map((d: { reason: string }) => d.reason)).toEqual([
      'cross_org',
      'cross_org',
      'cross_org',
    ]);
  });

  it('an event of the default org reaches every user on the default org, and no one elsewhere', async () => {
    const res = await filter(s, { type: 'alert', org: 'default' }, [
      { id: 'm', user: 'mallory' },
      { id: 'r', user: 'root-admin', org: 'default' },
      { id: 'a', user: 'alice', org: 'acme' },
    ]);
    expect(res.json).toEqual({ allowed: ['m', 'r'], denied: [{ id: 'a', reason: 'cross_org' }] });
  });

  it('unknown and malformed connection orgs are denied', async () => {
    const res = await filter(s, { type: 'alert', org: 'acme' }, [
      { id: 'x', user: 'alice', org: 'ghost' },
      { id: 'y', user: 'alice', org: 'acme/../globex' },
    ]);
    expect(res.json?.denied).toEqual([
      { id: 'x', reason: 'invalid_org' },
      { id: 'y', reason: 'invalid_org' },
    ]);
  });

  it('membership is checked at delivery time: a removed member stops receiving on the next call', async () => {
    const recipients = [{ id: 'carol-1', user: 'carol', org: 'acme' }];
    expect((await filter(s, { type: 'alert', org: 'acme' }, recipients)).json?.allowed).toEqual([
      'carol-1',
    ]);
    await s.app.directory.removeMember('acme', 'carol');
    expect((await filter(s, { type: 'alert', org: 'acme' }, recipients)).json).toEqual({
      allowed: [],
      denied: [{ id: 'carol-1', reason: 'access_denied' }],
    });
  });

  it('an org suspended since the connection opened stops its deliveries', async () => {
    const record = await s.app.directory.getOrg('globex');
    await s.app.directory.putOrg({ ...record!, status: 'suspended' });
    const res = await filter(s, { type: 'alert', org: 'globex' }, [
      { id: 'e', user: 'erin', org: 'globex' },
    ]);
    expect(res.json?.denied).toEqual([{ id: 'e', reason: 'org_suspended' }]);
    await s.app.directory.putOrg({ ...record!, status: 'active' });
  });

  it('an empty recipient list is an empty answer', async () => {
    expect((await filter(s, { type: 'alert', org: 'acme' }, [])).json).toEqual({
      allowed: [],
      denied: [],
    });
  });
});

describe('global event types (scope global in the event catalogue)', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: true });
  });
  afterAll(() => s.stop());

  it('an org-less global event reaches members of the org their connection is on, nobody else', async () => {
    const res = await filter(
      s,
      { type: 'maintenance.announced' },
      [
        { id: 'a', user: 'alice', org: 'acme' },
        { id: 'e', user: 'erin', org: 'globex' },
        { id: 'm', user: 'mallory' },
        { id: 'spoof', user: 'mallory', org: 'acme' },
        { id: 'g', user: 'gina', org: 'frozen' },
      ],
      'push',
    );
    expect(res.json).toEqual({
      allowed: ['a', 'e', 'm'],
      denied: [
        { id: 'spoof', reason: 'access_denied' },
        { id: 'g', reason: 'org_suspended' },
      ],
    });
  });

  it('an org-scoped type without an org still reaches nobody', async () => {
    const res = await filter(s, { type: 'settings.updated' }, [
      { id: 'a', user: 'alice', org: 'acme' },
    ]);
    expect(res.json?.denied).toEqual([{ id: 'a', reason: 'cross_org' }]);
  });

  it('a global type that names an org is an event of that org', async () => {
    const res = await filter(s, { type: 'maintenance.announced', org: 'acme' }, [
      { id: 'a', user: 'alice', org: 'acme' },
      { id: 'e', user: 'erin', org: 'globex' },
    ]);
    expect(res.json).toEqual({ allowed: ['a'], denied: [{ id: 'e', reason: 'cross_org' }] });
  });
});

describe('multi-tenant off', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: false });
  });
  afterAll(() => s.stop());

  it('default-org events are delivered to everyone on the default org', async () => {
    const res = await filter(s, { type: 'alert', org: 'default' }, [
      { id: 'a', user: 'alice' },
      { id: 'm', user: 'mallory', org: 'default' },
    ]);
    expect(res.json).toEqual({ allowed: ['a', 'm'], denied: [] });
  });

  it('an event of a non-default org is feature_disabled, for members too', async () => {
    const res = await filter(s, { type: 'alert', org: 'acme' }, [
      { id: 'a', user: 'alice' },
      { id: 'b', user: 'alice', org: 'acme' },
    ]);
    expect(res.json).toEqual({
      allowed: [],
      denied: [
        { id: 'a', reason: 'feature_disabled' },
        { id: 'b', reason: 'feature_disabled' },
      ],
    });
  });

  it('a connection on a non-default org gets nothing, not even a default-org event', async () => {
    const res = await filter(s, { type: 'alert', org: 'default' }, [
      { id: 'b', user: 'alice', org: 'acme' },
    ]);
    expect(res.json?.denied).toEqual([{ id: 'b', reason: 'feature_disabled' }]);
  });

  it('an org-less event still reaches nobody', async () => {
    const res = await filter(s, { type: 'settings.updated' }, [{ id: 'a', user: 'alice' }]);
    expect(res.json?.denied).toEqual([{ id: 'a', reason: 'cross_org' }]);
  });
});
