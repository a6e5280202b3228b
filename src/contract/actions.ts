/**
 * The actions the code itself names. Every other action is only data (the catalogue, the route
 * manifest, the caller's request); these are written into surfaces, so a policy whose catalogue
 * lacks one is refused at load (policy-rollout's `vocabulary` step) instead of denying them all.
 */

/** A principal sees an org in its list (features: the org switcher). */
export const LIST_ORGS_ACTION = 'orgs.list';
/** A recipient may receive a realtime event (events/filter). */
export const EVENT_ACTION = 'events.receive';

export const ACTIONS_THE_CODE_USES = [LIST_ORGS_ACTION, EVENT_ACTION] as const;
