import { defineConfig } from 'vitest/config';
import { INTEGRATION_FILES, TEST_FILES } from './test/tiers.js';

// Two projects, one per tier (test/tiers.ts): `vitest run --project unit` needs only Node.
export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: TEST_FILES, exclude: [...INTEGRATION_FILES] } },
      { extends: true, test: { name: 'integration', include: [...INTEGRATION_FILES] } },
    ],
  },
});
