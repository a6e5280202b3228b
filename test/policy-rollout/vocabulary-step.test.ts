/**
 * A policy load refuses a candidate whose catalogue drops what the code relies on: an action a
 * surface names (features' `orgs.list`, events' `events.receive`), or a reason of the contract
 * (or gives one another status, which would turn every decision with it into policy_error). The
 * candidates are the default pack with its catalogue data edited, compiled by the pinned OPA.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { loadCandidate, PolicyRejectedError } from '../../src/policy-rollout/policy-loader.js';
import { startTestApp } from '../support/app.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { candidatePolicies, compile, reload, scratch, type Scratch } from './helpers.js';

const DATA = 'orgwarden/catalogue/data.json';
let tmp: Scratch;
const apps: App[] = [];
beforeAll(() => {
  tmp = scratch();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop()));
});
afterAll(() => tmp.remove());

async function rejection(
  name: string,
  edits: Record<string, [string, string]>,
): Promise<PolicyRejectedError> {
  const bundle = tmp.write(`${name}.tar.gz`, await compile(candidatePolicies(tmp, name, edits)));
  const err: unknown = await loadCandidate(
    { bundle },
    { verificationKey: null, now: () => new Date() },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PolicyRejectedError);
  return err as PolicyRejectedError;
}

describe('the vocabulary step of a policy load', () => {
  it('refuses a catalogue that renames an action the code names, naming it', async () => {
    const err = await rejection('no-events', {
      [DATA]: ['"events.receive":', '"events.deliver":'],
    });
    expect(err.step).toBe('vocabulary');
    expect(err.message).toBe(
      "this policy's catalogue lacks action(s) the code relies on: events.receive",
    );
  });

  it('refuses a catalogue without a reason, or with another status for one, naming each', async () => {
    const err = await rejection('fewer-reasons', { [DATA]: ['"keys_unavailable": 503,\n', ''] });
    expect(err.step).toBe('vocabulary');
    expect(err.message).toBe(
      "this policy's catalogue lacks reason(s), or gives them another status than the code: keys_unavailable",
    );
    const changed = await rejection('other-status', {
      [DATA]: ['"cross_org": 403,', '"cross_org": 404,'],
    });
    expect(changed.message).toBe(
      "this policy's catalogue lacks reason(s), or gives them another status than the code: cross_org",
    );
  });

  it('accepts the default pack', async () => {
    const candidate = await loadCandidate(
      { bundle: TEST_BUNDLE },
      { verificationKey: null, now: () => new Date() },
    );
    expect(candidate.engine.revision).toMatch(/^sha256:/);
  });

  it('on a reload: 422 at step vocabulary, and the active policy keeps serving', async () => {
    const file = tmp.publish('served.tar.gz', readFileSync(TEST_BUNDLE));
    const { app, url } = await startTestApp({ extra: { policy: { bundle: file, watch: false } } });
    apps.push(app);
    const revision = app.policy.current()!.revision;
    tmp.publish(
      'served.tar.gz',
      await compile(
        candidatePolicies(tmp, 'no-orgs-list', { [DATA]: ['"orgs.list":', '"orgs.index":'] }),
      ),
    );
    const res = await reload(url);
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({
      code: 'policy_rejected',
      step: 'vocabulary',
      message: expect.stringContaining('orgs.list') as unknown,
    });
    expect(app.policy.current()!.revision).toBe(revision);
  });
});
