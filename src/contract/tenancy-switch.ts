/**
 * The multi-tenant kill switch as the decision core reads it: one read per decision, so no
 * decision ever sees half a flip. The switches themselves (in process, shared through Redis) live
 * in tenancy/.
 */
export interface TenancySwitch {
  isMultiTenant(): boolean;
}

/** What caused a flip of the switch this replica serves (the flips metric's `source` label). */
export const FLIP_SOURCES = ['admin', 'broadcast', 'poll', 'sync'] as const;
export type FlipSource = (typeof FLIP_SOURCES)[number];
