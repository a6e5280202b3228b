import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDirectoryFile } from '../../src/directory/load-file.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/directory.yaml', import.meta.url));

describe('examples/directory.yaml', () => {
  it('is a valid directory with the orgs the docs talk about', async () => {
    const orgs = await loadDirectoryFile(EXAMPLE, 'default');
    const byId = new Map(orgs.map((o) => [o.id, o]));
    expect([...byId.keys()]).toEqual(['acme', 'globex', 'initech', 'default']);
    expect(byId.get('acme')?.members).toEqual([
      { user: 'alice', role: 'owner' },
      { user: 'bob', role: 'admin' },
      { user: 'carol', role: 'editor' },
      { user: 'dave', role: 'member' },
    ]);
    expect(
      byId.get('acme')?.shares.map((s) => [s.id, s.target_org, s.access_role, s.state]),
    ).toEqual([
      ['s1', 'globex', 'viewer', 'accepted'],
      ['s2', 'globex', 'editor', 'pending'],
    ]);
    expect(byId.get('globex')?.members[0]).toEqual({ user: 'erin', role: 'owner' });
    expect(byId.get('initech')?.status).toBe('suspended');
    expect(byId.get('default')).toEqual({
      id: 'default',
      status: 'active',
      members: [{ user: 'alice', role: 'admin' }],
      shares: [],
    });
  });
});
