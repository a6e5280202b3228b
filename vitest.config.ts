import { defineConfig } from 'vitest/config';
import { INTEGRATION_FILES, TEST_FILES } from './test/tiers.js';

// Both tiers load the default policy from the committed prebuilt bundle, checked first.
const PREBUILT_POLICY = 'test/support/global-setup.ts';

// Two projects, one per tier (test/tiers.ts): `vitest run --project unit` needs only Node.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // An answer outside openapi/orgwarden.yaml fails the test that caused it (docs/openapi.md).
    setupFiles: ['test/support/contract-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      // Worker threads start faster than forks; unit tests share no process state (no chdir, no
      // signal handlers, no env changes), which the threads pool requires.
      {
        extends: true,
        test: {
          name: 'unit',
          pool: 'threads',
          include: TEST_FILES,
          exclude: [...INTEGRATION_FILES],
          globalSetup: [PREBUILT_POLICY],
        },
      },
      // dist/ is built for the tests that run the orgwarden command as a real process.
      {
        extends: true,
        test: {
          name: 'integration',
          include: [...INTEGRATION_FILES],
          globalSetup: [PREBUILT_POLICY, 'test/support/build-dist.ts'],
        },
      },
    ],
  },
});
