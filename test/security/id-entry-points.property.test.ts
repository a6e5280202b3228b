/**
 * Every place a user or org id enters refuses every non-canonical spelling of it and changes
 * nothing, while the canonical id is accepted exactly as sent: a token's `sub`, a target user, a
 * job's enqueuer, an event's recipients, a directory member write (file store over HTTP, Redis
 * store), the `org` of a decision request, and a pull-mode lookup against the main API.
 */
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Authenticator } from '../../src/authn/types.js';
import { parseAuthorizeBody } from '../../src/http/inbound/authorize-body.js';
import { InvalidDirectoryError } from '../../src/directory/errors.js';
import { createFileStore } from '../../src/directory/file-store.js';
import { withHttpReadThrough } from '../../src/directory/http-read-through.js';
import { createRedisStore } from '../../src/directory/redis-store.js';
import type { DirectoryStore } from '../../src/directory/types.js';
import { OrgwardenError } from '../../src/contract/errors.js';
import { parseEventFilterBody } from '../../src/http/inbound/event-filter-body.js';
import { parseJobBody } from '../../src/http/inbound/job-body.js';
import { hs256Authenticator, NOW } from '../authn/helpers.js';
import {
  DIRECTORY_YAML,
  SHARED_REDIS_URL,
  deletePrefix,
  memoryLog,
  redisConfig,
  tempDir,
  uniquePrefix,
  type TempDir,
} from '../directory/helpers.js';
import { startFakeMainApi, type FakeMainApi } from '../directory/main-api-server.js';
import { rawRequest } from '../forward-auth/gateway-harness.js';
import { startSurfaceApp, type SurfaceApp } from '../surfaces/helpers.js';
import {
  canonicalUserId,
  defaultOrgLookAlike,
  disguisedId,
  dotOrReservedId,
} from '../support/arbitraries.js';
import { session } from '../support/app.js';
import { fuzzParams } from '../support/fuzz.js';
import { TEST_SECRET, mintHs256 } from '../support/tokens.js';

const NAMES = { org_header: 'X-Org-ID', org_cookie: 'org_id' };
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };

/** A user id that is not canonical: a disguised canonical id, or one of the bare refused names. */
const badUserId = fc.oneof(
  disguisedId(canonicalUserId).map(({ spelled }) => spelled),
  dotOrReservedId,
);
/** An org id that names no org: a disguised real one, dots, a prototype name, a default look-alike. */
const badOrgId = fc.oneof(
  disguisedId(fc.constantFrom('acme', 'globex', 'hooli')).map(({ spelled }) => spelled),
  dotOrReservedId,
  defaultOrgLookAlike('default'),
);

/** What a refusal from a body parser looks like: an OrgwardenError 400 whose message starts with `field`. */
function expectRefusal(run: () => unknown, field: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(OrgwardenError);
  expect((thrown as OrgwardenError).status).toBe(400);
  expect((thrown as OrgwardenError).message.startsWith(`${field}: `)).toBe(true);
}

describe('token claims', () => {
  let auth: Authenticator;
  beforeAll(async () => {
    auth = await hs256Authenticator();
  });
  const mint = (claims: Record<string, unknown>) => mintHs256(TEST_SECRET, claims, { now: NOW });

  it('a sub that is not canonical is sub_malformed; the canonical sub is the principal id, exactly', async () => {
    await fc.assert(
      fc.asyncProperty(disguisedId(canonicalUserId), async ({ id, spelled }) => {
        expect(await auth.authenticate(await mint({ sub: spelled }))).toMatchObject({
          ok: false,
          code: 'sub_malformed',
        });
        expect(await auth.authenticate(await mint({ sub: id }))).toMatchObject({
          ok: true,
          principal: { id },
        });
      }),
      fuzzParams(150),
    );
  });

  it('an org binding that names no org is org_id_malformed', async () => {
    await fc.assert(
      fc.asyncProperty(badOrgId, fc.boolean(), async (org, asList) => {
        const claims = {
          sub: 'tok-1',
          kind: 'api_token',
          ...(asList ? { org_ids: ['acme', org] } : { org_id: org }),
        };
        expect(await auth.authenticate(await mint(claims))).toMatchObject({
          ok: false,
          code: 'org_id_malformed',
        });
      }),
      fuzzParams(150),
    );
  });
});

