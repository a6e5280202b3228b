/**
 * The generated org-boundary suite against a running instance over HTTP: every decision case
 * through `POST /v1/authorize`, every manifest route and method through `/v1/forward-auth`, the kill
 * switch flipped through the admin API. The instance is the shipped prebuilt example config as
 * `orgwarden certify` starts it (the fixture directory and issuer in place of the real ones).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/contract/logger.js';
import { FIXTURE_SECRET_ENV, fixtureSecret } from '../../src/evidence/boundary/fixture.js';
import {
  boundaryCoverage,
  runBoundaryOverHttp,
  type BoundarySuite,
} from '../../src/evidence/boundary/index.js';
import {
  CERTIFY_ADMIN_TOKEN_ENV,
  certifyInstanceConfig,
} from '../../src/evidence/certify/instance-config.js';
import { defaultPack } from './boundary-helpers.js';
import { watchContract } from '../support/contract/contract-watch.js';

const ADMIN_TOKEN = 'certify-admin-token-0123456789abcdef';
const secret = fixtureSecret();
const work = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-boundary-http-'));
let app: App;
let baseUrl: string;
let suite: BoundarySuite;

beforeAll(async () => {
  ({ suite } = await defaultPack());
  const config = loadConfigFile('examples/orgwarden-prebuilt.yaml', {
    env: { ORGWARDEN_JWT_SECRET: 'unused-by-the-instance-0123456789abcdef' },
  });
  app = await createApp(certifyInstanceConfig(config, { workDir: work }), {
    env: { [FIXTURE_SECRET_ENV]: secret, [CERTIFY_ADMIN_TOKEN_ENV]: ADMIN_TOKEN },
    logger: silentLogger,
  });
  watchContract(app);
  const { port } = await app.start();
  baseUrl = `http://127.0.0.1:${String(port)}`;
});
afterAll(async () => {
  await app.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('the generated org-boundary suite over HTTP', () => {
  it('passes every case and covers 100 % of the applicable cells', async () => {
    const runs = await runBoundaryOverHttp(suite, { baseUrl, adminToken: ADMIN_TOKEN }, secret);
    const failed = runs.flatMap((run) =>
      run.results
        .filter((r) => !r.passed)
        .map((r) => `${run.target}: ${r.name}: ${r.message ?? ''}`),
    );
    expect(failed).toEqual([]);
    expect(runs.find((r) => r.target === 'forward_auth')?.results.length).toBe(
      suite.cases.filter((c) => c.surface === 'forward_auth').length,
    );
    const coverage = boundaryCoverage(suite, runs);
    expect(coverage).toMatchObject({ percent: 100, unexercised: [], failing: [] });
    expect(coverage.passing).toBe(coverage.applicable);
    expect(app.tenancy.isMultiTenant()).toBe(true); // the run leaves the instance as it found it
  }, 180_000);
});
