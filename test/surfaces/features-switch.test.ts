/**
 * GET /v1/features reads the kill switch on every request. The surface is mounted on the real
 * management app and HTTP server over a real authorizer (compiled policy, HS256, file directory)
 * whose multi-tenant switch the test flips between two requests.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/authn/index.js';
import { createAuthorizer } from '../../src/authz/authorizer.js';
import { createLocalTenancySwitch } from '../../src/tenancy/local-tenancy-switch.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/contract/logger.js';
import { createFileStore } from '../../src/directory/index.js';
import { createActivePolicy } from '../../src/engine/active-policy.js';
import { loadPolicyBundle } from '../../src/bundle/policy-bundle.js';
import { createPolicyEngine } from '../../src/engine/wasm-engine.js';
import { createManagementApp } from '../../src/http/management-app.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createAdminGuard } from '../../src/http/admin-auth.js';
import { featuresRoutes } from '../../src/http/routes/features.js';
import { FIXTURE_DIRECTORY, TEST_BUNDLE, session, testConfigDoc } from '../support/app.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';
import type { ResponseBody } from '../support/response-body.js';

const tenancySwitch = createLocalTenancySwitch(true);
let server: HttpServer;
let url: string;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const config = parseConfig(testConfigDoc());
  const authenticator = await createAuthenticator(config.auth, {
    env: { [TEST_SECRET_ENV]: TEST_SECRET },
  });
  const directory = await createFileStore(
    { file: FIXTURE_DIRECTORY, defaultOrg: 'default' },
    { log: silentLogger },
  );
  closers.push(
    () => authenticator.close(),
    () => directory.close(),
  );
  const policy = createActivePolicy(
    await createPolicyEngine(await loadPolicyBundle({ bundle: TEST_BUNDLE })),
  );
  const authorizer = createAuthorizer({
    tenancy: config.tenancy,
    authenticator,
    directory,
    policy,
    tenancySwitch,
    fanoutYieldEvery: config.server.fanout_yield_every,
  });
  const management = createManagementApp({
    routes: featuresRoutes({ authorizer }),
    adminGuard: createAdminGuard([]),
    onError: () => undefined,
  });
  server = createHttpServer({ dispatchDecision: () => null, management });
  const address = await server.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await server.close(1000);
  for (const close of closers) await close();
});

it('follows the switch from one request to the next, without a restart', async () => {
  const authorization = `Bearer ${await session('alice')}`;
  const get = async () =>
    (await fetch(`${url}/v1/features`, { headers: { authorization } })).text();

  expect(JSON.parse(await get())).toEqual({
    multi_tenant: true,
    orgs: [
      { id: 'default', role: 'viewer' },
      { id: 'acme', role: 'owner' },
      { id: 'globex', role: 'viewer' },
    ],
  });
  await tenancySwitch.set(false, 'test');
  expect(await get()).toBe('{"multi_tenant":false}');
  await tenancySwitch.set(true, 'test');
  expect((JSON.parse(await get()) as ResponseBody).orgs).toHaveLength(3);
});
