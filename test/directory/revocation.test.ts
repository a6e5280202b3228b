/**
 * Revocation across replicas: two apps share the Redis at 127.0.0.1:6379 (own key prefix). After a
 * DELETE answers on A, A denies at once and B denies within a generous deadline (the measured
 * figures are printed; bench/revocation.mjs measures them between two processes). Also: after
 * every write of a mixed sequence, both replicas agree on every org.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIRECTORY } from '../support/app.js';
import { deletePrefix, uniquePrefix, SHARED_REDIS_URL } from './helpers.js';
import { mixedWrites, revocations, startReplicas, type Replica } from './replica-scenarios.js';

const prefix = uniquePrefix();
let a: Replica | undefined;
let b: Replica | undefined;

beforeAll(async () => {
  // A command timeout far above Redis's real latency: a loaded test machine must not turn into
  // directory_unavailable here (the fail-fast path has its own tests).
  [a, b] = await startReplicas(
    { url: SHARED_REDIS_URL, key_prefix: prefix, command_timeout_ms: 1000 },
    FIXTURE_DIRECTORY,
  );
});

afterAll(async () => {
  await Promise.all([a?.app.stop(), b?.app.stop()]);
  await deletePrefix(prefix);
});

describe('two replicas on one Redis', () => {
  it('a revoked member is denied by A at once and by B within the deadline, 200 times', async () => {
    const figures = await revocations(a!, b!, 'acme', 200, 1000);
    expect(figures.count).toBe(200);
  });

  it('agree on every org after every write of a mixed sequence', async () => {
    await mixedWrites(a!, b!, ['acme', 'globex', 'frozen', 'mx1', 'mx2', 'mx3'], 150, 1000);
  });
});
