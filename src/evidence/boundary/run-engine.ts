/**
 * Runs the suite's decision cases through the decision core with the compiled policy in process:
 * the fixture issuer's tokens, the fixture directory, a local kill switch set to each case's mode.
 * No network, no instance: this is the fast run `npm test` and `orgwarden certify` both make.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuthenticator } from '../../authn/index.js';
import { parseConfig } from '../../config/load.js';
import { createFileStore } from '../../directory/index.js';
import { createActivePolicy } from '../../engine/active-policy.js';
import type { PolicyEngine } from '../../engine/wasm-engine.js';
import { createDocumentAuthorizer } from '../../http/inbound/document-authorizer.js';
import { createLocalTenancySwitch } from '../../tenancy/local-tenancy-switch.js';
import { silentLogger } from '../../contract/logger.js';
import { judge } from './compare.js';
import {
  FIXTURE_AUDIENCE,
  FIXTURE_ISSUER,
  FIXTURE_SECRET_ENV,
  fixtureDirectory,
} from './fixture.js';
import type { BoundarySuite } from './generate.js';
import { authorizeDocument, createTokenMinter } from './requests.js';
import type { BoundaryRun, CaseResult } from './types.js';

/** Writes the fixture directory as a directory file into `dir` and returns its path. */
export function writeFixtureDirectory(dir: string, defaultOrg: string): string {
  const file = path.join(dir, 'certify-directory.yaml');
  writeFileSync(file, JSON.stringify(fixtureDirectory(defaultOrg), null, 2) + '\n', {
    mode: 0o600,
  });
  return file;
}

/** The `auth` section of the fixture issuer (HS256, the secret in FIXTURE_SECRET_ENV). */
const FIXTURE_AUTH = {
  issuer: FIXTURE_ISSUER,
  audience: FIXTURE_AUDIENCE,
  algorithms: ['HS256'],
  hs256_secret_env: FIXTURE_SECRET_ENV,
  clock_tolerance_s: 0,
};

export async function runBoundaryOnEngine(
  suite: BoundarySuite,
  engine: PolicyEngine,
  secret: string,
): Promise<BoundaryRun> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-boundary-'));
  try {
    const { default_org } = suite.tenancy;
    const file = writeFixtureDirectory(work, default_org);
    const config = parseConfig({ auth: FIXTURE_AUTH, directory: { file }, policy: { dir: work } });
    const now = Date.now();
    const authenticator = await createAuthenticator(config.auth, {
      env: { [FIXTURE_SECRET_ENV]: secret },
      now: () => now,
      defaultOrg: default_org,
    });
    const directory = await createFileStore(
      { file, defaultOrg: default_org },
      { log: silentLogger },
    );
    const tenancySwitch = createLocalTenancySwitch(true);
    const authorizer = createDocumentAuthorizer({
      tenancy: suite.tenancy,
      authenticator,
      directory,
      policy: createActivePolicy(engine),
      tenancySwitch,
      now: () => now,
    });
    const minter = createTokenMinter(secret, () => Math.floor(now / 1000));
    const results: CaseResult[] = [];
    try {
      for (const c of suite.cases) {
        if (c.surface !== 'decide') continue;
        await tenancySwitch.set(c.scenario.mode === 'multi', 'evidence');
        const token = await minter.tokenFor(c.scenario.principal);
        const answer = await authorizer.authorize(
          authorizeDocument(c.scenario, token, suite.tenancy),
        );
        results.push(
          answer.ok
            ? judge(c, answer.value as unknown as Record<string, unknown>)
            : judge(c, null, `refused as invalid_request: ${answer.message}`),
        );
      }
    } finally {
      await Promise.all([directory.close(), authenticator.close()]);
    }
    return { target: 'wasm', results };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
