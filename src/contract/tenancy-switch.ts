/**
 * The multi-tenant switch as the decision core reads it: a staged rollout. One read per decision
 * (`view()` returns an immutable snapshot), so no decision ever sees half a change. The switches
 * themselves (in process, shared through Redis) live in tenancy/.
 */

/** What a replica serves: multi-tenant for no org, for a cohort of orgs, or for every org. */
export type RolloutStateName = 'off' | 'cohort' | 'on';

/** One immutable snapshot of the rollout. */
export interface RolloutView {
  /** `off` while the kill switch is engaged, whatever rollout it keeps. */
  readonly state: RolloutStateName;
  /**
   * Whether multi-tenant is on for this org. Invariant: false for every org when `state` is `off`;
   * in a cohort, false for the default org (it stays single-tenant until the rollout is `on`).
   */
  isOnFor(org: string): boolean;
}

export interface TenancySwitch {
  /** Multi-tenant is on for at least one org (the rollout is not `off`). */
  isMultiTenant(): boolean;
  /** The rollout this replica serves now; a decision reads it once. */
  view(): RolloutView;
}

/** What caused a flip of the switch this replica serves (the flips metric's `source` label). */
export const FLIP_SOURCES = ['admin', 'broadcast', 'poll', 'sync'] as const;
export type FlipSource = (typeof FLIP_SOURCES)[number];