describe('decision request bodies', () => {
  it('context.target_user: refused naming the field; the canonical id is kept exactly', () => {
    fc.assert(
      fc.property(badUserId, canonicalUserId, (bad, good) => {
        const refused = parseAuthorizeBody(
          { token: 't', action: 'org.members.remove', context: { target_user: bad } },
          NAMES,
        );
        expect(!refused.ok && refused.message.startsWith('context.target_user: ')).toBe(true);
        const accepted = parseAuthorizeBody(
          { token: 't', action: 'org.members.remove', context: { target_user: good } },
          NAMES,
        );
        expect(accepted.ok && accepted.value.context.target_user).toBe(good);
      }),
      fuzzParams(2000),
    );
  });

  it('job.enqueued_by.user: refused naming the field; the canonical id becomes the trusted principal', () => {
    const job = (user: string) => ({
      job: {
        id: 'j1',
        type: 'report',
        org: 'acme',
        enqueued_by: { user },
        action: 'resource.read',
      },
    });
    fc.assert(
      fc.property(badUserId, canonicalUserId, (bad, good) => {
        expectRefusal(() => parseJobBody(job(bad)), 'job.enqueued_by.user');
        expect(parseJobBody(job(good)).decision.trusted_principal?.id).toBe(good);
      }),
      fuzzParams(2000),
    );
  });

  it('event recipients: a non-canonical user is refused naming its index; canonical users are kept', () => {
    const body = (user: string) => ({
      channel: 'websocket',
      event: { type: 'alert', org: 'acme' },
      recipients: [
        { id: 's1', user: 'alice', org: 'acme' },
        { id: 's2', user, org: 'acme' },
      ],
    });
    fc.assert(
      fc.property(badUserId, canonicalUserId, (bad, good) => {
        expectRefusal(() => parseEventFilterBody(body(bad)), 'recipients[1].user');
        expect(parseEventFilterBody(body(good)).recipients[1]?.user).toBe(good);
      }),
      fuzzParams(2000),
    );
  });
});

describe('through a running orgwarden (compiled policy, file directory)', () => {
  let s: SurfaceApp;
  let app: App;
  let port: number;
  let aliceToken: string;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: true });
    app = s.app;
    port = Number(new URL(s.url).port);
    aliceToken = await session('alice');
  });
  afterAll(() => s.stop());

  const snapshot = async () => ({
    file: await readFile(app.config.directory.file, 'utf8'),
    acme: await app.directory.getOrg('acme'),
    revision: await app.directory.revision('acme'),
  });
  /** Percent-encoding; a lone surrogate has no UTF-8 form, so it goes as the three bytes a client could still send. */
  const encodePath = (id: string) =>
    Array.from(id)
      .map((ch) => {
        if (ch.isWellFormed()) return encodeURIComponent(ch);
        const unit = ch.charCodeAt(0);
        return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
          .map((b) => `%${b.toString(16).toUpperCase()}`)
          .join('');
      })
      .join('');

  it('PUT .../members/{user}: a non-canonical user is 400 and writes nothing; the canonical one is written as sent', async () => {
    await fc.assert(
      fc.asyncProperty(badUserId, canonicalUserId, async (bad, good) => {
        fc.pre(good !== 'alice'); // acme's owner: a member write would have to respect the one-owner rule
        const before = await snapshot();
        const refused = await rawRequest(port, {
          method: 'PUT',
          path: `/v1/directory/orgs/acme/members/${encodePath(bad)}`,
          headers: { ...ADMIN, 'content-type': 'application/json' },
          body: '{"role":"viewer"}',
        });
        expect(refused.status).toBe(400);
        expect(refused.json).toMatchObject({ error: { code: 'invalid_request' } });
        // a dot-only id is a dot segment, refused with the request target before any route sees it
        if (/^\.+$/.test(bad) && bad.length <= 2)
          expect(refused.json).toMatchObject({
            error: { message: expect.stringMatching(/dot segment/) as unknown },
          });
        else if (bad.isWellFormed())
          expect(refused.json).toMatchObject({
            error: { message: expect.stringMatching(/: user: /) as unknown },
          });
        expect(await snapshot()).toEqual(before);

        const path = `/v1/directory/orgs/acme/members/${encodeURIComponent(good)}`;
        const written = await rawRequest(port, {
          method: 'PUT',
          path,
          headers: { ...ADMIN, 'content-type': 'application/json' },
          body: '{"role":"viewer"}',
        });
        expect(written.status).toBe(200);
        expect((await app.directory.getOrg('acme'))?.members).toContainEqual({
          user: good,
          role: 'viewer',
        });
        const existed = before.acme?.members.find((m) => m.user === good);
        const restore = existed
          ? await rawRequest(port, {
              method: 'PUT',
              path,
              headers: { ...ADMIN, 'content-type': 'application/json' },
              body: JSON.stringify({ role: existed.role }),
            })
          : await rawRequest(port, { method: 'DELETE', path, headers: ADMIN });
        expect(restore.status).toBe(200);
        expect((await app.directory.getOrg('acme'))?.members).toEqual(before.acme?.members);
      }),
      fuzzParams(20, 5000),
    );
  });

  it('the org of a decision: an id that names no org is invalid_org (a lone surrogate is a 400), never an allow; the real org is allowed', async () => {
    await fc.assert(
      fc.asyncProperty(badOrgId, async (org) => {
        const denied = await app.authorizer.authorize({
          token: aliceToken,
          org,
          action: 'org.read',
        });
        if (org.isWellFormed())
          expect(denied).toMatchObject({
            ok: true,
            value: { allow: false, reason: 'invalid_org', effective_org: null },
          });
        else
          expect(denied).toEqual({
            ok: false,
            message: 'org: must be well-formed Unicode (no lone surrogates)',
          });
        const allowed = await app.authorizer.authorize({
          token: aliceToken,
          org: 'acme',
          action: 'org.read',
        });
        expect(allowed).toMatchObject({ ok: true, value: { allow: true, effective_org: 'acme' } });
      }),
      fuzzParams(150),
    );
  });
});

