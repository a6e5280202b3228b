/**
 * The staged rollout of multi-tenant mode: the state every switch (in process, Redis, workers)
 * stores, and the per-org view the decision core reads.
 *
 *   rollout.mode  off     multi-tenant for no org
 *                 cohort  for the orgs listed in `orgs` and those the stable hash puts in
 *                         `percent` (cohort-hash.ts); never for the default org
 *                 on      for every org
 *   killed        the kill switch: while true every org is served `off`, and `rollout` is kept
 *                 untouched so that resuming is one command
 *
 * Invariants:
 * - The view is built once per state and never changes, so a decision that read it sees one state.
 * - An org is multi-tenant only when the switch is not killed and the rollout names it (by mode
 *   `on`, the list, or the hash); every doubt (an unreadable state) reads as `off`.
 */
import { z } from 'zod';
import { ORG_ID_PATTERN } from '../contract/ids.js';
import type { RolloutStateName, RolloutView } from '../contract/tenancy-switch.js';
import { inPercentCohort } from './cohort-hash.js';

/** The most orgs a cohort lists by name (more belong in a percentage). */
const MAX_COHORT_ORGS = 1000;
const MAX_TEXT = 500;

export interface Rollout {
  mode: RolloutStateName;
  /** Explicit cohort members (cohort only), sorted, without duplicates. */
  orgs: string[];
  /** Share of orgs by the stable hash, 0–100 with at most two decimals (cohort only). */
  percent: number;
  /** The rollout plan's stage this rollout was set as, or null when it was set by hand. */
  stage: number | null;
  /** Pinned: `orgwarden rollout advance` refuses to move on until it is released. */
  held: boolean;
  /** Who signed off the advance that set this stage (null when set by hand). */
  signed_off_by: string | null;
  /** Why it was set (an override's reason, a rollback's reason). */
  reason: string | null;
  /** When this rollout took effect (ISO time): the stage's soak time counts from here. */
  since: string | null;
}

export interface TenancyState {
  killed: boolean;
  rollout: Rollout;
  /** The actor of the last change (of the rollout or the kill switch); null for the start state. */
  changed_by: string | null;
}

export const OFF_ROLLOUT: Rollout = {
  mode: 'off',
  orgs: [],
  percent: 0,
  stage: null,
  held: false,
  signed_off_by: null,
  reason: null,
  since: null,
};

const orgId = z.string().regex(ORG_ID_PATTERN, 'must be an org id (1-64 of A-Z a-z 0-9 . _ -)');
const percent = z
  .number()
  .min(0)
  .max(100)
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, 'at most two decimals');
const text = z.string().min(1).max(MAX_TEXT);

/** The cohort part, shared by the config key, the admin API and the plan file. */
export const cohortFields = {
  mode: z.enum(['off', 'cohort', 'on'], { error: 'must be "off", "cohort" or "on"' }),
  orgs: z.array(orgId).max(MAX_COHORT_ORGS).default([]),
  percent: percent.default(0),
};

/** Refuses cohort members outside a cohort and the default org in the list; names the key. */
export function checkCohort(
  value: { mode: RolloutStateName; orgs: string[]; percent: number },
  defaultOrg: string | null,
  issues: {
    push(issue: { code: 'custom'; message: string; path: PropertyKey[]; input: unknown }): void;
  },
): void {
  if (value.mode !== 'cohort' && value.orgs.length > 0)
    issues.push({
      code: 'custom',
      message: 'only a cohort lists orgs',
      path: ['orgs'],
      input: value.orgs,
    });
  if (value.mode !== 'cohort' && value.percent !== 0)
    issues.push({
      code: 'custom',
      message: 'only a cohort has a percentage',
      path: ['percent'],
      input: value.percent,
    });
  if (defaultOrg !== null && value.orgs.includes(defaultOrg))
    issues.push({
      code: 'custom',
      message: `the default org (${defaultOrg}) is never in a cohort: it is multi-tenant only when the rollout is on`,
      path: ['orgs'],
      input: value.orgs,
    });
}

/** A stored state as a switch writes it (unknown keys from a newer version are ignored). */
export const storedRollout = z.object({
  mode: cohortFields.mode,
  orgs: z.array(orgId).max(MAX_COHORT_ORGS),
  percent,
  stage: z.number().int().min(0).nullable(),
  held: z.boolean(),
  signed_off_by: text.nullable(),
  reason: text.nullable(),
  since: z.string().nullable(),
});

/** The same rollout: every field, the listed orgs in any order. */
export function sameRollout(a: Rollout, b: Rollout): boolean {
  return (
    a.mode === b.mode &&
    a.percent === b.percent &&
    a.stage === b.stage &&
    a.held === b.held &&
    a.signed_off_by === b.signed_off_by &&
    a.reason === b.reason &&
    a.since === b.since &&
    [...a.orgs].sort().join(',') === [...b.orgs].sort().join(',')
  );
}

