/**
 * Owner protections, role grants and session freshness, as properties of the decision core running
 * the compiled policy (WASM) over generated directories: an org whose owner has a generated id,
 * an admin, and an editor.
 *
 * - An admin's removal or role change of the owner, or of any look-alike spelling of the owner
 *   (case, whitespace, invisible characters, decomposition), or of no one named, is never
 *   allowed; an invitation as owner is never allowed, whoever sends it.
 * - A target_role that is not exactly a catalogue role is never allowed, and says invalid_role.
 * - A sign-in time in the future never makes an ownership transfer allowed.
 *
 * Each also holds for `/v1/jobs/authorize` decisions (kind `job`). The controls at the end show
 * the same harness allows the legitimate forms, so the properties can fail.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/contract/principal.js';
import type { Decision } from '../../src/contract/decision.js';
import type { DecisionKind } from '../../src/contract/decision-kinds.js';
import { isWellFormedDeep } from '../../src/contract/ids.js';
import type { OrgRecord } from '../../src/directory/types.js';
import {
  CANONICAL_ROLES,
  canonicalUserId,
  lookAlike,
  nonCanonicalRole,
} from '../support/arbitraries.js';
import { coreOver, loadCoreParts, type CoreParts } from '../support/core-over-records.js';
import { fuzzParams } from '../support/fuzz.js';
import { TEST_SECRET, mintHs256 } from '../support/tokens.js';

const ORG = 'acme';
const ADMIN = 'adm-1';
const EDITOR = 'ed-1';
const KINDS: DecisionKind[] = ['request', 'job'];

let parts: CoreParts;
let nowS: number;
let adminToken: string;

beforeAll(async () => {
  parts = await loadCoreParts();
  nowS = Math.floor(parts.now / 1000);
  adminToken = await mintHs256(TEST_SECRET, { sub: ADMIN }, { now: parts.now });
});

function orgWithOwner(owner: string): OrgRecord {
  return {
    id: ORG,
    status: 'active',
    members: [
      { user: owner, role: 'owner' },
      { user: ADMIN, role: 'admin' },
      { user: EDITOR, role: 'editor' },
    ],
    shares: [],
  };
}

/** The owner's generated id: canonical, and none of the other members. */
const ownerId = canonicalUserId.filter((id) => id !== ADMIN && id !== EDITOR);

type Outcome = { refused: string } | { decision: Decision };

/** One decision through the core's public entry point, as `/v1/authorize` (or jobs) runs it. */
async function decide(
  owner: string,
  token: string,
  kind: DecisionKind,
  action: string,
  context: Record<string, string>,
): Promise<Outcome> {
  const result = await coreOver(parts, [orgWithOwner(owner)]).authorize(
    { token, org: ORG, action, context },
    kind,
  );
  return result.ok ? { decision: result.value } : { refused: result.message };
}

/** A session principal the caller vouches for (a job runner), with the sign-in time given. */
function ownerSession(owner: string, authTime: number): Principal {
  return { id: owner, kind: 'session', scopes: [], bound_orgs: null, auth_time: authTime };
}

const allowed = (o: Outcome): boolean => 'decision' in o && o.decision.allow;
const reasonOf = (o: Outcome): string =>
  'decision' in o ? o.decision.reason : 'refused_as_bad_input';

/**
 * Never an allow, and a deny for one of `reasons` — or a refusal of the request as bad input, for
 * a layer in front of the policy may refuse a non-canonical id first. Strings that are not
 * well-formed Unicode (lone surrogates) are the request boundary's to refuse (contract 8: a 400 on
 * every endpoint); until it does, the engine fails closed on them with policy_error, which is
 * accepted for those inputs only.
 */
function expectDenied(outcome: Outcome, reasons: string[], sent: unknown): void {
  expect(allowed(outcome), JSON.stringify(sent)).toBe(false);
  const accepted = [
    ...reasons,
    'refused_as_bad_input',
    ...(isWellFormedDeep(sent) ? [] : ['policy_error']),
  ];
  expect(accepted, JSON.stringify(sent)).toContain(reasonOf(outcome));
}

