/**
 * The decision core over org records held in memory: the real compiled policy bundle (from global
 * setup), the real HS256 authenticator, the real authorizer. For property tests that generate the
 * directory itself (an owner with a generated id, tokens bound to generated orgs), where the file
 * fixture cannot hold every case. Nothing is shared between cores.
 */
import { createAuthenticator } from '../../src/authn/index.js';
import type { Authenticator } from '../../src/authn/types.js';
import {
  createDocumentAuthorizer,
  type DocumentAuthorizer,
} from '../../src/http/inbound/document-authorizer.js';
import { createLocalTenancySwitch } from '../../src/tenancy/local-tenancy-switch.js';
import type { TenancyState } from '../../src/tenancy/rollout-state.js';
import { parseConfig } from '../../src/config/load.js';
import type { DirectoryReader, OrgRecord } from '../../src/directory/types.js';
import { createActivePolicy } from '../../src/engine/active-policy.js';
import { loadPolicyBundle } from '../../src/bundle/policy-bundle.js';
import { createPolicyEngine, type PolicyEngine } from '../../src/engine/wasm-engine.js';
import { testConfigDoc } from './app.js';
import { TEST_BUNDLE } from './paths.js';
import { TEST_SECRET, TEST_SECRET_ENV } from './tokens.js';

export const DEFAULT_ORG = 'default';

export interface CoreParts {
  engine: PolicyEngine;
  authenticator: Authenticator;
  /** Milliseconds since epoch: the clock of the authenticator and of every core built from these parts. */
  now: number;
}

/** Loads the compiled bundle and an authenticator once; build many cores from them. */
export async function loadCoreParts(now: number = Date.now()): Promise<CoreParts> {
  const engine = await createPolicyEngine(await loadPolicyBundle({ bundle: TEST_BUNDLE }));
  const config = parseConfig(testConfigDoc());
  const authenticator = await createAuthenticator(config.auth, {
    env: { [TEST_SECRET_ENV]: TEST_SECRET },
    now: () => now,
  });
  return { engine, authenticator, now };
}

/** A directory holding exactly `records` (plus the default org, always there and active). */
function directoryOf(records: OrgRecord[]): DirectoryReader {
  const byId = new Map(records.map((r) => [r.id, r]));
  if (!byId.has(DEFAULT_ORG))
    byId.set(DEFAULT_ORG, { id: DEFAULT_ORG, status: 'active', members: [], shares: [] });
  return {
    getOrg: (id) => Promise.resolve(byId.get(id) ?? null),
    listOrgsForUser: (user) =>
      Promise.resolve(
        [...byId.values()].flatMap((r) =>
          r.members.filter((m) => m.user === user).map((m) => ({ id: r.id, role: m.role })),
        ),
      ),
  };
}

export function coreOver(
  parts: CoreParts,
  records: OrgRecord[],
  options: { multiTenant?: boolean; rollout?: TenancyState } = {},
): DocumentAuthorizer {
  return createDocumentAuthorizer({
    tenancy: { default_org: DEFAULT_ORG, org_header: 'X-Org-ID', org_cookie: 'org_id' },
    authenticator: parts.authenticator,
    directory: directoryOf(records),
    policy: createActivePolicy(parts.engine),
    tenancySwitch: createLocalTenancySwitch(
      options.rollout ?? options.multiTenant ?? true,
      DEFAULT_ORG,
    ),
    now: () => parts.now,
  });
}