export function parseStoredRollout(raw: string | undefined): Rollout | null {
  if (raw === undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = storedRollout.safeParse(json);
  return parsed.success ? normalise(parsed.data) : null;
}

/** A whole state passed between the workers of one sidecar; null when it is not one. */
export function parseTenancyState(value: unknown): TenancyState | null {
  if (typeof value !== 'object' || value === null) return null;
  const { killed, rollout, changed_by } = value as Record<string, unknown>;
  const parsed = storedRollout.safeParse(rollout);
  if (typeof killed !== 'boolean' || !parsed.success) return null;
  if (changed_by !== null && typeof changed_by !== 'string') return null;
  return { killed, rollout: normalise(parsed.data), changed_by };
}

function normalise(rollout: Rollout): Rollout {
  return { ...rollout, orgs: [...new Set(rollout.orgs)].sort() };
}

export function serialiseRollout(rollout: Rollout): string {
  return JSON.stringify(normalise(rollout));
}

export const ON_ROLLOUT: Rollout = { ...OFF_ROLLOUT, mode: 'on' };

/**
 * What reads as the state when the stored one cannot be read (or before it was): every org off,
 * as the one-value switch's `false` (resuming it turns every org on, as `true` always did).
 */
export const UNREADABLE_STATE: TenancyState = {
  killed: true,
  rollout: ON_ROLLOUT,
  changed_by: null,
};

/**
 * The state a switch starts from: `tenancy.rollout` (not killed), else the one-value
 * `tenancy.multi_tenant`: `true` is the rollout `on`, `false` (the default) is the kill switch
 * engaged over the rollout `on` — so `{"multi_tenant": true}` turns every org on, as it always did.
 */
export function initialState(tenancy: {
  multi_tenant?: boolean | undefined;
  rollout?: { mode: RolloutStateName; orgs: string[]; percent: number } | undefined;
}): TenancyState {
  if (tenancy.rollout)
    return {
      killed: false,
      rollout: normalise({ ...OFF_ROLLOUT, ...tenancy.rollout }),
      changed_by: null,
    };
  return { killed: tenancy.multi_tenant !== true, rollout: ON_ROLLOUT, changed_by: null };
}

/** What a replica serves for a state. */
export function servedName(state: TenancyState): RolloutStateName {
  return state.killed ? 'off' : state.rollout.mode;
}

/** `PUT /v1/admin/tenancy {"multi_tenant": false}`: forces every org off, keeps the rollout. */
function engageKillSwitch(state: TenancyState, actor: string): TenancyState {
  return { ...state, killed: true, changed_by: actor };
}

/** `{"multi_tenant": true}`: serves the kept rollout again, exactly as it was. */
function resume(state: TenancyState, actor: string): TenancyState {
  return { ...state, killed: false, changed_by: actor };
}

/** The kill switch's one value as a change of the state (`PUT /v1/admin/tenancy`). */
export function killSwitchSetting(
  multiTenant: boolean,
  actor: string,
): (current: TenancyState) => TenancyState {
  return (current) => (multiTenant ? resume(current, actor) : engageKillSwitch(current, actor));
}

export function sameState(a: TenancyState, b: TenancyState): boolean {
  return a.killed === b.killed && serialiseRollout(a.rollout) === serialiseRollout(b.rollout);
}

/** The per-org view of a state. */
export function viewOf(state: TenancyState, defaultOrg: string): RolloutView {
  const name = servedName(state);
  if (name === 'off') return OFF_VIEW;
  if (name === 'on') return ON_VIEW;
  const listed: ReadonlySet<string> = new Set(state.rollout.orgs);
  const { percent: share } = state.rollout;
  // An org's place in the percentage is a SHA-256 away: remembered for this view (this state)
  // only, so a new percentage is judged afresh; bounded, forgotten all at once when full.
  const byHash = new Map<string, boolean>();
  const inShare = (org: string): boolean => {
    let inside = byHash.get(org);
    if (inside === undefined) {
      inside = inPercentCohort(org, share);
      if (byHash.size >= HASH_VERDICTS_HELD) byHash.clear();
      byHash.set(org, inside);
    }
    return inside;
  };
  return {
    state: 'cohort',
    isOnFor: (org) => org !== defaultOrg && (listed.has(org) || inShare(org)),
  };
}

/** Percentage verdicts a cohort view remembers (a few hundred KiB at most). */
const HASH_VERDICTS_HELD = 10_000;

const OFF_VIEW: RolloutView = { state: 'off', isOnFor: () => false };
const ON_VIEW: RolloutView = { state: 'on', isOnFor: () => true };
