/**
 * Reading the action catalogue and the reasons table out of a loaded policy's data
 * (`data.orgwarden.catalogue`). Pure functions over plain data: forward-auth checks its route
 * manifest against the actions, and a policy reload checks the candidate keeps the vocabulary the
 * code relies on.
 */
import { ACTIONS_THE_CODE_USES } from './actions.js';
import { REASON_STATUS } from './reasons.js';

/** Actions the policy knows, with the flag forward-auth needs (org management = invisible when single-tenant). */
export type ActionCatalogue = ReadonlyMap<string, { org_management: boolean }>;

function catalogueOf(data: Readonly<Record<string, unknown>>): Record<string, unknown> | null {
  const catalogue = (data.orgwarden as { catalogue?: unknown } | undefined)?.catalogue;
  return isObject(catalogue) ? catalogue : null;
}

/** The action catalogue from the loaded policy's data (`data.orgwarden.catalogue.actions`). */
export function catalogueFromPolicyData(
  data: Readonly<Record<string, unknown>>,
): ActionCatalogue | null {
  const actions = catalogueOf(data)?.actions;
  if (!isObject(actions)) return null;
  const out = new Map<string, { org_management: boolean }>();
  for (const [name, entry] of Object.entries(actions)) {
    // Anything but an explicit `false` counts as org management: the narrower, more invisible answer.
    out.set(name, {
      org_management: (entry as { org_management?: unknown } | null)?.org_management !== false,
    });
  }
  return out;
}

/** What a policy's data lacks (or says differently) of the vocabulary the code relies on. */
export interface VocabularyGaps {
  /** Actions the code names that the catalogue does not list. */
  actions: string[];
  /** Reasons missing from the reasons table, or listed with another status than the code's. */
  reasons: string[];
}

export function vocabularyGaps(data: Readonly<Record<string, unknown>>): VocabularyGaps {
  const actions = catalogueFromPolicyData(data);
  const reasons = catalogueOf(data)?.reasons;
  return {
    actions: ACTIONS_THE_CODE_USES.filter((action) => !actions?.has(action)),
    reasons: Object.entries(REASON_STATUS)
      .filter(([reason, status]) => !isObject(reasons) || reasons[reason] !== status)
      .map(([reason]) => reason),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
