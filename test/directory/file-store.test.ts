import { lstat, readdir, readFile, readlink, stat, symlink, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, type FileWriter } from '../../src/directory/atomic-write.js';
import {
  DefaultOrgImmutableError,
  InvalidDirectoryError,
  OrgNotFoundError,
} from '../../src/directory/errors.js';
import { createFileStore } from '../../src/directory/file-store.js';
import { parseDirectoryYaml } from '../../src/directory/load-file.js';
import {
  DirectoryUnavailableError,
  DirectoryValidationError,
  type DirectoryStore,
  type OrgRecord,
} from '../../src/directory/types.js';
import { ACME_RECORD, DIRECTORY_YAML, memoryLog, tempDir, type TempDir } from './helpers.js';

let tmp: TempDir;
let file: string;
const stores: DirectoryStore[] = [];

beforeEach(async () => {
  tmp = await tempDir();
  file = await tmp.file('directory.yaml', DIRECTORY_YAML);
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await tmp.remove();
});

async function open(deps: { writeFile?: FileWriter } = {}, path = file): Promise<DirectoryStore> {
  const store = await createFileStore(
    { file: path, defaultOrg: 'default' },
    { log: memoryLog(), ...deps },
  );
  stores.push(store);
  return store;
}

const onDisk = async () => parseDirectoryYaml(await readFile(file, 'utf8'), 'default', 'test');

describe('file store: loading', () => {
  it('serves the records of the file', async () => {
    const store = await open();
    expect(store.kind).toBe('file');
    expect(await store.getOrg('acme')).toEqual(ACME_RECORD);
    expect((await store.getOrg('initech'))?.status).toBe('suspended');
    expect(await store.getOrg('nope')).toBeNull();
    expect(await store.getOrg('__proto__')).toBeNull();
    expect(await store.revision('acme')).toBe(0);
    expect(await store.ping()).toBe(true);
  });

  it('serves the default org from the file, or synthesizes it', async () => {
    const withDefault = await open();
    expect(await withDefault.getOrg('default')).toEqual({
      id: 'default',
      status: 'active',
      members: [{ user: 'alice', role: 'admin' }],
      shares: [],
    });
    const empty = await open({}, await tmp.file('empty.yaml', 'orgs: []\n'));
    expect(await empty.getOrg('default')).toEqual({
      id: 'default',
      status: 'active',
      members: [],
      shares: [],
    });
    expect(await empty.getOrg('acme')).toBeNull();
  });

  it('hands out frozen records', async () => {
    const store = await open();
    const acme = await store.getOrg('acme');
    expect(() => acme!.members.push({ user: 'mallory', role: 'owner' })).toThrow(TypeError);
    expect(() => {
      (acme as { status: string }).status = 'suspended';
    }).toThrow(TypeError);
  });

  it('refuses to start on a missing file, naming it', async () => {
    const missing = join(tmp.dir, 'missing.yaml');
    await expect(open({}, missing)).rejects.toThrow(`directory file ${missing} does not exist`);
  });

  it('refuses to start on an invalid file, with every error', async () => {
    const bad = await tmp.file(
      'bad.yaml',
      'orgs:\n  - { id: "a b", status: active }\n  - { id: c, status: gone }\n',
    );
    const error = await open({}, bad).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidDirectoryError);
    expect((error as Error).message).toContain(
      `invalid directory file ${bad} (2 errors): orgs[0].id: invalid org id "a b"`,
    );
    expect((error as InvalidDirectoryError).issues[1]).toMatch(
      /^orgs\[1\]\.status: unknown status "gone"/,
    );
  });
});

describe('file store: a seed with a non-canonical id', () => {
  it.each([
    [
      'a member with a trailing space',
      'orgs:\n  - { id: acme, status: active, members: [{ user: "alice ", role: owner }] }\n',
      'orgs[0].members[0].user: must not start or end with whitespace',
    ],
    [
      'a member with a zero-width joiner',
      'orgs:\n  - { id: acme, status: active, members: [{ user: "ali\\u200dce", role: owner }] }\n',
      'orgs[0].members[0].user: must not contain control, zero-width or other invisible characters',
    ],
    [
      'a dot-only org',
      'orgs:\n  - { id: "..", status: active }\n',
      'orgs[0].id: must not consist of dots only (got "..")',
    ],
    [
      'a default look-alike org',
      'orgs:\n  - { id: Default, status: active }\n',
      'orgs[0].id: must not be a case variant of the default org (got "Default")',
    ],
    [
      'a share to a prototype name',
      'orgs:\n  - { id: acme, status: active, shares: [{ id: s1, resource: { type: node, id: n1 }, target_org: __proto__, access_role: viewer, state: accepted }] }\n',
      'orgs[0].shares[0].target_org: must not be __proto__, constructor or prototype (got "__proto__")',
    ],
  ])('%s refuses to load, naming the file and the key path', async (_, yaml, issue) => {
    const bad = await tmp.file('bad-ids.yaml', yaml);
    const error = await open({}, bad).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidDirectoryError);
    expect((error as InvalidDirectoryError).issues).toEqual([issue]);
    expect((error as Error).message).toBe(`invalid directory file ${bad} (1 error): ${issue}`);
  });
});

