/**
 * A token bound to several orgs that names none is never a spoof attempt. For generated bindings
 * (two to four distinct orgs, existing or not) and every action of the catalogue, a request that
 * names no org answers spoof: false; `orgs.list` is allowed in the first org of the binding when
 * that org exists and is active, and every action about one org is refused with invalid_org /
 * org_required. Control: naming an org outside the binding is always a spoof attempt.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAcceptableOrgId } from '../../src/contract/ids.js';
import type { OrgRecord } from '../../src/directory/types.js';
import { grammarOrgId } from '../support/arbitraries.js';
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
const ORG_FREE = new Set(['orgs.list', 'orgs.create']);
const RECORDS: OrgRecord[] = [
  { id: 'acme', status: 'active', members: [], shares: [] },
  { id: 'globex', status: 'active', members: [], shares: [] },
  { id: 'frozen', status: 'suspended', members: [], shares: [] },
];
const ACTIVE = new Set(['acme', 'globex', DEFAULT_ORG]);

let parts: CoreParts;
beforeAll(async () => {
  parts = await loadCoreParts();
});

const boundOrg = fc.oneof(
  fc.constantFrom('acme', 'globex', 'frozen', DEFAULT_ORG),
  grammarOrgId.filter((id) => isAcceptableOrgId(id, DEFAULT_ORG)),
);
const binding = fc.uniqueArray(boundOrg, { minLength: 2, maxLength: 4 });
const scope = fc.constantFrom('*', 'settings:read', 'settings:read settings:write monitoring:read');

const tokenFor = (orgIds: string[], scopes: string) =>
  mintHs256(
    TEST_SECRET,
    { sub: 'tok-multi', kind: 'api_token', scope: scopes, org_ids: orgIds },
    { now: parts.now },
  );

describe('tokens bound to several orgs (compiled policy through the core)', () => {
  it('naming no org is never a spoof attempt; orgs.list is allowed in the binding, the rest needs an org', async () => {
    await fc.assert(
      fc.asyncProperty(
        binding,
        scope,
        fc.constantFrom(...ACTIONS),
        async (orgIds, scopes, action) => {
          const result = await coreOver(parts, RECORDS).authorize({
            token: await tokenFor(orgIds, scopes),
            action,
          });
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          const d = result.value;
          const seen = JSON.stringify({ orgIds, scopes, action, d });
          expect(d.spoof, seen).toBe(false);
          if (!ORG_FREE.has(action))
            expect({ reason: d.reason, detail: d.detail }, seen).toEqual({
              reason: 'invalid_org',
              detail: 'org_required',
            });
          if (action === 'orgs.list') {
            const first = orgIds[0]!;
            expect(d.allow, seen).toBe(ACTIVE.has(first));
            if (d.allow) expect(d.effective_org).toBe(first);
          }
        },
      ),
      fuzzParams(400),
    );
  });

  it('naming an org outside the binding is always a spoof attempt', async () => {
    await fc.assert(
      fc.asyncProperty(
        binding,
        fc.constantFrom('acme', 'globex', DEFAULT_ORG),
        fc.constantFrom(...ACTIONS),
        async (orgIds, named, action) => {
          fc.pre(!orgIds.includes(named));
          const decided = await coreOver(parts, RECORDS).authorize({
            token: await tokenFor(orgIds, '*'),
            org: named,
            action,
          });
          expect(decided.ok && decided.value).toMatchObject({
            allow: false,
            reason: 'access_denied',
            detail: 'token_org_mismatch',
            spoof: true,
          });
        },
      ),
      fuzzParams(200),
    );
  });
});
