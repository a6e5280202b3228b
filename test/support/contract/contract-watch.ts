/**
 * The contract test's hook: `watchContract(app)` validates every exchange of a real orgwarden
 * against openapi/orgwarden.yaml and keeps the violations; the setup file
 * (test/support/contract-setup.ts) fails the test during which they happened. createTestApp and
 * the other in-process harnesses call it, so every integration test that talks to an app is a
 * contract test without knowing it.
 *
 * State: one list per test worker (a test file), drained by the setup file after every test.
 */
import type { Server } from 'node:http';
import { loadOpenApiDocument } from '../../../src/http/openapi-document.js';
import { recordExchanges } from './exchange-recorder.js';
import { createContractValidator, type ContractValidator } from './openapi-validator.js';

let validator: Promise<ContractValidator> | null = null;
const violations: string[] = [];
const pending = new Set<Promise<void>>();

/** Validates every answer `app`'s server sends from now on. */
export function watchContract(app: { http: { server: Server } }): void {
  validator ??= loadOpenApiDocument().then(createContractValidator);
  const ready = validator;
  recordExchanges(app.http.server, (exchange) => {
    const checked = ready.then((v) => {
      violations.push(...v.check(exchange));
    });
    pending.add(checked);
    void checked.finally(() => pending.delete(checked));
  });
}

/** The violations since the last call (after the checks under way have finished). */
export async function takeContractViolations(): Promise<string[]> {
  await Promise.all(pending);
  return violations.splice(0);
}