describe('file store: listOrgsForUser', () => {
  it('lists explicit memberships with the stored role', async () => {
    const store = await open();
    expect(await store.listOrgsForUser('alice')).toEqual([
      { id: 'acme', role: 'owner' },
      { id: 'globex', role: 'viewer' },
      { id: 'default', role: 'admin' },
    ]);
    expect(await store.listOrgsForUser('dave')).toEqual([{ id: 'acme', role: 'member' }]);
    expect(await store.listOrgsForUser('nobody')).toEqual([]);
    await store.removeMember('globex', 'alice');
    await store.putMember('initech', 'alice', 'editor');
    expect(await store.listOrgsForUser('alice')).toEqual([
      { id: 'acme', role: 'owner' },
      { id: 'initech', role: 'editor' },
      { id: 'default', role: 'admin' },
    ]);
  });
});

describe('file store: writes', () => {
  it('applies each write, bumps the revision, notifies and writes the file back', async () => {
    const store = await open();
    const changed: string[] = [];
    const unsubscribe = store.onChange((org) => changed.push(org));

    expect(await store.putMember('acme', 'carol', 'editor')).toEqual({ revision: 1 });
    expect((await store.getOrg('acme'))?.members.at(-1)).toEqual({ user: 'carol', role: 'editor' });
    expect(await store.putMember('acme', 'carol', 'admin')).toEqual({ revision: 2 });
    expect((await store.getOrg('acme'))?.members.filter((m) => m.user === 'carol')).toEqual([
      { user: 'carol', role: 'admin' },
    ]);
    expect(await store.removeMember('acme', 'bob')).toEqual({ revision: 3 });
    // `shares` may be left out of a record, as in the file
    const hooli = { id: 'hooli', status: 'active', members: [{ user: 'gavin', role: 'owner' }] };
    expect(await store.putOrg(hooli as unknown as OrgRecord)).toEqual({ revision: 4 });
    expect(await store.deleteOrg('initech')).toEqual({ revision: 5 });
    expect(await store.getOrg('initech')).toBeNull();
    expect(await store.revision('acme')).toBe(5);
    expect(changed).toEqual(['acme', 'acme', 'acme', 'hooli', 'initech']);

    const disk = await onDisk();
    expect(disk.map((o) => o.id)).toEqual(['acme', 'globex', 'default', 'hooli']);
    expect(disk.find((o) => o.id === 'acme')?.members).toEqual([
      { user: 'alice', role: 'owner' },
      { user: 'dave', role: 'member' },
      { user: 'carol', role: 'admin' },
    ]);
    expect(await readdir(tmp.dir)).toEqual(['directory.yaml']); // no temp files left behind

    unsubscribe();
    await store.putMember('acme', 'erin', 'viewer');
    expect(changed).toHaveLength(5);
  });

  it('answers writes that change nothing with the current revision', async () => {
    const store = await open();
    await store.putMember('acme', 'carol', 'editor');
    const before = await readFile(file, 'utf8');
    expect(await store.removeMember('acme', 'nobody')).toEqual({ revision: 1 });
    expect(await store.removeMember('nope', 'bob')).toEqual({ revision: 1 });
    expect(await store.deleteOrg('nope')).toEqual({ revision: 1 });
    expect(await store.putMember('acme', 'carol', 'editor')).toEqual({ revision: 1 });
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it.each([
    [
      'putOrg',
      (s: DirectoryStore) => s.putOrg({ id: 'default', status: 'active', members: [], shares: [] }),
    ],
    ['putMember', (s: DirectoryStore) => s.putMember('default', 'bob', 'admin')],
    ['removeMember', (s: DirectoryStore) => s.removeMember('default', 'alice')],
    ['deleteOrg', (s: DirectoryStore) => s.deleteOrg('default')],
  ])('refuses %s on the default org', async (_name, write) => {
    const store = await open();
    const before = await readFile(file, 'utf8');
    const error = await write(store).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DefaultOrgImmutableError);
    expect(error).toBeInstanceOf(DirectoryValidationError);
    expect((error as DefaultOrgImmutableError).code).toBe('default_org_immutable');
    expect((error as Error).message).toMatch(/^default org is immutable/);
    expect(await store.revision('acme')).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it.each([
    [
      'an invalid record',
      (s: DirectoryStore) =>
        s.putOrg({
          id: 'acme',
          status: 'active',
          members: [{ user: 'x', role: 'root' as 'viewer' }],
          shares: [],
        }),
      InvalidDirectoryError,
    ],
    [
      'a malformed org id',
      (s: DirectoryStore) => s.putMember('../etc', 'bob', 'viewer'),
      InvalidDirectoryError,
    ],
    [
      'an unknown role',
      (s: DirectoryStore) => s.putMember('acme', 'bob', 'superuser' as 'viewer'),
      InvalidDirectoryError,
    ],
    [
      'a second owner',
      (s: DirectoryStore) => s.putMember('acme', 'bob', 'owner'),
      InvalidDirectoryError,
    ],
    [
      'a member of a missing org',
      (s: DirectoryStore) => s.putMember('nope', 'bob', 'viewer'),
      OrgNotFoundError,
    ],
    [
      'a record with unknown keys',
      (s: DirectoryStore) => s.putOrg({ id: 'x', status: 'active', admin: true } as never),
      InvalidDirectoryError,
    ],
  ])('rejects %s and changes nothing', async (_name, write, type) => {
    const store = await open();
    const before = await readFile(file, 'utf8');
    const acme = await store.getOrg('acme');
    await expect(write(store)).rejects.toBeInstanceOf(type);
    expect(await store.revision('acme')).toBe(0);
    expect(await store.getOrg('acme')).toEqual(acme);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('explains the one-owner rule on a second owner', async () => {
    const store = await open();
    await expect(store.putMember('acme', 'bob', 'owner')).rejects.toThrow(
      'invalid member write (1 error): role: org "acme" already has an owner ("alice"); an org has at most one owner, so transfer ownership with a whole-record write',
    );
    // re-stating the current owner is fine, and so is a transfer as one whole-record write
    expect(await store.putMember('acme', 'alice', 'owner')).toEqual({ revision: 0 });
    const acme = (await store.getOrg('acme'))!;
    const transferred = acme.members.map((m) =>
      m.user === 'alice'
        ? { ...m, role: 'admin' as const }
        : m.user === 'bob'
          ? { ...m, role: 'owner' as const }
          : m,
    );
    expect(await store.putOrg({ ...acme, members: transferred })).toEqual({ revision: 1 });
  });

  it('leaves the file and the memory unchanged when the write-back fails', async () => {
    const failing: FileWriter = async (path) => {
      // what a crash between writing the temp file and the rename leaves behind
      await writeFileAtomic(`${path}.partial`, 'orgs: [\n');
      throw new Error('disk full');
    };
    const store = await open({ writeFile: failing });
    const changed: string[] = [];
    store.onChange((org) => changed.push(org));
    const before = await readFile(file, 'utf8');
    const acme = await store.getOrg('acme');

    const error = await store.removeMember('acme', 'bob').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect((error as Error).message).toBe(`cannot write directory file ${file}`);
    expect(((error as Error).cause as Error).message).toBe('disk full');

    expect(await readFile(file, 'utf8')).toBe(before);
    expect(await store.getOrg('acme')).toEqual(acme);
    expect(await store.listOrgsForUser('bob')).toEqual([{ id: 'acme', role: 'admin' }]);
    expect(await store.revision('acme')).toBe(0);
    expect(changed).toEqual([]);
  });

  it('keeps working after a failed write-back', async () => {
    let fail = true;
    const store = await open({
      writeFile: (path, data) =>
        fail ? Promise.reject(new Error('EIO')) : writeFileAtomic(path, data),
    });
    await expect(store.putMember('acme', 'carol', 'viewer')).rejects.toBeInstanceOf(
      DirectoryUnavailableError,
    );
    fail = false;
    expect(await store.putMember('acme', 'carol', 'viewer')).toEqual({ revision: 1 });
    expect((await onDisk()).find((o) => o.id === 'acme')?.members.map((m) => m.user)).toContain(
      'carol',
    );
  });

  it('serializes concurrent writes: one write-back at a time, none lost', async () => {
    let active = 0;
    let maxActive = 0;
    const slow: FileWriter = async (path, data) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await writeFileAtomic(path, data);
      active -= 1;
    };
    const store = await open({ writeFile: slow });
    const users = Array.from({ length: 10 }, (_, i) => `user${i}`);
    const results = await Promise.all(users.map((u) => store.putMember('globex', u, 'viewer')));

    expect(maxActive).toBe(1);
    expect(results.map((r) => r.revision).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    const members = (await onDisk()).find((o) => o.id === 'globex')?.members.map((m) => m.user);
    expect(members).toEqual(['erin', 'alice', ...users]);
  });

  it('rejects reads and writes after close', async () => {
    const store = await open();
    await store.close();
    await expect(store.getOrg('acme')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(store.putMember('acme', 'x', 'viewer')).rejects.toBeInstanceOf(
      DirectoryUnavailableError,
    );
    expect(await store.ping()).toBe(false);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the content, keeps the permission bits and leaves no temp file', async () => {
    await chmod(file, 0o640);
    await writeFileAtomic(file, 'orgs: []\n');
    expect(await readFile(file, 'utf8')).toBe('orgs: []\n');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(tmp.dir)).toEqual(['directory.yaml']);
  });

  it('writes through a symlink and keeps the link', async () => {
    const link = join(tmp.dir, 'link.yaml');
    await symlink(file, link);
    await writeFileAtomic(link, 'orgs: []\n');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(file);
    expect(await readFile(file, 'utf8')).toBe('orgs: []\n');
  });

  it('fails without touching anything when the folder does not exist', async () => {
    await expect(writeFileAtomic(join(tmp.dir, 'no', 'such.yaml'), 'x')).rejects.toThrow(/ENOENT/);
    expect(await readdir(tmp.dir)).toEqual(['directory.yaml']);
  });
});
