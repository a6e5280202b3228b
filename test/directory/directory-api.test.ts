/**
 * The directory write API over HTTP on a real app (compiled policy, real tokens) with the embedded
 * file store: each write answers {"revision": N} and shows in the next decision and in the file;
 * every refused write (guard, 400, 404, 413, 415) leaves the store and the file exactly as they were.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { parseDirectoryYaml } from '../../src/directory/load-file.js';
import { FIXTURE_DIRECTORY, postJson, session, startTestApp } from '../support/app.js';
import { rawRequest } from '../forward-auth/gateway-harness.js';
import { tempDir, type TempDir } from './helpers.js';
import type { ResponseBody } from '../support/response-body.js';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };

let tmp: TempDir;
let file: string;
let app: App;
let url: string;

beforeEach(async () => {
  tmp = await tempDir();
  file = join(tmp.dir, 'directory.yaml');
  await copyFile(FIXTURE_DIRECTORY, file);
  ({ app, url } = await startTestApp({ directoryFile: file }));
});

afterEach(async () => {
  await app.stop();
  await tmp.remove();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = ADMIN,
) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text ? (JSON.parse(text) as ResponseBody) : undefined,
    headers: res.headers,
  };
}

async function decide(user: string, org: string, action = 'resource.read') {
  const res = await postJson(`${url}/v1/authorize`, { token: await session(user), org, action });
  return res.json as { allow: boolean; reason: string; status: number };
}

/** Everything a refused write must leave alone: the file's bytes, the records, the revision. */
async function snapshot() {
  const orgs = ['default', 'acme', 'globex', 'frozen', 'leaving', 'hooli'];
  return {
    file: await readFile(file, 'utf8'),
    records: await Promise.all(orgs.map((id) => app.directory.getOrg(id))),
    revision: await app.directory.revision('acme'),
  };
}