/** How the admin names the target: the owner's exact id, a look-alike of it, or no one. */
const targetSpelling = fc.oneof(
  fc.constant({ kind: 'exact' as const }),
  lookAlike.map((spell) => ({ kind: 'look-alike' as const, spell })),
  fc.constant({ kind: 'missing' as const }),
);

/** Member management against the owner: removal, a role change to any role, an invitation as owner. */
const managementOfOwner = fc.oneof(
  fc.constant({ action: 'org.members.remove' }),
  fc
    .constantFrom(...CANONICAL_ROLES)
    .map((role) => ({ action: 'org.members.update_role', target_role: role })),
  fc.constant({ action: 'org.members.invite', target_role: 'owner' }),
);

describe('owner protection (compiled policy through the core)', () => {
  it("never allows an admin's removal, role change or owner invitation against the owner, by any spelling or none", async () => {
    await fc.assert(
      fc.asyncProperty(
        ownerId,
        targetSpelling,
        managementOfOwner,
        fc.constantFrom(...KINDS),
        async (owner, spelling, management, kind) => {
          const target =
            spelling.kind === 'exact'
              ? owner
              : spelling.kind === 'look-alike'
                ? spelling.spell(owner)
                : undefined;
          fc.pre(
            spelling.kind !== 'look-alike' ||
              (target !== owner && target !== ADMIN && target !== EDITOR),
          );
          const { action, ...role } = management;
          const context = { ...role, ...(target !== undefined ? { target_user: target } : {}) };
          const outcome = await decide(owner, adminToken, kind, action, context);
          // a deny of the policy's own, never a policy failure
          expectDenied(outcome, ['target_not_member', 'owner_role_immutable', 'owner_required'], {
            owner,
            action,
            context,
            kind,
          });
        },
      ),
      fuzzParams(300),
    );
  });

  it('names the reason: a target that is not exactly a member is target_not_member', async () => {
    await fc.assert(
      fc.asyncProperty(
        ownerId,
        fc.option(lookAlike, { nil: undefined }),
        fc.constantFrom('org.members.remove', 'org.members.update_role'),
        async (owner, spell, action) => {
          const target = spell?.(owner);
          fc.pre(target !== owner && target !== ADMIN && target !== EDITOR);
          const context = {
            ...(action === 'org.members.update_role' ? { target_role: 'viewer' } : {}),
            ...(target !== undefined ? { target_user: target } : {}),
          };
          const outcome = await decide(owner, adminToken, 'request', action, context);
          expectDenied(outcome, ['target_not_member'], { owner, action, context });
          if (reasonOf(outcome) === 'target_not_member')
            expect((outcome as { decision: Decision }).decision.detail).toBe(
              target === undefined ? 'target_user_missing' : 'not_member',
            );
        },
      ),
      fuzzParams(300),
    );
  });

  it('never allows an invitation as owner, from an admin or from the owner signed in a moment ago', async () => {
    await fc.assert(
      fc.asyncProperty(
        ownerId,
        fc.option(canonicalUserId, { nil: undefined }),
        fc.boolean(),
        async (owner, invitee, byOwner) => {
          const context = {
            target_role: 'owner',
            ...(invitee !== undefined ? { target_user: invitee } : {}),
          };
          const result = byOwner
            ? await coreOver(parts, [orgWithOwner(owner)]).decide({
                kind: 'job',
                token: undefined,
                trusted_principal: ownerSession(owner, nowS - 5),
                named_org: { id: ORG, source: 'field' },
                action: 'org.members.invite',
                resource: null,
                context,
              })
            : (
                (await decide(owner, adminToken, 'request', 'org.members.invite', context)) as {
                  decision: Decision;
                }
              ).decision;
          expect(result.allow).toBe(false);
          expect(result.reason).toBe(byOwner ? 'owner_transfer_requires_member' : 'owner_required');
        },
      ),
      fuzzParams(300),
    );
  });
});

