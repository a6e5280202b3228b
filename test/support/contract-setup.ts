/**
 * Setup file of both test tiers: an exchange with a real orgwarden that breaks
 * openapi/orgwarden.yaml (see support/contract/) fails the test during which it happened, or the
 * file when it happened in a hook after the last test.
 */
import { afterAll, afterEach } from 'vitest';
import { takeContractViolations } from './contract/contract-watch.js';

async function failOnViolations(): Promise<void> {
  const violations = await takeContractViolations();
  if (violations.length > 0)
    throw new Error(
      `the API answered outside its OpenAPI document (openapi/orgwarden.yaml):\n${violations.join('\n')}`,
    );
}

afterEach(failOnViolations);
afterAll(failOnViolations);
