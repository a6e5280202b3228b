/**
 * The oracle against the contract's own statements (CONTRACT.md section 4 and docs/policies.md),
 * checked by hand here so that a slip in the oracle cannot hide behind agreement with the policy.
 */
import { describe, expect, it } from 'vitest';
import { HOME_ORG, memberOf, OTHER_ORG, SHARED } from '../../src/evidence/boundary/fixture.js';
import { oracleWorld } from '../../src/evidence/boundary/generate.js';
import { expectedDecision } from '../../src/evidence/boundary/oracle.js';
import type { PrincipalSpec, Scenario } from '../../src/evidence/boundary/types.js';

const world = oracleWorld({}, 'default');
const session = (id: string, authAgeS = 10): PrincipalSpec => ({ kind: 'session', id, authAgeS });
const token = (scopes: string[], orgIds: string[]): PrincipalSpec => ({
  kind: 'api_token',
  id: 'tok',
  scopes,
  orgIds,
});
const ask = (s: Partial<Scenario> & { action: string }): Scenario => ({
  mode: 'multi',
  principal: session(memberOf(HOME_ORG, 'admin')),
  named: { field: HOME_ORG },
  ...s,
});

describe('the boundary oracle', () => {
  it('allows a member acting in its own org within its role', () => {
    expect(expectedDecision(ask({ action: 'org.members.list' }), world)).toEqual({
      allow: true,
      reason: 'allowed',
      status: 200,
      spoof: false,
      effective_org: HOME_ORG,
    });
  });

  it('denies a member of another org as a counted spoof, before any role check', () => {
    const s = ask({ action: 'org.read', principal: session(memberOf(OTHER_ORG, 'owner')) });
    expect(expectedDecision(s, world)).toMatchObject({
      reason: 'access_denied',
      detail: 'not_member',
      spoof: true,
      effective_org: null,
      status: 403,
    });
  });

  it('never calls an org the core chose a spoof (a token bound elsewhere naming none)', () => {
    const s = ask({
      action: 'resource.read',
      principal: token(['monitoring:read'], []),
      named: {},
    });
    expect(expectedDecision(s, world)).toMatchObject({ allow: true, effective_org: 'default' });
    const named = ask({
      action: 'resource.read',
      principal: token(['monitoring:read'], [OTHER_ORG]),
    });
    expect(expectedDecision(named, world)).toMatchObject({
      reason: 'access_denied',
      detail: 'token_org_mismatch',
      spoof: true,
    });
  });

  it('answers feature_disabled for any non-default org when multi-tenant is off, existing or not', () => {
    for (const org of [HOME_ORG, 'ghost', 'acme/../globex'])
      expect(
        expectedDecision(
          ask({ action: 'resource.read', mode: 'single', named: { field: org } }),
          world,
        ),
      ).toMatchObject({ reason: 'feature_disabled', status: 501, detail: 'org_not_default' });
  });

  it('lets an accepted share grant only up to its access_role, and never a pending one', () => {
    const reader = session(memberOf(OTHER_ORG, 'admin'));
    const on = (resource: { type: string; id: string }, action: string) =>
      expectedDecision(
        ask({
          action,
          principal: reader,
          named: { field: OTHER_ORG },
          resource: { ...resource, org: HOME_ORG },
        }),
        world,
      ).reason;
    expect(on(SHARED.viewer, 'resource.read')).toBe('allowed');
    expect(on(SHARED.viewer, 'resource.write')).toBe('cross_org');
    expect(on(SHARED.editor, 'resource.write')).toBe('allowed');
    expect(on(SHARED.pending, 'resource.read')).toBe('cross_org');
    expect(on(SHARED.none, 'resource.read')).toBe('cross_org');
    expect(on({ type: 'dashboard', id: SHARED.viewer.id }, 'resource.read')).toBe('cross_org');
    expect(on(SHARED.viewer, 'events.receive')).toBe('cross_org');
  });

  it("keeps the contract's order: scope before role, role before resource", () => {
    const unscoped = ask({ action: 'resource.write', principal: token(['ai:chat'], [HOME_ORG]) });
    expect(expectedDecision(unscoped, world).reason).toBe('missing_scope');
    const viewerElsewhere = ask({
      action: 'resource.write',
      principal: session(memberOf(OTHER_ORG, 'viewer')),
      named: { field: OTHER_ORG },
      resource: { ...SHARED.editor, org: HOME_ORG },
    });
    expect(expectedDecision(viewerElsewhere, world).reason).toBe('insufficient_role');
  });

  it('applies the ownership-transfer rules in order', () => {
    const transfer = (who: PrincipalSpec, target: string) =>
      expectedDecision(
        ask({ action: 'org.ownership.transfer', principal: who, context: { target_user: target } }),
        world,
      ).reason;
    const owner = memberOf(HOME_ORG, 'owner');
    expect(transfer(session(memberOf(HOME_ORG, 'admin')), memberOf(HOME_ORG, 'editor'))).toBe(
      'owner_required',
    );
    expect(transfer(session(owner, 301), memberOf(HOME_ORG, 'editor'))).toBe(
      'fresh_session_required',
    );
    expect(transfer(session(owner), memberOf(OTHER_ORG, 'editor'))).toBe(
      'owner_transfer_requires_member',
    );
    expect(transfer(session(owner), memberOf(HOME_ORG, 'editor'))).toBe('allowed');
  });

  it('protects the default org and the owner', () => {
    const onDefault = ask({
      action: 'org.update',
      principal: session(memberOf(HOME_ORG, 'owner')),
      named: { field: 'default' },
    });
    expect(expectedDecision(onDefault, world).reason).toBe('default_org_immutable');
    const removeOwner = ask({
      action: 'org.members.remove',
      context: { target_user: memberOf(HOME_ORG, 'owner') },
    });
    expect(expectedDecision(removeOwner, world).reason).toBe('owner_role_immutable');
  });
});