describe('role grants (compiled policy through the core)', () => {
  it('never allows a target_role that is not exactly a catalogue role, for an admin or the fresh owner', async () => {
    await fc.assert(
      fc.asyncProperty(
        ownerId,
        nonCanonicalRole,
        fc.constantFrom('org.members.update_role', 'org.members.invite'),
        fc.boolean(),
        fc.constantFrom(...KINDS),
        async (owner, role, action, byOwner, kind) => {
          const token = byOwner
            ? await mintHs256(TEST_SECRET, { sub: owner, auth_time: nowS - 5 }, { now: parts.now })
            : adminToken;
          const context = { target_user: EDITOR, target_role: role };
          expectDenied(await decide(owner, token, kind, action, context), ['invalid_role'], {
            action,
            context,
            byOwner,
          });
        },
      ),
      fuzzParams(300),
    );
  });
});

describe('session freshness (compiled policy through the core)', () => {
  const transfer = fc.constantFrom<{ action: string; context: Record<string, string> }>(
    { action: 'org.ownership.transfer', context: { target_user: EDITOR } },
    { action: 'org.members.update_role', context: { target_user: EDITOR, target_role: 'owner' } },
  );

  it('never allows a transfer whose sign-in time is in the future, however far', async () => {
    await fc.assert(
      fc.asyncProperty(
        ownerId,
        fc.integer({ min: 1, max: 10 * 365 * 86_400 }),
        transfer,
        async (owner, ahead, { action, context }) => {
          const decision = await coreOver(parts, [orgWithOwner(owner)]).decide({
            kind: 'job',
            token: undefined,
            trusted_principal: ownerSession(owner, nowS + ahead),
            named_org: { id: ORG, source: 'field' },
            action,
            resource: null,
            context,
          });
          expect(decision.allow).toBe(false);
          expect(decision.reason).toBe('fresh_session_required');
        },
      ),
      fuzzParams(300),
    );
  });

  it('never allows a transfer with a token signed in the future, within the clock tolerance or beyond', async () => {
    await fc.assert(
      fc.asyncProperty(
        ownerId,
        fc.integer({ min: 1, max: 3600 }),
        transfer,
        async (owner, ahead, { action, context }) => {
          const token = await mintHs256(
            TEST_SECRET,
            { sub: owner, auth_time: nowS + ahead },
            { now: parts.now },
          );
          // authentication may refuse it first (beyond the clock tolerance); the policy refuses the rest
          expectDenied(
            await decide(owner, token, 'request', action, context),
            ['fresh_session_required', 'unauthenticated'],
            { owner, ahead, action },
          );
        },
      ),
      fuzzParams(200),
    );
  });
});

describe('controls: the same harness allows the legitimate forms', () => {
  it('an admin removes, and changes the role of, a member named exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        ownerId,
        fc.constantFrom('viewer', 'editor', 'admin', 'member'),
        async (owner, role) => {
          expect(
            reasonOf(
              await decide(owner, adminToken, 'request', 'org.members.remove', {
                target_user: EDITOR,
              }),
            ),
          ).toBe('allowed');
          expect(
            reasonOf(
              await decide(owner, adminToken, 'job', 'org.members.update_role', {
                target_user: EDITOR,
                target_role: role,
              }),
            ),
          ).toBe('allowed');
        },
      ),
      fuzzParams(100),
    );
  });

  it('the owner, signed in within 300 s and not after now, transfers to a member', async () => {
    await fc.assert(
      fc.asyncProperty(ownerId, fc.integer({ min: 0, max: 300 }), async (owner, age) => {
        const token = await mintHs256(
          TEST_SECRET,
          { sub: owner, auth_time: nowS - age },
          { now: parts.now },
        );
        expect(
          reasonOf(
            await decide(owner, token, 'request', 'org.ownership.transfer', {
              target_user: EDITOR,
            }),
          ),
        ).toBe('allowed');
      }),
      fuzzParams(100),
    );
  });
});