describe('the Redis store', () => {
  const prefix = uniquePrefix();
  let tmp: TempDir;
  let store: DirectoryStore;
  let redis: Redis;
  beforeAll(async () => {
    tmp = await tempDir();
    const file = await tmp.file('directory.yaml', DIRECTORY_YAML);
    store = await createRedisStore(
      {
        file,
        defaultOrg: 'default',
        redis: redisConfig(prefix, { command_timeout_ms: 2000 }),
        cache_ttl_ms: 60_000,
        cache_max_entries: 100,
      },
      { log: memoryLog() },
    );
    redis = new Redis(SHARED_REDIS_URL);
  });
  afterAll(async () => {
    await store.close();
    redis.disconnect();
    await deletePrefix(prefix);
    await tmp.remove();
  });

  /** Every key under the prefix with its value (strings and sets), sorted: what "unchanged" means. */
  async function contents(): Promise<[string, unknown][]> {
    const keys = (await redis.keys(`${prefix}*`)).sort();
    return Promise.all(
      keys.map(async (key): Promise<[string, unknown]> => {
        const type = await redis.type(key);
        if (type === 'set') return [key, (await redis.smembers(key)).sort()];
        if (type === 'string') return [key, await redis.get(key)];
        return [key, type];
      }),
    );
  }

  it('putMember with a non-canonical user or org is refused and leaves Redis as it was', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badUserId.map((user) => ({ org: 'acme', user })),
          badOrgId.map((org) => ({ org, user: 'bob' })),
        ),
        async ({ org, user }) => {
          const before = await contents();
          await expect(store.putMember(org, user, 'viewer')).rejects.toBeInstanceOf(
            InvalidDirectoryError,
          );
          expect(await contents()).toEqual(before);
        },
      ),
      fuzzParams(60, 5000),
    );
  });
});

describe('pull mode: the main API', () => {
  let api: FakeMainApi;
  let tmp: TempDir;
  let inner: DirectoryStore;
  let store: DirectoryStore;
  let clock = 1_000_000;
  beforeAll(async () => {
    api = await startFakeMainApi();
    api.set('/orgs/hooli', {
      body: {
        id: 'hooli',
        status: 'active',
        members: [{ user: 'gavin', role: 'owner' }],
        shares: [],
      },
    });
    tmp = await tempDir();
    inner = await createFileStore(
      { file: await tmp.file('directory.yaml', DIRECTORY_YAML), defaultOrg: 'default' },
      { log: memoryLog() },
    );
    // Each lookup runs at a new hour, so no cached answer hides a request.
    store = withHttpReadThrough(
      inner,
      { url: api.url, ttl_s: 60, timeout_ms: 5000, defaultOrg: 'default', maxEntries: 1000 },
      { now: () => (clock += 3_600_000), log: memoryLog() },
    );
  });
  afterAll(async () => {
    await store.close();
    await api.close();
    await tmp.remove();
  });

  it('an org id that names no org is never looked up; the canonical id is', async () => {
    await fc.assert(
      fc.asyncProperty(badOrgId, async (org) => {
        api.requests.length = 0;
        expect(await store.getOrg(org)).toBeNull();
        expect(api.requests).toEqual([]);
        expect((await store.getOrg('hooli'))?.id).toBe('hooli');
        expect(api.requests).toEqual(['/orgs/hooli']);
      }),
      fuzzParams(60, 5000),
    );
  });

  it('a user id that is not canonical is never asked about; the canonical id is, as one segment', async () => {
    await fc.assert(
      fc.asyncProperty(badUserId, canonicalUserId, async (bad, good) => {
        api.requests.length = 0;
        await store.listOrgsForUser(bad);
        expect(api.requests).toEqual([]);
        await store.listOrgsForUser(good);
        expect(api.requests).toEqual([`/users/${encodeURIComponent(good)}/orgs`]);
      }),
      fuzzParams(60, 5000),
    );
  });

  it('whatever the string, every request the main API receives has the expected shape and names that string', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 12 }),
          fc.stringMatching(/^[./%2eE]{1,6}$/),
        ),
        async (id) => {
          api.requests.length = 0;
          await store.getOrg(id);
          await store.listOrgsForUser(id);
          for (const request of api.requests) {
            const match = /^\/orgs\/([^/?#]+)$|^\/users\/([^/?#]+)\/orgs$/.exec(request);
            expect(match, request).not.toBeNull();
            expect(decodeURIComponent(match?.[1] ?? match?.[2] ?? '')).toBe(id);
          }
        },
      ),
      fuzzParams(200),
    );
  });
});
