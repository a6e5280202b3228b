/**
 * The stable hash that puts an org in or out of a percentage cohort.
 *
 * An org's bucket is the first four bytes of SHA-256("orgwarden-rollout:" + org id), as an
 * unsigned integer, modulo 10 000. The org is in a p% cohort when its bucket is below p × 100.
 *
 * Invariant: the bucket depends on the org id alone (not on the replica, the process, the time
 * or the other orgs), so every replica agrees, and an org in at p% is in at every q ≥ p: raising
 * the percentage only ever adds orgs, and lowering it only ever removes them.
 */
import { createHash } from 'node:crypto';

export const COHORT_BUCKETS = 10_000;

export function cohortBucket(org: string): number {
  return (
    createHash('sha256').update(`orgwarden-rollout:${org}`).digest().readUInt32BE(0) %
    COHORT_BUCKETS
  );
}

/** `percent` is 0–100 with at most two decimals (validated where it enters). */
export function inPercentCohort(org: string, percent: number): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  return cohortBucket(org) < Math.round(percent * 100);
}
