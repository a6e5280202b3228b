/**
 * Replays decision-table cases through the decision core: real tokens (HS256, or ES256 from an
 * unreachable JWKS for `keys: unavailable`), the file directory fixture (or one that cannot answer)
 * and the policy engine a case names. Each case asserts the decision fields it names, and that
 * `status` is the contract's status for its reason.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { createAuthenticator } from '../../src/authn/index.js';
import {
  createDocumentAuthorizer,
  type DocumentAuthorizer,
} from '../../src/http/inbound/document-authorizer.js';
import { REASON_STATUS } from '../../src/contract/reasons.js';
import { createLocalTenancySwitch } from '../../src/tenancy/local-tenancy-switch.js';
import { parseConfig } from '../../src/config/load.js';
import { createFileStore } from '../../src/directory/index.js';
import { DirectoryUnavailableError, type DirectoryReader } from '../../src/directory/types.js';
import { createActivePolicy } from '../../src/engine/active-policy.js';
import type { PolicyEngine } from '../../src/engine/wasm-engine.js';
import { testConfigDoc } from './app.js';
import type { Case } from './decision-table-schema.js';
import { FIXTURE_DIRECTORY } from './paths.js';
import { TEST_SECRET, TEST_SECRET_ENV, createTestKeys, mintHs256 } from './tokens.js';

const unavailable: DirectoryReader = {
  getOrg: () => Promise.reject(new DirectoryUnavailableError('store cannot answer')),
  listOrgsForUser: () => Promise.reject(new DirectoryUnavailableError('store cannot answer')),
};

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What a case runs against: its authorizer, its credential, its `/v1/authorize` document. */
export interface CaseWorld {
  authorizerFor: (c: Case) => DocumentAuthorizer;
  /** The case's token (undefined: `token: none`). */
  tokenFor: (c: Case) => Promise<string | undefined>;
  bodyFor: (c: Case) => Promise<Record<string, unknown>>;
}

/**
 * A function that runs one case and asserts its expectations. `engines` holds the engine for
 * `default` (cases without `policy`) and for each broken policy the cases given to it name.
 */
export async function createCaseRunner(
  engines: Readonly<Record<string, PolicyEngine>>,
): Promise<(c: Case) => Promise<void>> {
  const { authorizerFor, bodyFor } = await createCaseWorld(engines);
  return async (c) => {
    const result = await authorizerFor(c).authorize(await bodyFor(c));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const decision = result.value;
    expect(decision).toMatchObject(c.expect);
    expect(decision.status).toBe(REASON_STATUS[c.expect.reason]);
    expect(decision.multi_tenant).toBe(c.mode !== 'single');
    if (decision.allow) expect(decision.spoof).toBe(false);
  };
}

/** The world the cases run in (another surface's replay of the tables builds on it). */
export async function createCaseWorld(
  engines: Readonly<Record<string, PolicyEngine>>,
): Promise<CaseWorld> {
  const NOW = Date.now();
  // No wait for a revision the fixture never reaches (its counter stays 0): it is denied at once.
  const file = await createFileStore({
    file: FIXTURE_DIRECTORY,
    defaultOrg: 'default',
    revision_wait_ms: 0,
  });
  const config = parseConfig(testConfigDoc());
  const authenticator = await createAuthenticator(config.auth, {
    env: { [TEST_SECRET_ENV]: TEST_SECRET },
    now: () => NOW,
  });
  const remote = {
    ...config.auth,
    algorithms: ['ES256'],
    hs256_secret_env: undefined,
    jwks_url: `http://127.0.0.1:${await closedPort()}/jwks`,
  };
  const keysDown = {
    authenticator: await createAuthenticator(remote, { env: {}, now: () => NOW }),
    keys: await createTestKeys('ES256'),
  };

  function authorizerFor(c: Case): DocumentAuthorizer {
    const engine = engines[c.policy ?? 'default'];
    if (!engine)
      throw new Error(
        `case ${JSON.stringify(c.name)}: no engine for policy ${c.policy ?? 'default'} here`,
      );
    return createDocumentAuthorizer({
      tenancy: { default_org: 'default', org_header: 'X-Org-ID', org_cookie: 'org_id' },
      authenticator: c.keys === 'unavailable' ? keysDown.authenticator : authenticator,
      directory: c.directory === 'unavailable' ? unavailable : file,
      policy: createActivePolicy(engine),
      tenancySwitch: createLocalTenancySwitch(c.mode !== 'single'),
      now: () => NOW,
    });
  }

  async function tokenFor(c: Case): Promise<string | undefined> {
    if (c.token === 'none') return undefined;
    if (c.token === 'garbage') return 'not.a.jwt';
    const { sub, auth_age_s, ...claims } = c.as ?? { sub: 'anonymous' };
    const nowS = Math.floor(NOW / 1000);
    const all = {
      sub,
      ...claims,
      ...(auth_age_s !== undefined ? { auth_time: nowS - auth_age_s } : {}),
    };
    if (c.token === 'expired')
      return mintHs256(TEST_SECRET, { ...all, iat: nowS - 7200, exp: nowS - 3600 }, { now: NOW });
    if (c.token === 'wrong_audience')
      return mintHs256(TEST_SECRET, { ...all, aud: 'another-service' }, { now: NOW });
    if (c.token === 'wrong_signature')
      return mintHs256('another-secret-of-at-least-32-bytes!!', all, { now: NOW });
    if (c.keys === 'unavailable') return keysDown.keys.mint(all, { now: NOW });
    return mintHs256(TEST_SECRET, all, { now: NOW });
  }

  async function bodyFor(c: Case): Promise<Record<string, unknown>> {
    const token = await tokenFor(c);
    const { headers, ...rest } = c.request;
    if (c.via === 'headers' || headers) {
      return {
        ...rest,
        headers: {
          ...headers,
          ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        },
      };
    }
    return { ...rest, token: token ?? '' };
  }

  return { authorizerFor, tokenFor, bodyFor };
}
