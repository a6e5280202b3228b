/**
 * `GET /v1/policy`: what policy is serving (contract section 7), how the last load or reload went
 * (`last_reload`: ok, at, trigger, step, error) and, when a shadow candidate runs, its counts.
 */
import type { ActivePolicy } from '../../engine/active-policy.js';
import type { PolicyRollout } from '../../policy-rollout/index.js';
import { ApiError } from '../errors.js';
import type { ManagementRoute } from '../route-table.js';

type RolloutView = Pick<PolicyRollout, 'lastReload' | 'shadow'>;

/** The `GET /v1/policy` answer, or null while no policy is active (the explorer shows it too). */
export function policyStatusOf(
  policy: ActivePolicy,
  rollout?: RolloutView,
): Record<string, unknown> | null {
  const engine = policy.current();
  if (!engine) return null;
  const status: Record<string, unknown> = {
    revision: engine.revision,
    entrypoints: engine.entrypoints,
    loaded_at: engine.loadedAt.toISOString(),
  };
  if (rollout) {
    const last = rollout.lastReload();
    status.last_reload = last && {
      ok: last.ok,
      at: last.at,
      trigger: last.trigger,
      step: last.step,
      error: last.error,
      revision: last.revision,
      changed: last.changed,
    };
    const shadow = rollout.shadow.status();
    status.shadow = shadow && {
      revision: shadow.revision,
      loaded_at: shadow.loaded_at,
      evaluated: shadow.evaluated,
      agreed: shadow.agreed,
      disagreed: shadow.disagreed,
      errors: shadow.errors,
      dropped: shadow.dropped,
    };
  }
  return status;
}

export function policyStatusRoutes(policy: ActivePolicy, rollout?: RolloutView): ManagementRoute[] {
  return [
    {
      surface: 'management',
      method: 'GET',
      path: '/v1/policy',
      operation: 'policy_status',
      auth: 'caller',
      handle(_req, res) {
        const status = policyStatusOf(policy, rollout);
        if (!status) throw new ApiError('unavailable', 'no policy is active');
        res.json(status);
      },
    },
  ];
}
