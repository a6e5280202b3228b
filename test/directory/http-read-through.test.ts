/**
 * Pull mode (`directory.http`) against a real local HTTP server playing the main API: the store
 * comes first, fetched records and 404s are cached for `ttl_s`, and every failure — status,
 * timeout, network, malformed body — is `directory_unavailable`, never "no such org".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheStats } from '../../src/contract/metric-labels.js';
import { createFileStore } from '../../src/directory/file-store.js';
import {
  withHttpReadThrough,
  type HttpReadThroughOptions,
} from '../../src/directory/http-read-through.js';
import { createDirectoryStore } from '../../src/directory/index.js';
import { MAX_USER_ORGS, parseMainApiUrl, readUrl } from '../../src/directory/main-api.js';
import {
  DirectoryUnavailableError,
  type DirectoryStore,
  type OrgRecord,
} from '../../src/directory/types.js';
import { DIRECTORY_YAML, freePort, memoryLog, tempDir, type TempDir } from './helpers.js';
import { startFakeMainApi, type FakeMainApi } from './main-api-server.js';

let tmp: TempDir;
let file: string;
let api: FakeMainApi;
let clock: number;
const stores: DirectoryStore[] = [];

const HOOLI: OrgRecord = {
  id: 'hooli',
  status: 'active',
  members: [
    { user: 'gavin', role: 'owner' },
    { user: 'alice', role: 'editor' },
  ],
  shares: [],
};

beforeEach(async () => {
  tmp = await tempDir();
  file = await tmp.file('directory.yaml', DIRECTORY_YAML);
  api = await startFakeMainApi();
  clock = 1_000_000;
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await api.close();
  await tmp.remove();
});

async function open(
  options: Partial<HttpReadThroughOptions> = {},
  deps: { fetch?: typeof fetch; stats?: CacheStats } = {},
): Promise<DirectoryStore> {
  const inner = await createFileStore({ file, defaultOrg: 'default' }, { log: memoryLog() });
  const store = withHttpReadThrough(
    inner,
    {
      url: api.url,
      ttl_s: 60,
      timeout_ms: 200,
      defaultOrg: 'default',
      maxEntries: 100,
      ...options,
    },
    { now: () => clock, log: memoryLog(), ...deps },
  );
  stores.push(store);
  return store;
}

const unavailable = (message: RegExp): unknown =>
  expect.objectContaining({
    name: 'DirectoryUnavailableError',
    message: expect.stringMatching(message) as unknown,
  });

describe('read-through: where answers come from', () => {
  it('answers orgs the store holds without asking the main API', async () => {
    const store = await open();
    expect((await store.getOrg('acme'))?.members).toHaveLength(3);
    expect((await store.getOrg('default'))?.id).toBe('default');
    expect(await store.getOrg('not an id')).toBeNull();
    expect(api.requests).toEqual([]);
  });

  it('fetches an org the store does not hold, validates it and caches it for ttl_s', async () => {
    api.set('/orgs/hooli', { body: HOOLI });
    const store = await open({ ttl_s: 30 });
    expect(await store.getOrg('hooli')).toEqual(HOOLI);
    expect(await store.getOrg('hooli')).toEqual(HOOLI);
    expect(api.requests).toEqual(['/orgs/hooli']);
    expect(api.lastHeaders.accept).toBe('application/json');

    clock += 29_999;
    await store.getOrg('hooli');
    expect(api.requests).toHaveLength(1);
    clock += 1;
    api.set('/orgs/hooli', { body: { ...HOOLI, status: 'suspended' } });
    expect((await store.getOrg('hooli'))?.status).toBe('suspended');
    expect(api.requests).toHaveLength(2);
  });

  it('caches "no such org" (404) for ttl_s too', async () => {
    const store = await open({ ttl_s: 5 });
    expect(await store.getOrg('ghost')).toBeNull();
    expect(await store.getOrg('ghost')).toBeNull();
    expect(api.requests).toEqual(['/orgs/ghost']);
    api.set('/orgs/ghost', { body: { id: 'ghost', status: 'active', members: [] } });
    clock += 5_000;
    expect((await store.getOrg('ghost'))?.id).toBe('ghost');
  });

  it('shares one request between concurrent lookups of one org', async () => {
    api.set('/orgs/hooli', { body: HOOLI, delayMs: 30 });
    const store = await open();
    const results = await Promise.all(Array.from({ length: 10 }, () => store.getOrg('hooli')));
    expect(results.every((r) => r?.id === 'hooli')).toBe(true);
    expect(api.requests).toEqual(['/orgs/hooli']);
  });

  it('hands out frozen records', async () => {
    api.set('/orgs/hooli', { body: HOOLI });
    const store = await open();
    const record = await store.getOrg('hooli');
    expect(() => record!.members.push({ user: 'mallory', role: 'owner' })).toThrow(TypeError);
  });

  it('percent-encodes path segments and keeps the base path', async () => {
    api.set('/users/a%2Fb%20c/orgs', { body: { orgs: [] } });
    const store = await open();
    expect(await store.listOrgsForUser('a/b c')).toEqual([]);
    await store.getOrg('x.y_z-1');
    expect(api.requests).toEqual(
      expect.arrayContaining(['/users/a%2Fb%20c/orgs', '/orgs/x.y_z-1']),
    );
  });

  it('uses the injected fetch', async () => {
    api.set('/orgs/hooli', { body: HOOLI });
    const seen: string[] = [];
    const store = await open(
      {},
      {
        fetch: (input, init) => (
          seen.push(input instanceof Request ? input.url : input.toString()),
          fetch(input, init)
        ),
      },
    );
    await store.getOrg('hooli');
    expect(seen).toEqual([`${api.url}orgs/hooli`]);
  });

  it('reports the http cache layer: hit when answered from the cache, miss when the main API was asked', async () => {
    api.set('/orgs/hooli', { body: HOOLI });
    const events: string[] = [];
    const store = await open({}, { stats: (layer, outcome) => events.push(`${layer}:${outcome}`) });
    await store.getOrg('hooli');
    await store.getOrg('hooli');
    await store.getOrg('acme');
    expect(events).toEqual(['http:miss', 'http:hit']);
  });
});

describe('read-through: failures are directory_unavailable, never "no such org"', () => {
  const cases: [string, () => void, RegExp][] = [
    [
      'a 500',
      () => api.set('/orgs/hooli', { status: 500, body: 'oops' }),
      /main API answered 500 for org "hooli"/,
    ],
    ['a 503', () => api.set('/orgs/hooli', { status: 503 }), /answered 503/],
    ['a 401', () => api.set('/orgs/hooli', { status: 401 }), /answered 401/],
    ['a 204', () => api.set('/orgs/hooli', { status: 204, body: '' }), /answered 204/],
    [
      'a redirect',
      () => api.set('/orgs/hooli', { status: 302, headers: { location: '/internal/orgs/acme' } }),
      /main API request for org "hooli" failed/,
    ],
    [
      'a body that is not JSON',
      () => api.set('/orgs/hooli', { body: '<html>login</html>' }),
      /not JSON/,
    ],
    [
      'an unknown role',
      () => api.set('/orgs/hooli', { body: { ...HOOLI, members: [{ user: 'x', role: 'god' }] } }),
      /malformed record.*members\[0\]\.role: unknown role "god"/,
    ],
    [
      'an unknown key',
      () => api.set('/orgs/hooli', { body: { ...HOOLI, admin: true } }),
      /malformed record.*unknown key "admin"/,
    ],
    [
      'a missing status',
      () => api.set('/orgs/hooli', { body: { id: 'hooli', members: [] } }),
      /record\.status: required/,
    ],
    [
      "another org's record",
      () => api.set('/orgs/hooli', { body: { ...HOOLI, id: 'acme' } }),
      /record\.id: "acme" is not the org asked for/,
    ],
    ['a JSON null', () => api.set('/orgs/hooli', { body: null }), /malformed record/],
    ['a list', () => api.set('/orgs/hooli', { body: [HOOLI] }), /malformed record/],
    [
      'a body over 1 MiB',
      () => api.set('/orgs/hooli', { body: { ...HOOLI, pad: 'x'.repeat(1024 * 1024) } }),
      /exceeds 1048576 bytes/,
    ],
    [
      'a timeout',
      () => api.set('/orgs/hooli', { body: HOOLI, delayMs: 1000 }),
      /timed out after 200 ms/,
    ],
  ];
  it.each(cases)('%s', async (_name, arrange, message) => {
    arrange();
    const store = await open();
    await expect(store.getOrg('hooli')).rejects.toEqual(unavailable(message));
    await expect(store.getOrg('hooli')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    expect(api.requests).toEqual(['/orgs/hooli', '/orgs/hooli']); // failures are not cached
  });

  it('a main API that is not listening', async () => {
    const port = await freePort();
    const store = await open({ url: `http://127.0.0.1:${port}` });
    await expect(store.getOrg('hooli')).rejects.toEqual(
      unavailable(/main API request for org "hooli" failed/),
    );
  });

  it('the store failing: no fallback to the main API', async () => {
    api.set('/orgs/hooli', { body: HOOLI });
    const store = await open();
    await stores[0]!.close(); // closes the file store inside too
    await expect(store.getOrg('hooli')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    expect(api.requests).toEqual([]);
  });

  it('a failure after a success does not evict the cached answer, and recovers', async () => {
    api.set('/orgs/hooli', { body: HOOLI });
    const store = await open({ ttl_s: 1 });
    await store.getOrg('hooli');
    api.set('/orgs/hooli', { status: 500 });
    clock += 1000;
    await expect(store.getOrg('hooli')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    api.set('/orgs/hooli', { body: HOOLI });
    expect((await store.getOrg('hooli'))?.id).toBe('hooli');
  });
});

describe('read-through: writes and the store take precedence', () => {
  it("a write naming a fetched org drops the fetched copy; the store's record wins", async () => {
    api.set('/orgs/hooli', { body: HOOLI });
    const store = await open();
    expect((await store.getOrg('hooli'))?.members).toHaveLength(2);
    await store.putOrg({
      id: 'hooli',
      status: 'active',
      members: [{ user: 'gavin', role: 'owner' }],
      shares: [],
    });
    expect((await store.getOrg('hooli'))?.members).toEqual([{ user: 'gavin', role: 'owner' }]);
    expect(api.requests).toEqual(['/orgs/hooli']);
  });

  it('a failed write still drops the fetched copy (the next lookup asks again)', async () => {
    api.set('/orgs/hooli', { body: HOOLI });
    const store = await open();
    await store.getOrg('hooli');
    await expect(store.putMember('hooli', 'bob', 'viewer')).rejects.toThrow(
      'org "hooli" does not exist',
    );
    await store.getOrg('hooli');
    expect(api.requests).toEqual(['/orgs/hooli', '/orgs/hooli']);
  });

  it('a store change reported by onChange drops the fetched copy', async () => {
    api.set('/orgs/hooli', { body: HOOLI });
    const inner = await createFileStore({ file, defaultOrg: 'default' }, { log: memoryLog() });
    const store = withHttpReadThrough(
      inner,
      { url: api.url, ttl_s: 60, timeout_ms: 200, defaultOrg: 'default', maxEntries: 10 },
      { now: () => clock },
    );
    stores.push(store);
    await store.getOrg('hooli');
    await inner.putOrg({ ...HOOLI, status: 'suspended' }); // behind the decorator's back, as another replica would
    expect((await store.getOrg('hooli'))?.status).toBe('suspended');
    await inner.deleteOrg('hooli');
    expect((await store.getOrg('hooli'))?.status).toBe('active'); // fetched again
    expect(api.requests).toEqual(['/orgs/hooli', '/orgs/hooli']);
  });
});

describe('read-through: listOrgsForUser', () => {
  it("merges the store's memberships with the main API's, roles from the records", async () => {
    api.set('/users/alice/orgs', {
      body: {
        orgs: [{ id: 'hooli', role: 'owner' }, { id: 'acme' }, { id: 'ghost' }, { id: 'pied' }],
      },
    });
    api.set('/orgs/hooli', { body: HOOLI });
    api.set('/orgs/pied', {
      body: { id: 'pied', status: 'active', members: [{ user: 'richard', role: 'owner' }] },
    });
    const store = await open();
    expect(await store.listOrgsForUser('alice')).toEqual([
      { id: 'acme', role: 'owner' },
      { id: 'globex', role: 'viewer' },
      { id: 'default', role: 'admin' },
      { id: 'hooli', role: 'editor' }, // the record's role, not the list's
      // ghost (404) and pied (alice is not a member) are not listed
    ]);
    await store.listOrgsForUser('alice');
    expect(api.requests.filter((p) => p.startsWith('/users/'))).toHaveLength(1); // cached
  });

  it('an org the store holds is answered by the store, even if the main API lists the user there', async () => {
    api.set('/users/bob/orgs', { body: { orgs: [{ id: 'globex' }] } }); // the store says bob is not in globex
    const store = await open();
    expect(await store.listOrgsForUser('bob')).toEqual([{ id: 'acme', role: 'admin' }]);
    expect(api.requests).toEqual(['/users/bob/orgs']);
  });

  it('404 is "in no org"; a malformed list or a failure is unavailable', async () => {
    const store = await open();
    expect(await store.listOrgsForUser('dave')).toEqual([{ id: 'acme', role: 'member' }]);
    api.set('/users/erin/orgs', { body: { orgs: [{ id: 'bad id' }] } });
    await expect(store.listOrgsForUser('erin')).rejects.toEqual(
      unavailable(/without a valid org id/),
    );
    api.set('/users/erin/orgs', { body: ['acme'] });
    await expect(store.listOrgsForUser('erin')).rejects.toEqual(unavailable(/malformed list/));
    api.set('/users/erin/orgs', {
      body: { orgs: Array.from({ length: MAX_USER_ORGS + 1 }, (_, i) => ({ id: `o${i}` })) },
    });
    await expect(store.listOrgsForUser('erin')).rejects.toEqual(unavailable(/malformed list/));
    api.set('/users/erin/orgs', { status: 502 });
    await expect(store.listOrgsForUser('erin')).rejects.toEqual(unavailable(/answered 502/));
  });

  it('does not ask about ids that cannot be users', async () => {
    const store = await open();
    expect(await store.listOrgsForUser('')).toEqual([]);
    expect(api.requests).toEqual([]);
  });
});

describe('read-through: ids that cannot name an org or a member never reach the main API', () => {
  it.each([
    '.',
    '..',
    '...',
    'constructor',
    '__proto__',
    'Default',
    'DEFAULT',
    ' hooli',
    'hooli\u200b',
    '%2e%2e',
    'a/../b',
  ])('getOrg(%j) is null, without a request', async (id) => {
    api.fallback = { body: HOOLI }; // anything asked would be answered
    const store = await open();
    expect(await store.getOrg(id)).toBeNull();
    expect(api.requests).toEqual([]);
  });

  it.each(['.', '..', ' alice', 'alice\u0000', 'zoe\u0308', 'prototype'])(
    'listOrgsForUser(%j) asks nothing',
    async (user) => {
      api.fallback = { body: { orgs: [{ id: 'hooli' }] } };
      const store = await open();
      await store.listOrgsForUser(user);
      expect(api.requests).toEqual([]);
    },
  );

  it('a user id with reserved URL characters is sent as one encoded segment', async () => {
    const store = await open();
    await store.listOrgsForUser('a/b?c#d %e');
    expect(api.requests).toEqual(['/users/a%2Fb%3Fc%23d%20%25e/orgs']);
  });

  it('a main API list naming a dot-only or look-alike org is a malformed answer', async () => {
    const store = await open();
    api.set('/users/erin/orgs', { body: { orgs: [{ id: '..' }] } });
    await expect(store.listOrgsForUser('erin')).rejects.toEqual(
      unavailable(/without a valid org id/),
    );
    api.set('/users/fay/orgs', { body: { orgs: [{ id: 'Default' }] } });
    await expect(store.listOrgsForUser('fay')).rejects.toEqual(
      unavailable(/without a valid org id/),
    );
  });
});

describe('main API URLs keep their shape whatever the segment', () => {
  const base = 'http://127.0.0.1:9/internal';
  it('builds the base path plus one encoded segment per id', () => {
    expect(readUrl(base, ['orgs', 'acme']).href).toBe('http://127.0.0.1:9/internal/orgs/acme');
    expect(readUrl(base, ['users', 'a/b', 'orgs']).pathname).toBe('/internal/users/a%2Fb/orgs');
    expect(readUrl('https://api.example.com', ['orgs', 'acme']).href).toBe(
      'https://api.example.com/orgs/acme',
    );
  });

  it.each(['.', '..', '%2e%2e', '.%2e'])(
    'refuses a segment %j that the URL parser would resolve (not just the id check)',
    (segment) => {
      // %2e%2e is encoded to %252e%252e, which is not a dot segment: it keeps its shape and is allowed.
      if (segment.includes('%'))
        expect(readUrl(base, ['orgs', segment]).pathname).toBe(
          `/internal/orgs/${encodeURIComponent(segment)}`,
        );
      else
        expect(() => readUrl(base, ['orgs', segment])).toThrow(/does not have the expected shape/);
    },
  );
});

describe('read-through: configuration', () => {
  it('accepts https and loopback http only, without credentials or query', () => {
    expect(parseMainApiUrl('https://api.example.com/internal/')).toBe(
      'https://api.example.com/internal',
    );
    expect(parseMainApiUrl('http://localhost:8080')).toBe('http://localhost:8080');
    expect(parseMainApiUrl('http://127.0.0.1:8080/x')).toBe('http://127.0.0.1:8080/x');
    expect(() => parseMainApiUrl('http://api.internal:8080')).toThrow(
      "directory.http.url: 'http://api.internal:8080' must use https (http is allowed only for a loopback host)",
    );
    expect(() => parseMainApiUrl('https://u:p@api.example.com')).toThrow(
      'credentials in the URL are not allowed',
    );
    expect(() => parseMainApiUrl('https://api.example.com/?a=1')).toThrow(
      'a query or fragment is not allowed',
    );
    expect(() => parseMainApiUrl('nope')).toThrow("directory.http.url: 'nope' is not a URL");
  });

  it('is what createDirectoryStore builds when directory.http is set, and closes the store on a bad URL', async () => {
    api.set('/orgs/hooli', { body: HOOLI });
    const store = await createDirectoryStore(
      {
        directory: {
          file,
          cache_ttl_ms: 1000,
          cache_max_entries: 10,
          http: { url: api.url, ttl_s: 60, timeout_ms: 500 },
        },
        defaultOrg: 'default',
      },
      { log: memoryLog() },
    );
    stores.push(store);
    expect(store.kind).toBe('file');
    expect((await store.getOrg('hooli'))?.id).toBe('hooli');
    await expect(
      createDirectoryStore(
        {
          directory: {
            file,
            cache_ttl_ms: 1000,
            cache_max_entries: 10,
            http: { url: 'http://10.0.0.1', ttl_s: 60, timeout_ms: 500 },
          },
          defaultOrg: 'default',
        },
        { log: memoryLog() },
      ),
    ).rejects.toThrow('directory.http.url');
  });

  it('close aborts requests in flight', async () => {
    api.set('/orgs/hooli', { body: HOOLI, delayMs: 5000 });
    const store = await open({ timeout_ms: 10_000 });
    const pending = store.getOrg('hooli');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.close();
    await expect(pending).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });
});
