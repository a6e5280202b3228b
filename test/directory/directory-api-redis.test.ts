/**
 * The directory write API on replicas sharing a Redis (a private scratch server, so it can be
 * killed): an org's revision is one counter across replicas, a refused write leaves every key as it
 * was, and a dead Redis is 503 for writes and reads and `directory_unavailable` for decisions.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIRECTORY, postJson, session } from '../support/app.js';
import { startScratchRedis, uniquePrefix, type ScratchRedis } from './helpers.js';
import { ADMIN_TOKEN, startReplicas, write, type Replica } from './replica-scenarios.js';
import type { ResponseBody } from '../support/response-body.js';

let redis: ScratchRedis;
let admin: Redis;
let a: Replica;
let b: Replica;
const prefix = uniquePrefix();

/** What beforeAll has started, undone in reverse order after the suite (also after a half-failed start). */
const undo: (() => unknown)[] = [];

beforeAll(async () => {
  redis = await startScratchRedis();
  undo.push(() => redis.kill());
  admin = new Redis(redis.url);
  undo.push(() => admin.disconnect());
  [a, b] = await startReplicas(
    { url: redis.url, key_prefix: prefix, command_timeout_ms: 1000 },
    FIXTURE_DIRECTORY,
  );
  undo.push(() => Promise.all([a.app.stop(), b.app.stop()]));
});

afterAll(async () => {
  for (const step of undo.reverse()) await step();
});

/**
 * Every directory key under the prefix with its value, as Redis holds it. The audit log's keys
 * (`{audit}`) are left out: it records refused writes too (test/audit/).
 */
async function dump(): Promise<Record<string, unknown>> {
  const keys = (await admin.keys(`${prefix}*`)).filter((k) => !k.includes('{audit}')).sort();
  const entries = await Promise.all(
    keys.map(async (key) => {
      const type = await admin.type(key);
      const value =
        type === 'set'
          ? (await admin.smembers(key)).sort()
          : type === 'hash'
            ? await admin.hgetall(key)
            : await admin.get(key);
      return [key, value] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function call(replica: Replica, method: string, path: string, body?: unknown) {
  const res = await fetch(`${replica.url}/v1/directory/orgs/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as ResponseBody };
}

describe('directory API on a shared Redis', () => {
  it("an org's revision is one counter across replicas", async () => {
    expect(await write(a, 'PUT', 'acme/members/zoe', { role: 'viewer' })).toBe(2); // 1 was the seed
    expect(await write(b, 'PUT', 'acme/members/zoe', { role: 'editor' })).toBe(3);
    expect(await write(a, 'DELETE', 'acme/members/zoe')).toBe(4);
    expect(await write(b, 'DELETE', 'acme/members/zoe')).toBe(4); // no-op
    expect((await call(b, 'GET', 'acme')).json.members?.map((m) => m.user)).not.toContain('zoe');
  });

  it('refused writes leave every key in Redis as it was', async () => {
    const before = await dump();
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining([
        `${prefix}{org:acme}`,
        `${prefix}orgs`,
        `${prefix}{org:acme}:revision`,
        `${prefix}user:bob`,
      ]),
    );
    const refused: [string, string, unknown, number][] = [
      ['PUT', 'acme/members/bob', { role: 'root' }, 400],
      ['PUT', 'acme/members/bob', { role: 'owner' }, 400],
      [
        'PUT',
        'acme',
        {
          status: 'active',
          members: [
            { user: 'x', role: 'owner' },
            { user: 'y', role: 'owner' },
          ],
        },
        400,
      ],
      ['PUT', 'bad%20id', { status: 'active' }, 400],
      ['PUT', 'default/members/bob', { role: 'viewer' }, 400],
      ['DELETE', 'default', undefined, 400],
      ['PUT', 'nope/members/bob', { role: 'viewer' }, 404],
    ];
    for (const [method, path, body, status] of refused) {
      expect((await call(a, method, path, body)).status, `${method} ${path}`).toBe(status);
    }
    expect(await dump()).toEqual(before);
  });

  it('a dead Redis: 503 for writes and reads, directory_unavailable for decisions', async () => {
    await redis.kill();
    const put = await call(a, 'PUT', 'acme/members/zoe', { role: 'viewer' });
    expect(put.status).toBe(503);
    expect(put.json.error?.code).toBe('unavailable');
    expect((await call(b, 'GET', 'acme')).status).toBe(503);
    const decision = await postJson(`${b.url}/v1/authorize`, {
      token: await session('alice'),
      org: 'acme',
      action: 'resource.read',
    });
    expect(decision.json).toMatchObject({
      allow: false,
      reason: 'directory_unavailable',
      status: 503,
    });
  });
});
