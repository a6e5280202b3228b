/**
 * The policy's explanation agrees with its decision. For generated policy inputs (every principal
 * kind, authentication outcome, catalogue action and a few unknown ones, org naming, tenancy mode,
 * directory slice, share, target and event context), evaluated by the compiled default policy:
 * - the explanation is accepted by the engine's fail-closed check (twelve checks in order);
 * - on a deny exactly one step is false, its check is the one the decision's reason belongs to
 *   (stated here independently of the Rego), and its reason and detail are the decision's;
 * - on an allow no step is false; every step after the false one is skipped.
 * Control: the generated inputs reach most reasons (so the agreement is not shown on allows only).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyBundle } from '../../src/bundle/policy-bundle.js';
import type { ExplainCheck } from '../../src/contract/explain.js';
import type { PolicyInput } from '../../src/contract/policy-io.js';
import type { Reason } from '../../src/contract/reasons.js';
import { createPolicyEngine, type PolicyEngine } from '../../src/engine/wasm-engine.js';
import { fuzzParams } from '../support/fuzz.js';
import { TEST_BUNDLE } from '../support/paths.js';

/** The check each reason belongs to (contract §4's order of checks); two reasons need the detail. */
function checkOf(reason: Reason, detail: string | null): ExplainCheck {
  if (reason === 'invalid_org') return detail === 'unknown_org' ? 'org_exists' : 'org_valid';
  if (reason === 'access_denied')
    return detail === 'not_addressee' ? 'resource_shares' : 'binding_membership';
  const table: Partial<Record<Reason, ExplainCheck>> = {
    keys_unavailable: 'authenticate',
    unauthenticated: 'authenticate',
    unknown_action: 'action_known',
    feature_disabled: 'tenancy_gate',
    directory_unavailable: 'directory',
    org_suspended: 'org_status',
    session_required: 'scope',
    missing_scope: 'scope',
    owner_required: 'role',
    insufficient_role: 'role',
    cross_org: 'resource_shares',
    default_org_immutable: 'action_specifics',
    invalid_role: 'action_specifics',
    fresh_session_required: 'action_specifics',
    owner_transfer_requires_member: 'action_specifics',
    target_not_member: 'action_specifics',
    owner_role_immutable: 'action_specifics',
  };
  const check = table[reason];
  if (!check) throw new Error(`no check for reason ${reason}`);
  return check;
}

const NOW = 1_700_000_000;
const ORGS = ['default', 'acme', 'globex', 'Default', 'bad org', '..'];
const ROLES = ['owner', 'admin', 'editor', 'viewer', 'member', 'Owner', null];
const ACTIONS = [
  'org.read',
  'org.update',
  'org.delete',
  'orgs.list',
  'orgs.create',
  'resource.read',
  'resource.write',
  'org.members.remove',
  'org.members.update_role',
  'org.members.invite',
  'org.ownership.transfer',
  'events.receive',
  'no.such.action',
];
const role = fc.constantFrom(...ROLES);
const org = fc.constantFrom(...ORGS);

const input: fc.Arbitrary<PolicyInput> = fc
  .record({
    kind: fc.constantFrom('request', 'batch_item', 'job', 'event', 'forward_auth'),
    multi_tenant: fc.boolean(),
    authn: fc.constantFrom(
      { ok: true },
      { ok: false, code: 'token_expired' },
      { ok: false, code: 'keys_unavailable' },
    ),
    principalKind: fc.constantFrom('session', 'api_token'),
    scopes: fc.subarray(['*', 'monitoring:read', 'org:write', 'members:write']),
    bound: fc.option(fc.subarray(['acme', 'globex', 'default']), { nil: null }),
    authAge: fc.integer({ min: -100, max: 2_000 }),
    action: fc.constantFrom(...ACTIONS),
    requested: org,
    source: fc.constantFrom('field', 'header', 'cookie', 'path', 'token', 'default'),
    resource: fc.option(
      fc.record({
        type: fc.constantFrom('node', 'event'),
        id: fc.constantFrom('n1', 'ai.response', 'org.updated'),
        org: fc.option(org, { nil: null }),
      }),
      { nil: null },
    ),
    targetUser: fc.option(fc.constantFrom('bob', 'alice'), { nil: undefined }),
    targetRole: fc.option(fc.constantFrom('owner', 'admin', 'viewer', 'superuser'), {
      nil: undefined,
    }),
    eventUser: fc.option(fc.constantFrom('alice', 'bob'), { nil: undefined }),
    available: fc.boolean(),
    orgExists: fc.boolean(),
    status: fc.constantFrom('active', 'suspended', 'pending_deletion'),
    memberRole: role,
    targetStoredRole: role,
    resourceOrgActive: fc.boolean(),
    share: fc.option(
      fc.record({
        target_org: org,
        access_role: fc.constantFrom('viewer', 'editor', 'owner'),
        state: fc.constantFrom('accepted', 'pending'),
      }),
      { nil: null },
    ),
  })
  .map((g) => {
    const context: Record<string, string> = {};
    if (g.targetUser) context.target_user = g.targetUser;
    if (g.targetRole) context.target_role = g.targetRole;
    if (g.eventUser) context.event_user = g.eventUser;
    const session = g.principalKind === 'session';
    return {
      kind: g.kind,
      now: NOW,
      tenancy: { multi_tenant: g.multi_tenant, default_org: 'default' },
      authn: g.authn,
      principal: g.authn.ok
        ? {
            id: 'alice',
            kind: g.principalKind,
            scopes: session ? [] : g.scopes,
            bound_orgs: session ? null : g.bound,
            auth_time: session ? NOW - g.authAge : null,
          }
        : null,
      action: g.action,
      requested_org: { id: g.requested, source: g.source },
      resource: g.resource,
      context,
      directory: {
        available: g.available,
        org: { exists: g.orgExists, status: g.status },
        member_role: session ? g.memberRole : null,
        target_role: g.targetStoredRole,
        resource_org: g.resource?.org
          ? { exists: g.resourceOrgActive, status: g.resourceOrgActive ? 'active' : 'suspended' }
          : null,
        resource_shares: g.share ? [{ id: 'sh-1', ...g.share }] : [],
      },
    };
  });

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await createPolicyEngine(await loadPolicyBundle({ bundle: TEST_BUNDLE }));
});

describe('the explanation agrees with the decision', () => {
  it('one false step on a deny, at the check its reason belongs to; none on an allow', () => {
    const reasons = new Set<string>();
    fc.assert(
      fc.property(input, (doc) => {
        const decided = engine.evaluate(doc);
        expect(decided.ok).toBe(true);
        if (!decided.ok) return;
        const { decision } = decided;
        reasons.add(decision.reason);
        const explained = engine.explain(doc, decision);
        expect(explained).toMatchObject({ ok: true });
        if (!explained.ok) return;
        const steps = explained.explain;
        const failed = steps.flatMap((s, i) => (s.passed === false ? [i] : []));
        if (decision.allow) {
          expect(failed).toEqual([]);
          return;
        }
        expect(failed).toHaveLength(1);
        const at = failed[0]!;
        expect(steps[at]).toMatchObject({
          check: checkOf(decision.reason as Reason, decision.detail),
          reason: decision.reason,
          detail: decision.detail,
        });
        for (const later of steps.slice(at + 1)) expect(later.passed).toBe('skipped');
      }),
      fuzzParams(600),
    );
    // control: the generated inputs reach allows and most of the reasons
    expect(reasons.has('allowed')).toBe(true);
    expect(reasons.size).toBeGreaterThanOrEqual(12);
  });
});
