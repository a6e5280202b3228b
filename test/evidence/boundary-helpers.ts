/** The default policy pack and its route manifest, as the boundary suite tests load them. */
import { readFileSync } from 'node:fs';
import { loadPolicyBundle } from '../../src/bundle/policy-bundle.js';
import { catalogueFromPolicyData } from '../../src/contract/policy-catalogue.js';
import { createPolicyEngine, type PolicyEngine } from '../../src/engine/wasm-engine.js';
import { generateBoundarySuite, type BoundarySuite } from '../../src/evidence/boundary/index.js';
import { parseRouteManifest } from '../../src/surfaces/forward-auth/manifest.js';
import { TEST_BUNDLE } from '../support/paths.js';

const TENANCY = { default_org: 'default', org_header: 'X-Org-ID', org_cookie: 'org_id' };
const MANIFEST = 'policies/routes.yaml';

export async function defaultPack(): Promise<{ engine: PolicyEngine; suite: BoundarySuite }> {
  const engine = await createPolicyEngine(await loadPolicyBundle({ bundle: TEST_BUNDLE }));
  const catalogue = catalogueFromPolicyData(engine.data);
  if (!catalogue) throw new Error('the default policy pack has no action catalogue');
  const routes = parseRouteManifest(readFileSync(MANIFEST, 'utf8'), MANIFEST, catalogue).routes;
  return { engine, suite: generateBoundarySuite({ data: engine.data, routes, tenancy: TENANCY }) };
}