describe('directory API: writes', () => {
  it('PUT org, PUT member, DELETE member, DELETE org: each answers the revision and takes effect', async () => {
    const hooli = {
      id: 'hooli',
      status: 'active',
      members: [{ user: 'gavin', role: 'owner' }],
      shares: [],
    };
    expect(await decide('gavin', 'hooli')).toMatchObject({ allow: false, reason: 'invalid_org' });

    expect(await call('PUT', '/v1/directory/orgs/hooli', hooli)).toMatchObject({
      status: 200,
      json: { revision: 1 },
    });
    expect(await decide('gavin', 'hooli')).toMatchObject({ allow: true });
    expect((await call('GET', '/v1/directory/orgs/hooli')).json).toEqual(hooli);

    expect(
      await call('PUT', '/v1/directory/orgs/hooli/members/jared', { role: 'editor' }),
    ).toMatchObject({ status: 200, json: { revision: 2 } });
    expect(await decide('jared', 'hooli', 'resource.write')).toMatchObject({ allow: true });

    expect(
      await call('PUT', '/v1/directory/orgs/hooli/members/jared', { role: 'viewer' }),
    ).toMatchObject({ json: { revision: 3 } });
    expect(await decide('jared', 'hooli', 'resource.write')).toMatchObject({
      allow: false,
      reason: 'insufficient_role',
    });

    expect(await call('DELETE', '/v1/directory/orgs/hooli/members/jared')).toMatchObject({
      status: 200,
      json: { revision: 4 },
    });
    expect(await decide('jared', 'hooli')).toMatchObject({ allow: false, reason: 'access_denied' });

    expect(await call('DELETE', '/v1/directory/orgs/hooli')).toMatchObject({
      status: 200,
      json: { revision: 5 },
    });
    expect(await decide('gavin', 'hooli')).toMatchObject({ allow: false, reason: 'invalid_org' });
    expect((await call('GET', '/v1/directory/orgs/hooli')).status).toBe(404);

    const onDisk = parseDirectoryYaml(await readFile(file, 'utf8'), 'default', 'test');
    expect(onDisk.map((o) => o.id)).toEqual(['default', 'acme', 'globex', 'frozen', 'leaving']);
  });

  it('writes go back to the file atomically and survive a restart', async () => {
    await call('PUT', '/v1/directory/orgs/acme/members/zoe', { role: 'admin' });
    await call('DELETE', '/v1/directory/orgs/acme/members/bob');
    const acme = parseDirectoryYaml(await readFile(file, 'utf8'), 'default', 'test').find(
      (o) => o.id === 'acme',
    );
    expect(acme?.members.map((m) => m.user)).toEqual(['alice', 'carol', 'dave', 'vera', 'zoe']);
    expect((await readFile(file, 'utf8')).startsWith('# orgwarden directory.')).toBe(true);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(tmp.dir)).toEqual(['directory.yaml']); // no temp file left behind

    await app.stop();
    ({ app, url } = await startTestApp({ directoryFile: file }));
    expect(await decide('zoe', 'acme', 'org.update')).toMatchObject({ allow: true });
    expect(await decide('bob', 'acme')).toMatchObject({ allow: false, reason: 'access_denied' });
  });

  it('no-op writes answer the current revision', async () => {
    expect((await call('DELETE', '/v1/directory/orgs/acme/members/nobody')).json).toEqual({
      revision: 0,
    });
    expect((await call('DELETE', '/v1/directory/orgs/nope')).json).toEqual({ revision: 0 });
    expect(
      (await call('PUT', '/v1/directory/orgs/acme/members/bob', { role: 'admin' })).json,
    ).toEqual({ revision: 0 });
  });

  it('takes the id from the path when the record leaves it out; accepts the legacy role "member"', async () => {
    expect((await call('PUT', '/v1/directory/orgs/pied', { status: 'suspended' })).json).toEqual({
      revision: 1,
    });
    expect((await call('GET', '/v1/directory/orgs/pied')).json).toEqual({
      id: 'pied',
      status: 'suspended',
      members: [],
      shares: [],
    });
    expect(
      (await call('PUT', '/v1/directory/orgs/acme/members/ann', { role: 'member' })).json,
    ).toEqual({ revision: 2 });
  });

  it('decodes user ids from the path', async () => {
    expect(
      (
        await call('PUT', `/v1/directory/orgs/acme/members/${encodeURIComponent('a/b c@x')}`, {
          role: 'viewer',
        })
      ).status,
    ).toBe(200);
    expect((await app.directory.getOrg('acme'))?.members.at(-1)).toEqual({
      user: 'a/b c@x',
      role: 'viewer',
    });
  });
});

