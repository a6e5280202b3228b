/**
 * The admin bodies go through the one document parser: a refusal is an `invalid_request` naming
 * the field path, hazards first.
 */
import { describe, expect, it } from 'vitest';
import {
  parseSeedBody,
  parseShadowBody,
  parseTenancyBody,
} from '../../../src/http/inbound/admin-bodies.js';
import { parseMemberBody, parseRecordBody } from '../../../src/http/inbound/directory-bodies.js';

function refusal(run: () => unknown): { code: string; message: string; reason?: string } {
  try {
    run();
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('admin bodies', () => {
  it.each([
    ['not an object', () => parseTenancyBody(false), 'request body: must be a JSON object'],
    [
      'an unknown field',
      () => parseTenancyBody({ multi_tenant: false, reason: 'x' }),
      'reason: unknown field',
    ],
    [
      'a string for the switch',
      () => parseTenancyBody({ multi_tenant: 'false' }),
      'multi_tenant: must be true or false',
    ],
    [
      'a prototype key',
      () => parseTenancyBody(JSON.parse('{"__proto__":{"multi_tenant":false}}')),
      '__proto__: key is not allowed',
    ],
    [
      'a relative shadow path',
      () => parseShadowBody({ bundle: 'relative.tar.gz' }),
      'bundle: must be an absolute path',
    ],
    [
      'two shadow sources',
      () => parseShadowBody({ bundle: '/a', dir: '/b' }),
      'request body: must be {}, {"bundle": PATH} or {"dir": PATH}',
    ],
    [
      'a lone surrogate in a path',
      () => parseShadowBody({ dir: '/tmp/\ud800' }),
      'dir: must be well-formed Unicode (no lone surrogates)',
    ],
    [
      'an unknown seed source',
      () => parseSeedBody({ source: 'backup' }),
      'source: must be "file" or "empty", got "backup"',
    ],
    ['no seed source', () => parseSeedBody({}), 'source: required ("file" or "empty")'],
  ])('%s', (_name, run, message) => {
    expect(refusal(run)).toMatchObject({ code: 'invalid_request', message });
  });

  it('accepts the documented bodies', () => {
    expect(parseTenancyBody({ multi_tenant: true })).toBe(true);
    expect(parseShadowBody({})).toBeUndefined();
    expect(parseShadowBody({ dir: '/p' })).toEqual({ dir: '/p' });
    expect(parseShadowBody({ bundle: '/b.tar.gz' })).toEqual({ bundle: '/b.tar.gz' });
    expect(parseSeedBody({ source: 'empty' })).toBe('empty');
  });
});

describe('directory write bodies', () => {
  it('malformed Unicode is refused by the parser, naming the field in the body', () => {
    expect(
      refusal(() => parseRecordBody('acme', { members: [{ user: 'a\ud800', role: 'viewer' }] })),
    ).toMatchObject({
      code: 'invalid_request',
      message: 'members[0].user: must be well-formed Unicode (no lone surrogates)',
    });
    expect(refusal(() => parseMemberBody({ role: 'admin\ud800' })).message).toBe(
      'role: must be well-formed Unicode (no lone surrogates)',
    );
  });

  it('the member body is exactly {"role"}, every problem at once in the directory form', () => {
    expect(
      refusal(() => parseMemberBody({ role: 'viewer', org: 'x', __proto__: null })).message,
    ).toBe('invalid member write (1 error): body: unknown key "org" (allowed: role)');
    expect(
      refusal(() => parseMemberBody(JSON.parse('{"role":"viewer","org":"x","__proto__":{}}')))
        .message,
    ).toBe(
      'invalid member write (2 errors): body: unknown key "org" (allowed: role); body: forbidden key "__proto__"',
    );
    expect(parseMemberBody({ role: 'editor' })).toBe('editor');
  });

  it('the record takes its id from the path and must not disagree with it', () => {
    expect(parseRecordBody('acme', { status: 'active' })).toEqual({ status: 'active', id: 'acme' });
    expect(refusal(() => parseRecordBody('acme', { id: 'globex' })).message).toMatch(
      /record\.id: "globex" does not match the org in the path \("acme"\)/,
    );
  });
});
