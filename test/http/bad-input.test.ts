/**
 * Bad input on every decision endpoint: malformed JSON, wrong types, missing fields, unknown
 * fields, oversize bodies, wrong content types and prototype-pollution keys get a 4xx with the
 * error document, never a 500 — and leave later decisions exactly as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { postJson, session, startTestApp } from '../support/app.js';

let app: App;
let url: string;
let aliceToken: string;
let malloryToken: string;

beforeAll(async () => {
  ({ app, url } = await startTestApp({ multiTenant: true }));
  aliceToken = await session('alice');
  malloryToken = await session('mallory');
});
afterAll(() => app.stop());

const good = () => ({ token: aliceToken, org: 'acme', action: 'org.read' });

async function referenceDecisions() {
  const allow = await postJson(`${url}/v1/authorize`, good());
  const deny = await postJson(`${url}/v1/authorize`, {
    token: malloryToken,
    org: 'acme',
    action: 'org.read',
  });
  return [allow.json, deny.json].map((body) => ({
    a: body?.allow,
    reason: body?.reason,
    detail: body?.detail,
    effective_org: body?.effective_org,
    role: body?.role,
    spoof: body?.spoof,
  }));
}

describe('POST /v1/authorize rejects bad input with 400 and the error document', () => {
  const cases: [string, unknown, RegExp][] = [
    ['malformed JSON', '{"token": "x", ', /not valid JSON/],
    ['an empty body', '', /empty/],
    ['a JSON array', '[]', /request body: must be a JSON object/],
    ['a JSON string', '"hello"', /must be a JSON object/],
    ['null', 'null', /must be a JSON object/],
    [
      'both token and headers',
      { token: 't', headers: {}, action: 'org.read' },
      /exactly one of token and headers/,
    ],
    ['neither token nor headers', { action: 'org.read' }, /exactly one of token and headers/],
    ['a missing action', { token: 't' }, /action: must be a string/],
    ['a numeric action', { token: 't', action: 7 }, /action: must be a string/],
    ['a numeric token', { token: 12, action: 'org.read' }, /token: must be a string/],
    [
      'an object org',
      { token: 't', org: { id: 'acme' }, action: 'org.read' },
      /org: must be a string/,
    ],
    [
      'a list resource',
      { token: 't', action: 'org.read', resource: ['node'] },
      /resource: must be a JSON object/,
    ],
    [
      'a numeric resource org',
      { token: 't', action: 'org.read', resource: { org: 1 } },
      /resource.org: must be a string/,
    ],
    [
      'an unknown resource field',
      { token: 't', action: 'org.read', resource: { owner: 'x' } },
      /resource.owner: unknown field/,
    ],
    [
      'a non-string context value',
      { token: 't', action: 'org.read', context: { target_role: 1 } },
      /context.target_role: must be a string/,
    ],
    [
      'an unknown top-level field',
      { token: 't', action: 'org.read', admin: true },
      /admin: unknown field/,
    ],
    ['a wrong kind', { kind: 'job', token: 't', action: 'org.read' }, /kind: must be "request"/],
    [
      'a header that is not a string',
      { headers: { authorization: ['Bearer x'] }, action: 'org.read' },
      /headers.authorization: must be a string/,
    ],
    [
      'an overlong field',
      { token: 'x'.repeat(5000), action: 'org.read' },
      /token: longer than 4096 characters/,
    ],
  ];
  it.each(cases)('%s', async (_name, body, message) => {
    const res = await postJson(`${url}/v1/authorize`, body);
    expect(res.status).toBe(400);
    expect(res.json?.error?.code).toBe('invalid_request');
    expect(res.json?.error?.message).toMatch(message);
  });
});

describe('ambiguous naming and non-canonical ids are 400, and change no later decision', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'two org headers differing in case',
      () => ({
        headers: {
          authorization: `Bearer ${aliceToken}`,
          'X-Org-ID': 'acme',
          'x-org-id': 'globex',
        },
        action: 'org.read',
      }),
      /^headers: x-org-id is given more than once/,
    ],
    [
      'two org cookies',
      () => ({
        headers: { authorization: `Bearer ${aliceToken}`, cookie: 'org_id=acme; org_id=globex' },
        action: 'org.read',
      }),
      /^headers: the org_id cookie is given more than once$/,
    ],
    [
      'two authorization headers differing in case',
      () => ({
        headers: { Authorization: `Bearer ${aliceToken}`, authorization: `Bearer ${malloryToken}` },
        action: 'org.read',
      }),
      /^headers: authorization is given more than once/,
    ],
    [
      'a target user with a zero-width space',
      () => ({ ...good(), action: 'org.members.remove', context: { target_user: 'b\u200bob' } }),
      /^context.target_user: must not contain control, zero-width/,
    ],
    [
      'a target user with a trailing space',
      () => ({ ...good(), action: 'org.members.remove', context: { target_user: 'bob ' } }),
      /^context.target_user: must not start or end with whitespace$/,
    ],
  ];
  it.each(cases)('%s', async (_name, body, message) => {
    const before = await referenceDecisions();
    const res = await postJson(`${url}/v1/authorize`, body());
    expect(res.status).toBe(400);
    expect(res.json?.error?.code).toBe('invalid_request');
    expect(res.json?.error?.message).toMatch(message);
    expect(await referenceDecisions()).toEqual(before);
  });

  it('in a batch, the ambiguous item alone gets the error entry', async () => {
    const ambiguous = {
      headers: { authorization: `Bearer ${aliceToken}`, 'X-Org-ID': 'acme', 'x-org-id': 'globex' },
      action: 'org.read',
    };
    const res = await postJson(`${url}/v1/authorize/batch`, { items: [good(), ambiguous] });
    expect(res.status).toBe(200);
    expect(res.json?.results?.[0]).toMatchObject({ allow: true, effective_org: 'acme' });
    expect(res.json?.results?.[1]?.error).toEqual({
      code: 'invalid_request',
      message: expect.stringMatching(
        /^items\[1\]: headers: x-org-id is given more than once/,
      ) as unknown,
    });
  });
});

describe('prototype pollution keys', () => {
  const polluted = [
    [
      '__proto__ at the top',
      `{"token":"t","action":"org.read","__proto__":{"allow":true}}`,
      /__proto__: key is not allowed/,
    ],
    [
      'constructor at the top',
      `{"token":"t","action":"org.read","constructor":{"prototype":{"allow":true}}}`,
      /constructor: key is not allowed/,
    ],
    [
      '__proto__ in context',
      `{"token":"t","action":"org.read","context":{"__proto__":{"isAdmin":"yes"}}}`,
      /context.__proto__: key is not allowed/,
    ],
    [
      '__proto__ in headers',
      `{"headers":{"__proto__":{"x-org-id":"acme"}},"action":"org.read"}`,
      /headers.__proto__: key is not allowed/,
    ],
    [
      'prototype in resource',
      `{"token":"t","action":"org.read","resource":{"prototype":{"org":"x"}}}`,
      /resource.prototype: key is not allowed/,
    ],
  ] as const;

  it.each(polluted)('%s is rejected with 400', async (_name, raw, message) => {
    const before = await referenceDecisions();
    const res = await postJson(`${url}/v1/authorize`, raw);
    expect(res.status).toBe(400);
    expect(res.json?.error?.message).toMatch(message);
    expect(({} as Record<string, unknown>).allow).toBeUndefined();
    expect(await referenceDecisions()).toEqual(before);
  });
});

describe('size and content type', () => {
  it('a body over 64 KiB is 413, by Content-Length', async () => {
    const res = await postJson(`${url}/v1/authorize`, {
      ...good(),
      context: { pad: 'x'.repeat(70 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.json?.error?.code).toBe('payload_too_large');
  });

  it('a chunked body over 64 KiB is 413 too (counted as it arrives)', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${url}/v1/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    expect(res.status).toBe(413);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form encoding', 'application/x-www-form-urlencoded'],
    ['no content type', undefined],
  ])('%s is 415', async (_name, type) => {
    const res = await fetch(`${url}/v1/authorize`, {
      method: 'POST',
      headers: type ? { 'content-type': type } : {},
      body: JSON.stringify(good()),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'unsupported_media_type',
    );
  });

  it('application/json with a charset is accepted', async () => {
    const res = await postJson(`${url}/v1/authorize`, good(), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(res.status).toBe(200);
    expect(res.json?.allow).toBe(true);
  });

  it('a GET on a decision endpoint is 405 with Allow', async () => {
    const res = await fetch(`${url}/v1/authorize`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('an unknown path is a JSON 404', async () => {
    const res = await fetch(`${url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('POST /v1/authorize/batch', () => {
  it('answers in order, with an error entry for a bad item only', async () => {
    const res = await postJson(`${url}/v1/authorize/batch`, {
      items: [
        good(),
        { token: aliceToken, action: 5 },
        { token: malloryToken, org: 'acme', action: 'org.read' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json?.results).toHaveLength(3);
    expect(res.json?.results?.[0]).toMatchObject({ allow: true, effective_org: 'acme' });
    expect(res.json?.results?.[1]).toEqual({
      error: { code: 'invalid_request', message: 'items[1]: action: must be a string' },
    });
    expect(res.json?.results?.[2]).toMatchObject({
      allow: false,
      reason: 'access_denied',
      spoof: true,
    });
  });

  it.each([
    ['items missing', {}, /items: must be a list/],
    ['items not a list', { items: {} }, /items: must be a list/],
    ['an unknown field', { items: [], extra: 1 }, /extra: unknown field/],
    [
      'more than 1000 items',
      { items: Array.from({ length: 1001 }, () => ({})) },
      /at most 1000 items/,
    ],
  ])('%s is 400', async (_name, body, message) => {
    const res = await postJson(`${url}/v1/authorize/batch`, body);
    expect(res.status).toBe(400);
    expect(res.json?.error?.message).toMatch(message);
  });

  it('malformed JSON is 400 and a wrong content type 415', async () => {
    expect((await postJson(`${url}/v1/authorize/batch`, '{"items": [')).status).toBe(400);
    const res = await fetch(`${url}/v1/authorize/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(res.status).toBe(415);
  });
});
