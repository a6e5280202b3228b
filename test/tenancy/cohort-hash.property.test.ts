/**
 * The percentage cohort's stable hash: an org in at p% is in at every q ≥ p (raising the
 * percentage only adds orgs), the bucket depends on the org id alone, and a percentage takes
 * about that share of orgs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COHORT_BUCKETS, cohortBucket, inPercentCohort } from '../../src/tenancy/cohort-hash.js';
import { OFF_ROLLOUT, viewOf, type TenancyState } from '../../src/tenancy/rollout-state.js';
import { grammarOrgId } from '../support/arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';

const percent = fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100);

describe('cohort hash', () => {
  it('an org in at p% stays in at every q >= p', () => {
    fc.assert(
      fc.property(grammarOrgId, percent, percent, (org, a, b) => {
        const [p, q] = a <= b ? [a, b] : [b, a];
        if (inPercentCohort(org, p)) expect(inPercentCohort(org, q)).toBe(true);
        if (!inPercentCohort(org, q)) expect(inPercentCohort(org, p)).toBe(false);
      }),
      fuzzParams(2000),
    );
  });

  it('0% holds no org, 100% every org; the bucket is fixed by the id alone', () => {
    fc.assert(
      fc.property(grammarOrgId, (org) => {
        expect(inPercentCohort(org, 0)).toBe(false);
        expect(inPercentCohort(org, 100)).toBe(true);
        const bucket = cohortBucket(org);
        expect(bucket).toBeGreaterThanOrEqual(0);
        expect(bucket).toBeLessThan(COHORT_BUCKETS);
        expect(cohortBucket(org)).toBe(bucket);
      }),
      fuzzParams(500),
    );
  });

  it('pins the hash: these buckets are the ones every replica and version computes', () => {
    // Changing the hash would move orgs in and out of a running cohort: this must never change.
    expect(['acme', 'globex', 'initech'].map(cohortBucket)).toMatchInlineSnapshot(`
      [
        4801,
        2383,
        2630,
      ]
    `);
  });

  it('a percentage takes about that share of orgs', () => {
    const orgs = Array.from({ length: 20_000 }, (_, i) => `org-${i}`);
    for (const p of [1, 10, 30, 75]) {
      const share = orgs.filter((o) => inPercentCohort(o, p)).length / orgs.length;
      expect(Math.abs(share * 100 - p)).toBeLessThan(1);
    }
  });
});

describe('a cohort view', () => {
  it('answers what the hash answers for every org, from memory too, past its memory bound', () => {
    const state: TenancyState = {
      killed: false,
      rollout: { ...OFF_ROLLOUT, mode: 'cohort', orgs: ['listed'], percent: 37 },
      changed_by: null,
    };
    const view = viewOf(state, 'default');
    const orgs = Array.from({ length: 25_000 }, (_, i) => `org-${i}`);
    for (let pass = 0; pass < 2; pass++)
      for (const org of orgs) expect(view.isOnFor(org), org).toBe(inPercentCohort(org, 37));
    expect([view.isOnFor('listed'), view.isOnFor('default')]).toEqual([true, false]);
  });
});
