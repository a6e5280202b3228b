/** POST /v1/events/filter refuses bad input with the error document: 400 naming the field, 413, 415, 405. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECIPIENTS } from '../../src/surfaces/events/event-filter.js';
import { postJson } from '../support/app.js';
import { startSurfaceApp, type SurfaceApp } from './helpers.js';

let s: SurfaceApp;
beforeAll(async () => {
  s = await startSurfaceApp({
    multiTenant: true,
    extra: { server: { host: '127.0.0.1', port: 0, max_batch_body_bytes: 1_048_576 } },
  });
});
afterAll(() => s.stop());

const good = () => ({
  channel: 'websocket',
  event: { type: 'alert', org: 'acme' },
  recipients: [{ id: 's1', user: 'alice', org: 'acme' }],
});
const recipientsOf = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `s${i}`, user: 'alice', org: 'acme' }));

describe('400 naming the field', () => {
  const cases: [string, unknown, RegExp][] = [
    ['malformed JSON', '{"channel":', /not valid JSON/],
    ['a JSON list', '[]', /request body: must be a JSON object/],
    ['no channel', { ...good(), channel: undefined }, /^channel: must be a string/],
    [
      'an unknown channel',
      { ...good(), channel: 'email' },
      /^channel: must be one of websocket, sse, push/,
    ],
    ['no event', { ...good(), event: undefined }, /^event: must be a JSON object/],
    [
      'an event without a type',
      { ...good(), event: { org: 'acme' } },
      /^event.type: must be a string/,
    ],
    [
      'an empty event type',
      { ...good(), event: { type: '', org: 'acme' } },
      /^event.type: must not be empty/,
    ],
    [
      'a numeric event org',
      { ...good(), event: { type: 'alert', org: 7 } },
      /^event.org: must be a string/,
    ],
    [
      'an event payload',
      { ...good(), event: { type: 'alert', org: 'acme', payload: {} } },
      /^event.payload: unknown field/,
    ],
    [
      'recipients not a list',
      { ...good(), recipients: { s1: 'alice' } },
      /^recipients: must be a list/,
    ],
    [
      'a recipient that is a string',
      { ...good(), recipients: ['alice'] },
      /^recipients\[0\]: must be a JSON object/,
    ],
    [
      'a recipient without an id',
      { ...good(), recipients: [{ user: 'alice' }] },
      /^recipients\[0\].id: must be a string/,
    ],
    [
      'a recipient without a user',
      { ...good(), recipients: [{ id: 's1', org: 'acme' }] },
      /^recipients\[0\].user: must be a string/,
    ],
    [
      'a recipient with a numeric org',
      { ...good(), recipients: [{ id: 's1', user: 'alice', org: 1 }] },
      /^recipients\[0\].org: must be a string/,
    ],
    [
      'a recipient claiming a role',
      { ...good(), recipients: [{ id: 's1', user: 'alice', role: 'owner' }] },
      /^recipients\[0\].role: unknown field/,
    ],
    [
      'a recipient user with a leading space',
      { ...good(), recipients: [{ id: 's1', user: ' alice', org: 'acme' }] },
      /^recipients\[0\].user: must not start or end with whitespace$/,
    ],
    [
      'a recipient user with a BOM',
      {
        ...good(),
        recipients: [
          { id: 's1', user: 'alice', org: 'acme' },
          { id: 's2', user: 'ali\ufeffce', org: 'acme' },
        ],
      },
      /^recipients\[1\].user: must not contain control, zero-width/,
    ],
    [
      'a dot-only recipient user',
      { ...good(), recipients: [{ id: 's1', user: '.', org: 'acme' }] },
      /^recipients\[0\].user: must not consist of dots only$/,
    ],
    [
      'a recipient user named constructor',
      { ...good(), recipients: [{ id: 's1', user: 'constructor', org: 'acme' }] },
      /^recipients\[0\].user: must not be __proto__, constructor or prototype$/,
    ],
    [
      'duplicate recipient ids',
      {
        ...good(),
        recipients: [
          { id: 's1', user: 'alice' },
          { id: 's1', user: 'bob' },
        ],
      },
      /^recipients\[1\].id: duplicate recipient id/,
    ],
    ['an unknown top-level field', { ...good(), token: 'x' }, /^token: unknown field/],
    [
      '__proto__ at the top',
      '{"channel":"push","event":{"type":"a"},"recipients":[],"__proto__":{"allow":true}}',
      /^__proto__: key is not allowed/,
    ],
    [
      '__proto__ in a recipient',
      '{"channel":"push","event":{"type":"a"},"recipients":[{"id":"s","user":"u","__proto__":{}}]}',
      /^recipients\[0\].__proto__: key is not allowed/,
    ],
    [
      'more than the maximum of recipients',
      { ...good(), recipients: recipientsOf(MAX_RECIPIENTS + 1) },
      /^recipients: at most 10000 recipients/,
    ],
  ];
  it.each(cases)('%s', async (_name, body, message) => {
    const res = await postJson(`${s.url}/v1/events/filter`, body);
    expect(res.status).toBe(400);
    expect(res.json?.error?.code).toBe('invalid_request');
    expect(res.json?.error?.message).toMatch(message);
  });

  it('exactly the maximum of recipients is accepted', async () => {
    const res = await postJson(`${s.url}/v1/events/filter`, {
      ...good(),
      recipients: recipientsOf(MAX_RECIPIENTS),
    });
    expect(res.status).toBe(200);
    expect(res.json?.allowed).toHaveLength(MAX_RECIPIENTS);
  });
});

describe("org ids are the policy's to judge, per recipient", () => {
  it('a recipient on a malformed, dot-only or look-alike org is denied invalid_org; the others still receive', async () => {
    const recipients = [
      { id: 's1', user: 'alice', org: 'acme' },
      { id: 's2', user: 'alice', org: ' acme' },
      { id: 's3', user: 'alice', org: '..' },
      { id: 's4', user: 'alice', org: 'acme\u200b' },
    ];
    const res = await postJson(`${s.url}/v1/events/filter`, { ...good(), recipients });
    expect(res.status).toBe(200);
    expect(res.json?.allowed).toEqual(['s1']);
    expect(res.json?.denied).toEqual(
      ['s2', 's3', 's4'].map((id) => ({ id, reason: 'invalid_org' })),
    );
  });
});

describe('size, content type and method', () => {
  it('a body over the cap is 413', async () => {
    const res = await postJson(`${s.url}/v1/events/filter`, {
      ...good(),
      recipients: recipientsOf(MAX_RECIPIENTS).map((r) => ({ ...r, user: 'u'.repeat(200) })),
    });
    expect(res.status).toBe(413);
    expect(res.json?.error?.code).toBe('payload_too_large');
  });

  it('a non-JSON content type is 415', async () => {
    const res = await postJson(`${s.url}/v1/events/filter`, JSON.stringify(good()), {
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(415);
    expect(res.json?.error?.code).toBe('unsupported_media_type');
  });

  it('GET is 405 with Allow: POST', async () => {
    const res = await fetch(`${s.url}/v1/events/filter`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
