/**
 * The staged rollout's metrics (docs/metrics.md, docs/rollout.md), on the app's registry:
 *
 *   orgwarden_rollout_state{state}            1 for the state this replica serves (off|cohort|on),
 *                                             0 for the others; `off` while the kill switch is engaged
 *   orgwarden_rollout_killed                  1 while the kill switch is engaged
 *   orgwarden_rollout_cohort_percent          the cohort's percentage by the stable hash (0–100)
 *   orgwarden_rollout_cohort_orgs             orgs the cohort lists by name
 *   orgwarden_rollout_stage_index             the plan stage last set through the API, -1 when none
 *   orgwarden_rollout_advances_total{criteria}  advances taken by this replica's admin API:
 *                                             `met`, or `overridden` (forced past unmet criteria)
 *
 * The gauges read the switch at scrape time; every series exists from the start (the counter at
 * zero for both values). With several workers the gauges are combined by `max`: the workers serve
 * the same state outside the moment of a change.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

const STATES = ['off', 'cohort', 'on'] as const;
export const ADVANCE_CRITERIA = ['met', 'overridden'] as const;
type AdvanceCriteria = (typeof ADVANCE_CRITERIA)[number];

/** What the gauges read (the tenancy control's status, structurally). */
export interface RolloutMetricsSource {
  status(): {
    state: (typeof STATES)[number];
    killed: boolean;
    rollout: { orgs: readonly string[]; percent: number; stage: number | null };
  };
}

export interface RolloutMetrics {
  /** Count one advance made through this replica's admin API. */
  advanced(criteria: AdvanceCriteria): void;
}

export function createRolloutMetrics(
  registry: Registry,
  source: RolloutMetricsSource,
): RolloutMetrics {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      aggregator: 'max',
      collect() {
        this.set(read());
      },
    });
  new Gauge({
    name: 'orgwarden_rollout_state',
    help: 'The multi-tenant rollout this replica serves: 1 for its state (off|cohort|on), 0 for the others; off while killed.',
    labelNames: ['state'] as const,
    registers,
    aggregator: 'max',
    collect() {
      const served = source.status().state;
      for (const state of STATES) this.set({ state }, state === served ? 1 : 0);
    },
  });
  gauge('orgwarden_rollout_killed', 'The kill switch: 1 engaged (every org off), 0 not.', () =>
    source.status().killed ? 1 : 0,
  );
  gauge(
    'orgwarden_rollout_cohort_percent',
    'The share of orgs (0-100) the stable hash puts in the cohort of the kept rollout.',
    () => source.status().rollout.percent,
  );
  gauge(
    'orgwarden_rollout_cohort_orgs',
    'The orgs the kept rollout lists by name in its cohort.',
    () => source.status().rollout.orgs.length,
  );
  gauge(
    'orgwarden_rollout_stage_index',
    'The rollout plan stage last set through the admin API, -1 when none.',
    () => source.status().rollout.stage ?? -1,
  );
  const advances = new Counter({
    name: 'orgwarden_rollout_advances_total',
    help: 'Rollout advances made through this replica: criteria met, or overridden (forced past unmet exit criteria).',
    labelNames: ['criteria'] as const,
    registers,
  });
  for (const criteria of ADVANCE_CRITERIA) advances.inc({ criteria }, 0);
  return { advanced: (criteria) => advances.inc({ criteria }) };
}
