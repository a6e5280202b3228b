import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InvalidDirectoryError } from '../../src/directory/errors.js';
import { parseDirectoryYaml } from '../../src/directory/load-file.js';
import { DirectoryValidationError } from '../../src/directory/types.js';
import {
  parseDirectoryDocument,
  parseMemberRef,
  parseMemberWrite,
  parseOrgRecord,
} from '../../src/directory/validate.js';

const options = { defaultOrg: 'default' };

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidDirectoryError);
    expect(err).toBeInstanceOf(DirectoryValidationError);
    expect((err as InvalidDirectoryError).code).toBe('invalid_record');
    return [...(err as InvalidDirectoryError).issues];
  }
  throw new Error('expected an InvalidDirectoryError');
}

const docIssues = (doc: unknown) => issuesOf(() => parseDirectoryDocument(doc, options));
const org = (fields: Record<string, unknown>) => ({
  orgs: [{ id: 'acme', status: 'active', members: [], shares: [], ...fields }],
});
const share = (fields: Record<string, unknown>) =>
  org({
    shares: [
      {
        id: 's1',
        resource: { type: 'node', id: 'n1' },
        target_org: 'globex',
        access_role: 'viewer',
        state: 'accepted',
        ...fields,
      },
    ],
  });

describe('parseDirectoryDocument', () => {
  it('accepts a valid document and builds fresh records', () => {
    const orgs = parseDirectoryDocument(
      {
        orgs: [
          {
            id: 'acme',
            status: 'active',
            members: [
              { user: 'alice', role: 'owner' },
              { user: 'dave', role: 'member' },
            ],
            shares: [
              {
                id: 's1',
                resource: { type: 'node', id: 'n1' },
                target_org: 'globex',
                access_role: 'member',
                state: 'pending',
              },
            ],
          },
          { id: 'globex', status: 'pending_deletion' },
          { id: 'default', members: [{ user: 'alice', role: 'admin' }] },
        ],
      },
      options,
    );
    expect(orgs).toEqual([
      {
        id: 'acme',
        status: 'active',
        members: [
          { user: 'alice', role: 'owner' },
          { user: 'dave', role: 'member' },
        ],
        // a share grants no legacy role: member is stored as what it means
        shares: [
          {
            id: 's1',
            resource: { type: 'node', id: 'n1' },
            target_org: 'globex',
            access_role: 'viewer',
            state: 'pending',
          },
        ],
      },
      { id: 'globex', status: 'pending_deletion', members: [], shares: [] },
      { id: 'default', status: 'active', members: [{ user: 'alice', role: 'admin' }], shares: [] },
    ]);
  });

  it('accepts an empty orgs list', () => {
    expect(parseDirectoryDocument({ orgs: [] }, options)).toEqual([]);
  });

  it.each([
    ['not a mapping', null, ['document: must be a mapping, got null']],
    ['a list', [], ['document: must be a mapping, got a list']],
    ['no orgs', {}, ['orgs: required (use "orgs: []" for an empty directory)']],
    ['orgs not a list', { orgs: { acme: {} } }, ['orgs: must be a list, got a mapping']],
    [
      'unknown top-level key',
      { orgs: [], users: [] },
      ['document: unknown key "users" (allowed: orgs)'],
    ],
    ['org not a mapping', { orgs: ['acme'] }, ['orgs[0]: must be a mapping, got "acme"']],
    ['missing id', { orgs: [{ status: 'active' }] }, ['orgs[0].id: required']],
    [
      'numeric id',
      { orgs: [{ id: 42, status: 'active' }] },
      ['orgs[0].id: must be a string, got number 42'],
    ],
    [
      'malformed id',
      { orgs: [{ id: 'ac me', status: 'active' }] },
      ['orgs[0].id: invalid org id "ac me" (1-64 characters from A-Z a-z 0-9 . _ -)'],
    ],
    [
      'id too long',
      { orgs: [{ id: 'a'.repeat(65), status: 'active' }] },
      [`orgs[0].id: invalid org id "${'a'.repeat(64)}…" (1-64 characters from A-Z a-z 0-9 . _ -)`],
    ],
    [
      'missing status',
      { orgs: [{ id: 'acme' }] },
      ['orgs[0].status: required (one of active, suspended, pending_deletion)'],
    ],
    [
      'unknown status',
      org({ status: 'frozen' }),
      [
        'orgs[0].status: unknown status "frozen" (expected one of active, suspended, pending_deletion)',
      ],
    ],
    [
      'default org not active',
      { orgs: [{ id: 'default', status: 'suspended' }] },
      ['orgs[0].status: the default org "default" is always active'],
    ],
    [
      'unknown org key',
      org({ owner: 'alice' }),
      ['orgs[0]: unknown key "owner" (allowed: id, status, members, shares)'],
    ],
    [
      'members not a list',
      org({ members: 'alice' }),
      ['orgs[0].members: must be a list, got "alice"'],
    ],
    [
      'unknown role',
      org({ members: [{ user: 'mallory', role: 'superuser' }] }),
      [
        'orgs[0].members[0].role: unknown role "superuser" (expected one of viewer, editor, admin, owner, member)',
      ],
    ],
    [
      'missing role',
      org({ members: [{ user: 'mallory' }] }),
      ['orgs[0].members[0].role: required'],
    ],
    ['missing user', org({ members: [{ role: 'viewer' }] }), ['orgs[0].members[0].user: required']],
    [
      'numeric user',
      org({ members: [{ user: 123, role: 'viewer' }] }),
      ['orgs[0].members[0].user: must be a string, got number 123'],
    ],
    [
      'empty user',
      org({ members: [{ user: '', role: 'viewer' }] }),
      ['orgs[0].members[0].user: must not be empty'],
    ],
    [
      'user too long',
      org({ members: [{ user: 'u'.repeat(257), role: 'viewer' }] }),
      ['orgs[0].members[0].user: must be at most 256 characters'],
    ],
    [
      'control characters',
      org({ members: [{ user: 'bo\nb', role: 'viewer' }] }),
      [
        'orgs[0].members[0].user: must not contain control, zero-width or other invisible characters',
      ],
    ],
    [
      'a trailing newline',
      org({ members: [{ user: 'bob\n', role: 'viewer' }] }),
      ['orgs[0].members[0].user: must not start or end with whitespace'],
    ],
    [
      'a zero-width space',
      org({ members: [{ user: 'b\u200bob', role: 'viewer' }] }),
      [
        'orgs[0].members[0].user: must not contain control, zero-width or other invisible characters',
      ],
    ],
    [
      'a decomposed user',
      org({ members: [{ user: 'zoe\u0308', role: 'viewer' }] }),
      ['orgs[0].members[0].user: must be in Unicode normalisation form NFC'],
    ],
    [
      'a dot-only user',
      org({ members: [{ user: '..', role: 'viewer' }] }),
      ['orgs[0].members[0].user: must not consist of dots only'],
    ],
    [
      'a prototype-named user',
      org({ members: [{ user: 'constructor', role: 'viewer' }] }),
      ['orgs[0].members[0].user: must not be __proto__, constructor or prototype'],
    ],
    [
      'a lone surrogate in a user',
      org({ members: [{ user: 'bob\ud800', role: 'viewer' }] }),
      ['orgs[0].members[0].user: must be well-formed Unicode (no lone surrogates)'],
    ],
    [
      'a share id with surrounding space',
      share({ id: ' s1' }),
      ['orgs[0].shares[0].id: must not start or end with whitespace'],
    ],
    [
      'a dot-only share target',
      share({ target_org: '..' }),
      ['orgs[0].shares[0].target_org: must not consist of dots only (got "..")'],
    ],
    [
      'a share target that is a default look-alike',
      share({ target_org: 'DEFAULT' }),
      [
        'orgs[0].shares[0].target_org: must not be a case variant of the default org (got "DEFAULT")',
      ],
    ],
    [
      'a dot-only org id',
      { orgs: [{ id: '.', status: 'active' }] },
      ['orgs[0].id: must not consist of dots only (got ".")'],
    ],
    [
      'an org id named prototype',
      { orgs: [{ id: 'prototype', status: 'active' }] },
      ['orgs[0].id: must not be __proto__, constructor or prototype (got "prototype")'],
    ],
    [
      'an org id that is a default look-alike',
      { orgs: [{ id: 'Default', status: 'active' }] },
      ['orgs[0].id: must not be a case variant of the default org (got "Default")'],
    ],
    [
      'unknown member key',
      org({ members: [{ user: 'bob', role: 'viewer', since: 2020 }] }),
      ['orgs[0].members[0]: unknown key "since" (allowed: user, role)'],
    ],
    [
      'duplicate member',
      org({
        members: [
          { user: 'bob', role: 'viewer' },
          { user: 'bob', role: 'admin' },
        ],
      }),
      ['orgs[0].members[1].user: duplicate member "bob" (also at orgs[0].members[0])'],
    ],
    [
      'two owners',
      org({
        members: [
          { user: 'alice', role: 'owner' },
          { user: 'bob', role: 'owner' },
        ],
      }),
      [
        'orgs[0].members[1].role: second owner "bob"; an org has at most one owner ("alice" at orgs[0].members[0])',
      ],
    ],
    ['shares not a list', org({ shares: {} }), ['orgs[0].shares: must be a list, got a mapping']],
    ['share missing id', share({ id: undefined }), ['orgs[0].shares[0].id: required']],
    [
      'share resource not a mapping',
      share({ resource: 'n1' }),
      ['orgs[0].shares[0].resource: must be a mapping, got "n1"'],
    ],
    [
      'share resource missing id',
      share({ resource: { type: 'node' } }),
      ['orgs[0].shares[0].resource.id: required'],
    ],
    [
      'share resource unknown key',
      share({ resource: { type: 'node', id: 'n1', org: 'acme' } }),
      ['orgs[0].shares[0].resource: unknown key "org" (allowed: type, id)'],
    ],
    [
      'share target malformed',
      share({ target_org: 'glo bex' }),
      [
        'orgs[0].shares[0].target_org: invalid org id "glo bex" (1-64 characters from A-Z a-z 0-9 . _ -)',
      ],
    ],
    [
      'share to itself',
      share({ target_org: 'acme' }),
      ['orgs[0].shares[0].target_org: an org cannot share with itself'],
    ],
    [
      'share unknown role',
      share({ access_role: 'root' }),
      [
        'orgs[0].shares[0].access_role: unknown role "root" (expected one of viewer, editor, admin, owner, member)',
      ],
    ],
    [
      'share unknown state',
      share({ state: 'declined' }),
      ['orgs[0].shares[0].state: unknown state "declined" (expected accepted or pending)'],
    ],
    [
      'share missing state',
      share({ state: undefined }),
      ['orgs[0].shares[0].state: required (accepted or pending)'],
    ],
    [
      'share unknown key',
      share({ expires: 'never' }),
      [
        'orgs[0].shares[0]: unknown key "expires" (allowed: id, resource, target_org, access_role, state)',
      ],
    ],
    [
      'duplicate org id',
      {
        orgs: [
          { id: 'acme', status: 'active' },
          { id: 'acme', status: 'suspended' },
        ],
      },
      ['orgs[1].id: duplicate org id "acme" (also at orgs[0])'],
    ],
  ])('reports %s', (_name, doc, expected) => {
    expect(docIssues(doc)).toEqual(expected);
  });

  it('reports a duplicate share id', () => {
    const s = {
      resource: { type: 'node', id: 'n1' },
      target_org: 'globex',
      access_role: 'viewer',
      state: 'accepted',
    };
    expect(
      docIssues(
        org({
          shares: [
            { id: 's1', ...s },
            { id: 's1', ...s },
          ],
        }),
      ),
    ).toEqual(['orgs[0].shares[1].id: duplicate share id "s1" (also at orgs[0].shares[0])']);
  });

  it('checks rules between entries for the valid entries even when others are invalid, in document order', () => {
    expect(
      docIssues({
        orgs: [
          {
            id: 'acme',
            status: 'active',
            members: [
              { user: 'bob', role: 'owner' },
              { user: 'x', role: 'god' },
              { user: 'bob', role: 'viewer' },
            ],
          },
          { id: 'globex', status: 'frozen' },
          { id: 'initech', status: 'active' },
          null,
          { id: 'initech', status: 'suspended' },
        ],
      }),
    ).toEqual([
      'orgs[0].members[1].role: unknown role "god" (expected one of viewer, editor, admin, owner, member)',
      'orgs[0].members[2].user: duplicate member "bob" (also at orgs[0].members[0])',
      'orgs[1].status: unknown status "frozen" (expected one of active, suspended, pending_deletion)',
      'orgs[3]: must be a mapping, got null',
      'orgs[4].id: duplicate org id "initech" (also at orgs[2])',
    ]);
  });

  it('reports every error at once, each with its place, in the message too', () => {
    const doc = {
      orgs: [
        { id: 'acme', status: 'active', members: [{ user: 'alice', role: 'owner' }] },
        { id: 'bad id', status: 'active' },
        {
          id: 'globex',
          status: 'active',
          members: [
            { user: 'erin', role: 'superuser' },
            { user: '', role: 'viewer' },
          ],
        },
        { id: 'initech', status: 'sleeping', shares: [{ id: 's1' }] },
      ],
      extra: true,
    };
    const issues = docIssues(doc);
    expect(issues).toEqual([
      'document: unknown key "extra" (allowed: orgs)',
      'orgs[1].id: invalid org id "bad id" (1-64 characters from A-Z a-z 0-9 . _ -)',
      'orgs[2].members[0].role: unknown role "superuser" (expected one of viewer, editor, admin, owner, member)',
      'orgs[2].members[1].user: must not be empty',
      'orgs[3].status: unknown status "sleeping" (expected one of active, suspended, pending_deletion)',
      'orgs[3].shares[0].resource: required',
      'orgs[3].shares[0].target_org: required',
      'orgs[3].shares[0].access_role: required',
      'orgs[3].shares[0].state: required (accepted or pending)',
    ]);
    const run = () => parseDirectoryDocument(doc, options, 'directory file dir.yaml');
    expect(run).toThrow(
      /^invalid directory file dir\.yaml \(9 errors\): document: unknown key "extra"/,
    );
    expect(run).toThrow('; orgs[2].members[0].role: unknown role "superuser"');
  });

  describe('prototype pollution', () => {
    it.each([
      [
        'at the top level',
        '{"orgs": [], "__proto__": {"polluted": true}}',
        'document: forbidden key "__proto__"',
      ],
      [
        'in an org',
        '{"orgs": [{"id": "acme", "status": "active", "__proto__": {"status": "active"}}]}',
        'orgs[0]: forbidden key "__proto__"',
      ],
      [
        'in a member',
        '{"orgs": [{"id": "acme", "status": "active", "members": [{"user": "a", "role": "viewer", "constructor": {"prototype": {}}}]}]}',
        'orgs[0].members[0]: forbidden key "constructor"',
      ],
      [
        'in a share resource',
        '{"orgs": [{"id": "acme", "status": "active", "shares": [{"id": "s", "resource": {"type": "t", "id": "i", "prototype": 1}, "target_org": "b", "access_role": "viewer", "state": "accepted"}]}]}',
        'orgs[0].shares[0].resource: forbidden key "prototype"',
      ],
    ])('rejects a forbidden key %s (JSON)', (_where, json, expected) => {
      expect(docIssues(JSON.parse(json))).toEqual([expected]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('rejects __proto__ in YAML and nothing leaks into Object.prototype', () => {
      const yaml =
        'orgs:\n  - id: acme\n    status: active\n    __proto__:\n      polluted: true\n';
      expect(docIssues(parse(yaml))).toEqual(['orgs[0]: forbidden key "__proto__"']);
      expect(() => parseDirectoryYaml(yaml, 'default', 'directory')).toThrow(
        /orgs\[0\]: forbidden key "__proto__"/,
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});

describe('parseDirectoryYaml', () => {
  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(() =>
      parseDirectoryYaml('orgs:\n  - id: a\n    id: b\n', 'default', 'directory file x.yaml'),
    ).toThrow(
      /^invalid directory file x\.yaml \(1 error\): YAML: Map keys must be unique at line 3/,
    );
    expect(() => parseDirectoryYaml('orgs: [\n', 'default', 'f')).toThrow(InvalidDirectoryError);
  });

  it('treats an empty file as an invalid document', () => {
    expect(() => parseDirectoryYaml('', 'default', 'f')).toThrow(
      'invalid f (1 error): document: must be a mapping, got null',
    );
  });
});

describe('parseOrgRecord', () => {
  it('validates one record with "record" as its place', () => {
    expect(
      issuesOf(() =>
        parseOrgRecord(
          { id: 'acme', status: 'active', members: [{ user: 'a', role: 'god' }] },
          options,
        ),
      ),
    ).toEqual([
      'record.members[0].role: unknown role "god" (expected one of viewer, editor, admin, owner, member)',
    ]);
    expect(issuesOf(() => parseOrgRecord('acme', options))).toEqual([
      'record: must be a mapping, got "acme"',
    ]);
  });
});

describe('member write arguments', () => {
  it('validates org, user and role together', () => {
    expect(issuesOf(() => parseMemberWrite('a/b', '', 'boss', options))).toEqual([
      'org: invalid org id "a/b" (1-64 characters from A-Z a-z 0-9 . _ -)',
      'user: must not be empty',
      'role: unknown role "boss" (expected one of viewer, editor, admin, owner, member)',
    ]);
    expect(parseMemberWrite('acme', 'bob', 'member', options)).toEqual({
      org: 'acme',
      user: 'bob',
      role: 'member',
    });
    expect(issuesOf(() => parseMemberRef('acme', 'x\u0000', options))).toEqual([
      'user: must not contain control, zero-width or other invisible characters',
    ]);
  });

  it('refuses non-canonical ids in both arguments, naming each', () => {
    expect(issuesOf(() => parseMemberWrite('..', 'bob ', 'viewer', options))).toEqual([
      'org: must not consist of dots only (got "..")',
      'user: must not start or end with whitespace',
    ]);
    expect(issuesOf(() => parseMemberRef('Default', '__proto__', options))).toEqual([
      'org: must not be a case variant of the default org (got "Default")',
      'user: must not be __proto__, constructor or prototype',
    ]);
    expect(parseMemberRef('Default', 'bob', { defaultOrg: 'main' })).toEqual({
      org: 'Default',
      user: 'bob',
    });
  });
});
