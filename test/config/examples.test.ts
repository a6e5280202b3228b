/**
 * The example configs are what `npm start` serves (examples/orgwarden.yaml when the pinned OPA is
 * installed, examples/orgwarden-prebuilt.yaml when it is not). Each must load in the one config
 * pass with only the environment `npm start` provides (the dev JWT secret), so a newcomer's first
 * start never stops on a config error.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';

const START_ENV = { ORGWARDEN_JWT_SECRET: 'orgwarden-dev-secret-not-for-production-0123456789' };

describe('the example configs npm start serves', () => {
  it.each(['orgwarden.yaml', 'orgwarden-prebuilt.yaml'])(
    '%s loads with only the dev secret set',
    (name) => {
      const config = loadConfigFile(path.resolve('examples', name), { env: START_ENV });
      expect(config.tenancy.default_org).toBe('default');
      expect(config.admin.token_env).toBeUndefined();
    },
  );

  it('the prebuilt one serves the committed bundle and names the route manifest', () => {
    const config = loadConfigFile(path.resolve('examples', 'orgwarden-prebuilt.yaml'), {
      env: START_ENV,
    });
    expect(config.policy.bundle).toBe(path.resolve('prebuilt', 'default-policy.tar.gz'));
    expect(config.policy.routes).toBe(path.resolve('policies', 'routes.yaml'));
  });

  it('without the dev secret, the start stops naming the variable', () => {
    expect(() =>
      loadConfigFile(path.resolve('examples', 'orgwarden-prebuilt.yaml'), { env: {} }),
    ).toThrow(/auth\.hs256_secret_env: .*ORGWARDEN_JWT_SECRET/);
  });
});
