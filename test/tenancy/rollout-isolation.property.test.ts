/**
 * A staged rollout never merges orgs, at any stage. For generated directories (orgs, memberships,
 * accepted and pending shares), generated cohorts (listed orgs and a percentage) and generated
 * requests (any catalogue action, a named org or none, a resource of any org or none), through the
 * real compiled policy and core:
 *
 * - an allowed request acts in the org it resolved to, and reaches only that org's data or data
 *   an accepted share of an org inside the cohort grants it;
 * - a request whose org (or whose resource's org) is outside the cohort answers exactly what the
 *   all-off switch answers; one inside it answers exactly what the all-on switch answers;
 * - the kill switch answers exactly what the all-off switch answers, whatever the cohort.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/contract/decision.js';
import type { OrgRecord } from '../../src/directory/types.js';
import { inPercentCohort } from '../../src/tenancy/cohort-hash.js';
import { OFF_ROLLOUT, type TenancyState } from '../../src/tenancy/rollout-state.js';
import {
  DEFAULT_ORG,
  coreOver,
  loadCoreParts,
  type CoreParts,
} from '../support/core-over-records.js';
import { fuzzParams } from '../support/fuzz.js';
import { TEST_SECRET, mintHs256 } from '../support/tokens.js';

const ACTIONS = Object.keys(
  (
    JSON.parse(readFileSync(path.resolve('policies/orgwarden/catalogue/data.json'), 'utf8')) as {
      actions: Record<string, unknown>;
    }
  ).actions,
);
const ORGS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];
const USERS = ['u1', 'u2', 'u3'];
const RESOURCES = ['n1', 'n2'];

let parts: CoreParts;
beforeAll(async () => {
  parts = await loadCoreParts();
});

const member = fc.record({
  user: fc.constantFrom(...USERS),
  role: fc.constantFrom<'viewer' | 'editor' | 'admin' | 'owner'>(
    'viewer',
    'editor',
    'admin',
    'owner',
  ),
});
const share = (from: string) =>
  fc.record({
    id: fc.constantFrom('s1', 's2'),
    resource: fc.record({ type: fc.constant('node'), id: fc.constantFrom(...RESOURCES) }),
    target_org: fc.constantFrom(...ORGS, DEFAULT_ORG).filter((t) => t !== from),
    access_role: fc.constantFrom<'viewer' | 'editor'>('viewer', 'editor'),
    state: fc.constantFrom<'accepted' | 'pending'>('accepted', 'pending'),
  });
const records: fc.Arbitrary<OrgRecord[]> = fc.tuple(
  ...ORGS.map((id) =>
    fc.record({
      id: fc.constant(id),
      status: fc.constantFrom<'active' | 'suspended'>('active', 'active', 'suspended'),
      members: fc.uniqueArray(member, { maxLength: 3, selector: (m) => m.user }),
      shares: fc.uniqueArray(share(id), { maxLength: 2, selector: (s) => s.id }),
    }),
  ),
);
const cohort = fc.record({
  orgs: fc.subarray(ORGS),
  percent: fc.integer({ min: 0, max: 100 }),
  killed: fc.boolean(),
});
const request = fc.record({
  user: fc.constantFrom(...USERS),
  action: fc.constantFrom(...ACTIONS),
  org: fc.option(fc.constantFrom(...ORGS, DEFAULT_ORG), { nil: undefined }),
  resource: fc.option(
    fc.record({
      type: fc.constant('node'),
      id: fc.constantFrom(...RESOURCES),
      org: fc.option(fc.constantFrom(...ORGS, DEFAULT_ORG), { nil: undefined }),
    }),
    { nil: undefined },
  ),
});

const answer = (d: Decision) => ({
  allow: d.allow,
  reason: d.reason,
  detail: d.detail,
  status: d.status,
  effective_org: d.effective_org,
  role: d.role,
  spoof: d.spoof,
});

describe('a staged rollout never merges orgs (compiled policy through the core)', () => {
  it('out of the cohort answers as all-off, in it as all-on; an allow stays in its org', async () => {
    await fc.assert(
      fc.asyncProperty(records, cohort, request, async (dir, c, req) => {
        const state: TenancyState = {
          killed: c.killed,
          rollout: { ...OFF_ROLLOUT, mode: 'cohort', orgs: c.orgs, percent: c.percent },
          changed_by: null,
        };
        const inCohort = (org: string) =>
          !c.killed &&
          org !== DEFAULT_ORG &&
          (c.orgs.includes(org) || inPercentCohort(org, c.percent));
        const body = {
          token: await mintHs256(TEST_SECRET, { sub: req.user }, { now: parts.now }),
          action: req.action,
          ...(req.org === undefined ? {} : { org: req.org }),
          ...(req.resource === undefined
            ? {}
            : {
                resource: {
                  type: req.resource.type,
                  id: req.resource.id,
                  ...(req.resource.org === undefined ? {} : { org: req.resource.org }),
                },
              }),
        };
        const decide = async (options: Parameters<typeof coreOver>[2]) => {
          const result = await coreOver(parts, dir, options).authorize(body);
          if (!result.ok) throw new Error(result.message);
          return result.value;
        };
        const staged = await decide({ rollout: state });
        const allOff = await decide({ multiTenant: false });
        const allOn = await decide({ multiTenant: true });
        const seen = JSON.stringify({ c, req, staged });

        const org = req.org ?? DEFAULT_ORG;
        const owner = req.resource?.org ?? org;
        const multiTenant = inCohort(org) && (owner === org || inCohort(owner));
        expect(staged.multi_tenant, seen).toBe(multiTenant);
        expect(answer(staged), seen).toEqual(answer(multiTenant ? allOn : allOff));

        if (staged.allow && staged.effective_org !== null) {
          expect(staged.effective_org, seen).toBe(org);
          if (owner !== org) {
            // only an accepted share of this very resource, from an org in the cohort
            const from = dir.find((r) => r.id === owner);
            const granted = from?.shares.some(
              (s) =>
                s.state === 'accepted' &&
                s.target_org === org &&
                s.resource.id === req.resource?.id,
            );
            expect(granted && inCohort(owner), seen).toBe(true);
          }
        }
      }),
      fuzzParams(300),
    );
  });
});