describe('directory API: refused writes change nothing', () => {
  // `reason` is there whenever the directory refused the content; not for a body that is not JSON.
  const invalid = (message: RegExp) => ({
    code: 'invalid_request',
    reason: 'invalid_record',
    message,
  });
  const cases: [
    string,
    string,
    string,
    unknown,
    number,
    { code: string; reason?: string; message: RegExp },
  ][] = [
    [
      'an invalid org id (PUT org)',
      'PUT',
      '/v1/directory/orgs/bad%20id',
      { status: 'active' },
      400,
      invalid(/record\.id: invalid org id "bad id"/),
    ],
    [
      'an org id over 64 characters',
      'PUT',
      `/v1/directory/orgs/${'x'.repeat(65)}/members/bob`,
      { role: 'viewer' },
      400,
      invalid(/org: invalid org id/),
    ],
    [
      'an invalid org id (DELETE org)',
      'DELETE',
      '/v1/directory/orgs/a%7Bb',
      undefined,
      400,
      invalid(/org: invalid org id "a\{b"/),
    ],
    [
      'an invalid user id',
      'PUT',
      `/v1/directory/orgs/acme/members/${encodeURIComponent('x\u0001y')}`,
      { role: 'viewer' },
      400,
      invalid(/user: must not contain control, zero-width or other invisible characters/),
    ],
    [
      'an unknown role',
      'PUT',
      '/v1/directory/orgs/acme/members/bob',
      { role: 'superuser' },
      400,
      invalid(/role: unknown role "superuser"/),
    ],
    [
      'a numeric role',
      'PUT',
      '/v1/directory/orgs/acme/members/bob',
      { role: 3 },
      400,
      invalid(/role: unknown role number 3/),
    ],
    [
      'a missing role',
      'PUT',
      '/v1/directory/orgs/acme/members/bob',
      {},
      400,
      invalid(/: role: required$/),
    ],
    [
      'an extra key in a member body',
      'PUT',
      '/v1/directory/orgs/acme/members/bob',
      { role: 'viewer', org: 'globex' },
      400,
      invalid(/unknown key "org" \(allowed: role\)/),
    ],
    [
      'a member body that is a list',
      'PUT',
      '/v1/directory/orgs/acme/members/bob',
      ['viewer'],
      400,
      invalid(/must be a JSON object/),
    ],
    [
      'a second owner',
      'PUT',
      '/v1/directory/orgs/acme/members/bob',
      { role: 'owner' },
      400,
      invalid(/already has an owner \("alice"\)/),
    ],
    [
      'a record with an unknown status',
      'PUT',
      '/v1/directory/orgs/acme',
      { status: 'frozen' },
      400,
      invalid(/record\.status: unknown status "frozen"/),
    ],
    [
      'a record with members not a list',
      'PUT',
      '/v1/directory/orgs/acme',
      { status: 'active', members: { alice: 'owner' } },
      400,
      invalid(/record\.members: must be a list/),
    ],
    [
      'a record with an unknown member role',
      'PUT',
      '/v1/directory/orgs/acme',
      { status: 'active', members: [{ user: 'alice', role: 'god' }] },
      400,
      invalid(/record\.members\[0\]\.role: unknown role "god"/),
    ],
    [
      'a record with an unknown key',
      'PUT',
      '/v1/directory/orgs/acme',
      { status: 'active', plan: 'pro' },
      400,
      invalid(/record: unknown key "plan"/),
    ],
    [
      'a record with __proto__',
      'PUT',
      '/v1/directory/orgs/acme',
      '{"status":"active","__proto__":{"admin":true}}',
      400,
      invalid(/record: forbidden key "__proto__"/),
    ],
    [
      'a record with a bad share',
      'PUT',
      '/v1/directory/orgs/acme',
      {
        status: 'active',
        shares: [
          {
            id: 's',
            resource: { type: 'node', id: 'n' },
            target_org: 'acme',
            access_role: 'viewer',
            state: 'accepted',
          },
        ],
      },
      400,
      invalid(/target_org: an org cannot share with itself/),
    ],
    [
      'a record for another org',
      'PUT',
      '/v1/directory/orgs/acme',
      { id: 'globex', status: 'active' },
      400,
      invalid(/record\.id: "globex" does not match the org in the path \("acme"\)/),
    ],
    [
      'a record that is not an object',
      'PUT',
      '/v1/directory/orgs/acme',
      '"acme"',
      400,
      invalid(/record: must be a mapping, got "acme"/),
    ],
    [
      'malformed JSON',
      'PUT',
      '/v1/directory/orgs/acme',
      '{"status":',
      400,
      { code: 'invalid_request', message: /not valid JSON/ },
    ],
    [
      'an empty body',
      'PUT',
      '/v1/directory/orgs/acme/members/bob',
      '',
      400,
      { code: 'invalid_request', message: /empty/ },
    ],
    [
      'PUT default org',
      'PUT',
      '/v1/directory/orgs/default',
      { status: 'active', members: [] },
      400,
      {
        code: 'invalid_request',
        reason: 'default_org_immutable',
        message: /default org is immutable/,
      },
    ],
    [
      'PUT a default org member',
      'PUT',
      '/v1/directory/orgs/default/members/mallory',
      { role: 'admin' },
      400,
      {
        code: 'invalid_request',
        reason: 'default_org_immutable',
        message: /default org is immutable/,
      },
    ],
    [
      'DELETE a default org member',
      'DELETE',
      '/v1/directory/orgs/default/members/root-admin',
      undefined,
      400,
      {
        code: 'invalid_request',
        reason: 'default_org_immutable',
        message: /default org is immutable/,
      },
    ],
    [
      'DELETE the default org',
      'DELETE',
      '/v1/directory/orgs/default',
      undefined,
      400,
      {
        code: 'invalid_request',
        reason: 'default_org_immutable',
        message: /default org is immutable/,
      },
    ],
    [
      'a member write to a missing org',
      'PUT',
      '/v1/directory/orgs/nope/members/bob',
      { role: 'viewer' },
      404,
      { code: 'not_found', reason: 'org_not_found', message: /org "nope" does not exist/ },
    ],
    [
      'an invalid org id (GET)',
      'GET',
      '/v1/directory/orgs/bad%20id',
      undefined,
      400,
      invalid(/org: invalid org id "bad id"/),
    ],
    [
      'a malformed percent-encoding',
      'DELETE',
      '/v1/directory/orgs/acme/members/%E0%A4%A',
      undefined,
      400,
      { code: 'invalid_request', message: /malformed percent-encoding/ },
    ],
  ];

  it.each(cases)('%s', async (_name, method, path, body, status, error) => {
    const before = await snapshot();
    const res = await call(method, path, body);
    expect(res.status).toBe(status);
    expect(res.json?.error).toEqual({
      code: error.code,
      message: expect.stringMatching(error.message) as unknown,
      ...(error.reason === undefined ? {} : { reason: error.reason }),
    });
    expect(await snapshot()).toEqual(before);
  });

  // Sent raw (node:http keeps the path as written; fetch would resolve `..` and `%2e%2e` itself).
  const idCases: [string, string, string, unknown, RegExp][] = [
    [
      'a member id with a leading space',
      'PUT',
      '/v1/directory/orgs/acme/members/%20bob',
      { role: 'viewer' },
      /: user: must not start or end with whitespace$/,
    ],
    [
      'a member id with a zero-width space',
      'PUT',
      '/v1/directory/orgs/acme/members/b%E2%80%8Bob',
      { role: 'viewer' },
      /: user: must not contain control, zero-width/,
    ],
    [
      'a decomposed member id',
      'PUT',
      '/v1/directory/orgs/acme/members/zoe%CC%88',
      { role: 'viewer' },
      /: user: must be in Unicode normalisation form NFC$/,
    ],
    [
      'a member id named __proto__',
      'PUT',
      '/v1/directory/orgs/acme/members/__proto__',
      { role: 'viewer' },
      /: user: must not be __proto__, constructor or prototype$/,
    ],
    [
      'an org id that is a default look-alike',
      'PUT',
      '/v1/directory/orgs/Default',
      { status: 'active' },
      /record\.id: must not be a case variant of the default org \(got "Default"\)$/,
    ],
    [
      'a member write in a default look-alike',
      'PUT',
      '/v1/directory/orgs/DEFAULT/members/mallory',
      { role: 'owner' },
      /: org: must not be a case variant of the default org/,
    ],
    [
      'deleting an org named constructor',
      'DELETE',
      '/v1/directory/orgs/constructor',
      undefined,
      /: org: must not be __proto__, constructor or prototype/,
    ],
  ];

  it.each(idCases)(
    '%s → 400 naming the id, nothing written',
    async (_name, method, path, body, message) => {
      const before = await snapshot();
      const res = await rawRequest(Number(new URL(url).port), {
        method,
        path,
        headers: {
          ...ADMIN,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.status).toBe(400);
      expect((res.json as { error: unknown }).error).toEqual({
        code: 'invalid_request',
        reason: 'invalid_record',
        message: expect.stringMatching(message) as unknown,
      });
      expect(await snapshot()).toEqual(before);
    },
  );

  // A dot-only id in the path is a dot segment: the server refuses the request target before any
  // route (or id check) sees it, so these never reach the directory either.
  const dotCases: [string, string, string, unknown][] = [
    ['a dot-only member id', 'PUT', '/v1/directory/orgs/acme/members/..', { role: 'viewer' }],
    [
      'a dot-only member id, percent-encoded',
      'DELETE',
      '/v1/directory/orgs/acme/members/%2e%2e',
      undefined,
    ],
    ['a dot-only org id', 'PUT', '/v1/directory/orgs/%2E%2E', { status: 'active' }],
    [
      'a single-dot org id in a member write',
      'PUT',
      '/v1/directory/orgs/./members/bob',
      { role: 'viewer' },
    ],
    ['reading a dot-only org', 'GET', '/v1/directory/orgs/..', undefined],
  ];

  it.each(dotCases)(
    '%s → 400 refusing the dot segment, nothing written',
    async (_name, method, path, body) => {
      const before = await snapshot();
      const res = await rawRequest(Number(new URL(url).port), {
        method,
        path,
        headers: {
          ...ADMIN,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.status).toBe(400);
      expect((res.json as { error: unknown }).error).toEqual({
        code: 'invalid_request',
        message: expect.stringMatching(/dot segment/) as unknown,
      });
      expect(await snapshot()).toEqual(before);
    },
  );

  it('413 over 64 KiB, 415 for a non-JSON body, 405 for other methods', async () => {
    const before = await snapshot();
    const big = {
      status: 'active',
      members: Array.from({ length: 3000 }, (_, i) => ({ user: `user-${i}`, role: 'viewer' })),
    };
    expect(JSON.stringify(big).length).toBeGreaterThan(64 * 1024);
    expect((await call('PUT', '/v1/directory/orgs/acme', big)).status).toBe(413);
    const plain = await fetch(`${url}/v1/directory/orgs/acme/members/bob`, {
      method: 'PUT',
      headers: { ...ADMIN, 'content-type': 'text/plain' },
      body: '{"role":"owner"}',
    });
    expect(plain.status).toBe(415);
    const post = await call('POST', '/v1/directory/orgs/acme', { status: 'active' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, PUT, DELETE');
    expect(await snapshot()).toEqual(before);
  });

  it('the admin guard answers before the body is read: 401 without a token, 403 with a wrong one', async () => {
    const before = await snapshot();
    const none = await call('PUT', '/v1/directory/orgs/acme', '{"not json', {});
    expect(none.status).toBe(401);
    expect(none.json?.error?.code).toBe('unauthorized');
    const wrong = await call('DELETE', '/v1/directory/orgs/acme/members/bob', undefined, {
      authorization: 'Bearer not-the-admin-token-000',
    });
    expect(wrong.status).toBe(403);
    expect((await call('GET', '/v1/directory/orgs/acme', undefined, {})).status).toBe(401);
    const huge = await fetch(`${url}/v1/directory/orgs/acme`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(200_000),
    });
    expect(huge.status).toBe(401); // not 413 or 415: the guard came first
    expect(await snapshot()).toEqual(before);
  });

  it('with no admin token configured the API is off (403) for everyone', async () => {
    await app.stop();
    ({ app, url } = await startTestApp({
      directoryFile: file,
      env: { ORGWARDEN_ADMIN_TOKEN: '' },
    }));
    const res = await call('DELETE', '/v1/directory/orgs/acme/members/bob');
    expect(res.status).toBe(403);
    expect(res.json?.error?.message).toMatch(/admin endpoints are disabled/);
    expect(await decide('bob', 'acme')).toMatchObject({ allow: true });
  });

  it('a store that cannot answer is 503 unavailable, for reads and writes', async () => {
    await app.directory.close();
    const write = await call('PUT', '/v1/directory/orgs/acme/members/zoe', { role: 'viewer' });
    expect(write.status).toBe(503);
    expect(write.json?.error).toEqual({
      code: 'unavailable',
      message: expect.stringMatching(
        /directory store is unavailable; the write may or may not have been applied/,
      ) as unknown,
    });
    const read = await call('GET', '/v1/directory/orgs/acme');
    expect(read.status).toBe(503);
    expect(read.json?.error?.message).toBe('the directory store is unavailable');
  });
});
