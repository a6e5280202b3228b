/** The generated suite's shape: every action, every boundary case of the contract, stable names. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BoundarySuite } from '../../src/evidence/boundary/index.js';
import { defaultPack } from './boundary-helpers.js';

let suite: BoundarySuite;
beforeAll(async () => {
  ({ suite } = await defaultPack());
});

/** The boundary cases certification promises (docs/certification.md). */
const PROMISED = [
  'own_org',
  'non_member',
  'member_of_other_org',
  'token_other_org',
  'resource_no_share',
  'resource_pending_share',
  'resource_share_viewer',
  'resource_share_editor',
  'resource_share_admin',
  'resource_share_other_resource',
  'org_suspended',
  'org_pending_deletion',
  'org_malformed',
  'org_unknown',
  'org_default',
  'org_by_header',
  'org_by_cookie',
  'org_by_token_binding',
  'org_sources_disagree',
  'target_in_other_org',
  'single_tenant',
  'kill_switch',
  'org_by_path',
  'org_path_header_disagree',
];

describe('the generated org-boundary suite', () => {
  it('crosses every action of the catalogue with every promised boundary case', () => {
    const actions = [...new Set(suite.cells.map((c) => c.action))];
    expect(actions).toEqual(
      expect.arrayContaining([
        'orgs.list',
        'org.members.invite',
        'resource.write',
        'events.receive',
      ]),
    );
    expect(suite.boundaries.map((b) => b.id).sort()).toEqual([...PROMISED].sort());
    expect(suite.cells.length).toBe(actions.length * PROMISED.length);
  });

  it('gives every case a unique name and every cell that cannot apply a reason', () => {
    expect(new Set(suite.cases.map((c) => c.name)).size).toBe(suite.cases.length);
    for (const cell of suite.cells.filter((c) => !c.applicable)) expect(cell.why).toBeTruthy();
  });

  it('covers every method of every manifest route through forward-auth', () => {
    const gateway = suite.cases.filter((c) => c.surface === 'forward_auth');
    const routes = new Set(gateway.map((c) => `${c.route?.method ?? ''} ${c.route?.path ?? ''}`));
    expect(routes).toContain('GET /api/orgs/{org}/members');
    expect(routes).toContain('DELETE /api/resources/{type}/{id}');
    expect(gateway.every((c) => c.route?.uri.startsWith('/api/'))).toBe(true);
  });

  it('runs kill-switch sequences on, off, on', () => {
    const steps = suite.cases.filter((c) => c.sequence?.id === 'org.read × session:owner');
    expect(steps.map((c) => [c.scenario.mode, c.expected.reason])).toEqual([
      ['multi', 'allowed'],
      ['single', 'feature_disabled'],
      ['multi', 'allowed'],
    ]);
  });
});
