/**
 * Unit tier: the cheap staleness check of the prebuilt bundle (scripts/lib/prebuilt-policy.mjs),
 * which works without OPA. A change to anything `opa build` reads (a rule, a comment, a data value)
 * or to the OPA pin makes the bundle stale; a change to a policy test or to routes.yaml does not.
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OPA_VERSION as ENGINE_OPA_VERSION } from '../../src/bundle/opa-cli.js';
import { POLICY_ENTRYPOINTS } from '../../src/bundle/entrypoints.js';
import { ENTRYPOINTS, OPA_VERSION } from '../../scripts/lib/opa-pin.mjs';
import {
  policySourceDigest,
  policySourceFiles,
  prebuiltFreshness,
} from '../../scripts/lib/prebuilt-policy.mjs';
import { checkedPrebuiltBundle } from '../support/prebuilt-policy.js';

const POLICIES = path.resolve('policies');
const copies: string[] = [];

function copyOfPolicies(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-prebuilt-'));
  copies.push(dir);
  cpSync(POLICIES, dir, { recursive: true });
  return dir;
}

afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the prebuilt policy bundle record', () => {
  it('matches the policy sources of this checkout and the revision of the committed bundle', async () => {
    expect(prebuiltFreshness()).toMatchObject({ fresh: true });
    expect((await checkedPrebuiltBundle()).bundle.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is made with the OPA version and entrypoints the sidecar compiles with', () => {
    expect(OPA_VERSION).toBe(ENGINE_OPA_VERSION);
    expect(ENTRYPOINTS).toEqual([...POLICY_ENTRYPOINTS]);
  });

  it('covers the Rego modules and data files, not the policy tests or the route manifest', () => {
    const files = policySourceFiles(POLICIES);
    expect(files).toContain('orgwarden/authz/decision.rego');
    expect(files).toContain('orgwarden/catalogue/data.json');
    expect(files.filter((name) => name.endsWith('_test.rego') || name === 'routes.yaml')).toEqual(
      [],
    );
  });

  it.each([
    ['a comment in a rule file', 'orgwarden/authz/decision.rego', '\n# a comment\n', false],
    ['a data file', 'orgwarden/catalogue/data.json', ' ', false],
    ['a policy test', 'orgwarden/authz/decision_test.rego', '\n# a comment\n', true],
    ['the route manifest', 'routes.yaml', '\n# a comment\n', true],
  ])('a change to %s (%s) leaves the bundle fresh: %s', (_what, file, appended, stillFresh) => {
    const dir = copyOfPolicies();
    const before = policySourceDigest(dir);
    expect(before).toBe(policySourceDigest(POLICIES));
    appendFileSync(path.join(dir, file), appended);
    expect(policySourceDigest(dir) === before).toBe(stillFresh);
    expect(prebuiltFreshness(dir).fresh).toBe(stillFresh);
  });

  it('a new Rego module makes the bundle stale, naming the command that rebuilds it', () => {
    const dir = copyOfPolicies();
    appendFileSync(path.join(dir, 'orgwarden', 'authz', 'extra.rego'), 'package orgwarden.authz\n');
    const freshness = prebuiltFreshness(dir);
    expect(freshness.fresh).toBe(false);
    expect(freshness.fresh ? '' : freshness.reason).toContain('npm run policy:prebuild');
  });
});
