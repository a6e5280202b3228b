/**
 * The exit criteria of a rollout stage, checked against the live metrics: the soak time since the
 * stage took effect, the stage's quiet alerts (none firing), and the rate bounds (spoof attempts,
 * org-switch failures, cross-org denials per second over the plan's window). A criterion that
 * cannot be checked (no Prometheus given, Prometheus not answering) is unmet, with that reason:
 * an advance is never made on an unknown.
 */
import type { PlanStage, RolloutPlan } from './rollout-plan.js';
import { durationSeconds } from './rollout-plan.js';
import type { PrometheusClient } from './rollout-prometheus.js';

export interface Criterion {
  name: string;
  met: boolean;
  detail: string;
}

type BoundKey = keyof PlanStage['bounds'];

const RATE_QUERIES: Record<BoundKey, { label: string; metric: string; matchers: string }> = {
  spoof_per_s: { label: 'spoof attempts', metric: 'orgwarden_spoof_attempts_total', matchers: '' },
  org_switch_failures_per_s: {
    label: 'org-switch failures',
    metric: 'orgwarden_org_switch_failures_total',
    matchers: '',
  },
  cross_org_denials_per_s: {
    label: 'cross-org denials',
    metric: 'orgwarden_decisions_total',
    matchers: 'reason="cross_org",kind!="event"',
  },
};

/** The PromQL of one bound: the per-second rate over the plan's window, summed over replicas. */
export function rateQuery(key: BoundKey, prometheus: RolloutPlan['prometheus']): string {
  const q = RATE_QUERIES[key];
  const matchers = [q.matchers, prometheus.selector].filter((m) => m !== '').join(',');
  return `sum(rate(${q.metric}{${matchers}}[${prometheus.window}]))`;
}

export async function checkExitCriteria(input: {
  plan: RolloutPlan;
  stage: PlanStage;
  /** When the current stage took effect (ISO), or null when unknown. */
  since: string | null;
  now: number;
  prometheus: PrometheusClient | null;
  progress?: (line: string) => void;
}): Promise<Criterion[]> {
  const { stage, prometheus } = input;
  const say = input.progress ?? (() => undefined);
  const criteria: Criterion[] = [];
  const add = (c: Criterion) => {
    criteria.push(c);
    say(`  ${c.met ? 'met    ' : 'UNMET  '} ${c.name}: ${c.detail}`);
  };

  const soak = durationSeconds(stage.soak) ?? 0;
  const since = input.since === null ? Number.NaN : Date.parse(input.since);
  if (soak === 0) add({ name: 'soak', met: true, detail: 'no minimum soak time' });
  else if (Number.isNaN(since))
    add({ name: 'soak', met: false, detail: `the stage's start is unknown (needs ${stage.soak})` });
  else {
    const elapsed = Math.max(0, Math.floor((input.now - since) / 1000));
    add({
      name: 'soak',
      met: elapsed >= soak,
      detail: `${formatSeconds(elapsed)} at this stage of ${stage.soak} required`,
    });
  }

  if (stage.quiet_alerts.length > 0) {
    if (!prometheus)
      add({ name: 'quiet alerts', met: false, detail: 'not checked: no --prometheus given' });
    else {
      try {
        const firing = new Set(await prometheus.firingAlerts());
        const loud = stage.quiet_alerts.filter((a) => firing.has(a));
        add({
          name: 'quiet alerts',
          met: loud.length === 0,
          detail:
            loud.length === 0
              ? `none of ${stage.quiet_alerts.join(', ')} firing`
              : `firing: ${loud.join(', ')}`,
        });
      } catch (err) {
        add({ name: 'quiet alerts', met: false, detail: `not checked: ${errorText(err)}` });
      }
    }
  }

  for (const key of Object.keys(RATE_QUERIES) as BoundKey[]) {
    const bound = stage.bounds[key];
    if (bound === undefined) continue;
    const name = `${RATE_QUERIES[key].label} rate`;
    if (!prometheus) {
      add({ name, met: false, detail: 'not checked: no --prometheus given' });
      continue;
    }
    try {
      const value = await prometheus.rate(rateQuery(key, input.plan.prometheus));
      add({
        name,
        met: value <= bound,
        detail: `${value.toPrecision(3)}/s over ${input.plan.prometheus.window}, bound ${bound}/s`,
      });
    } catch (err) {
      add({ name, met: false, detail: `not checked: ${errorText(err)}` });
    }
  }
  return criteria;
}

function formatSeconds(total: number): string {
  if (total >= 86_400) return `${(total / 86_400).toFixed(1)}d`;
  if (total >= 3600) return `${(total / 3600).toFixed(1)}h`;
  if (total >= 60) return `${(total / 60).toFixed(1)}m`;
  return `${total}s`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
