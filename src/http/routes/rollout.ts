/**
 * The staged rollout over HTTP (docs/rollout.md, docs/http.md): `GET|PUT /v1/admin/rollout` with
 * the admin token.
 *
 * PUT sets the whole rollout the switch keeps: `{"mode": "off"|"cohort"|"on", "orgs": [...],
 * "percent": N, "stage": N|null, "held": bool, "signed_off_by": NAME|null, "reason": TEXT|null,
 * "criteria": "met"|"overridden", "expected_rollout": {...}}` (all but `mode` optional; `criteria`
 * marks an advance of the plan and is counted in `orgwarden_rollout_advances_total`;
 * `expected_rollout` is the rollout as the caller read it: when the kept one differs, by the time
 * the change is written, the answer is 409 `conflict` and nothing changes). It never touches the kill switch:
 * while it is engaged, the new rollout is kept and served once `PUT /v1/admin/tenancy
 * {"multi_tenant": true}` resumes. A bad body is 400 naming the field and changes nothing; a store
 * that does not answer is 503 as for the kill switch. When PUT answers 200, this replica serves the
 * new rollout; the others follow within one second.
 */
import { z } from 'zod';
import type { Logger } from '../../contract/logger.js';
import { parseDocument } from '../../contract/parse-document.js';
import { ADVANCE_CRITERIA, type RolloutMetrics } from '../../observability/rollout-metrics.js';
import type { Rollout, TenancyControl } from '../../tenancy/index.js';
import {
  checkCohort,
  cohortFields,
  sameRollout,
  sameState,
  storedRollout,
} from '../../tenancy/rollout-state.js';
import { ApiError } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import type { ManagementRoute } from '../route-table.js';
import { changeOrUnavailable } from './tenancy.js';
import { adminActor } from '../admin-auth.js';
import { auditedRequest } from '../audited-request.js';
import type { AuditLog } from '../../audit/index.js';

const PATH = '/v1/admin/rollout';
/** A thousand listed org ids fit with room to spare. */
const MAX_BODY_BYTES = 128 * 1024;
const text = z.string().min(1).max(500);

function rolloutBody(defaultOrg: string) {
  return z
    .strictObject({
      ...cohortFields,
      stage: z.number().int().min(0).nullable().default(null),
      held: z.boolean().default(false),
      signed_off_by: text.nullable().default(null),
      reason: text.nullable().default(null),
      criteria: z.enum(ADVANCE_CRITERIA).optional(),
      expected_rollout: storedRollout.optional(),
    })
    .check((payload) => {
      const body = payload.value;
      checkCohort(body, defaultOrg, payload.issues);
      if (body.criteria !== undefined && (body.stage === null || body.signed_off_by === null))
        payload.issues.push({
          code: 'custom',
          message: 'an advance (criteria) names its stage and who signed it off (signed_off_by)',
          path: ['criteria'],
          input: body.criteria,
        });
      if (body.criteria === 'overridden' && body.reason === null)
        payload.issues.push({
          code: 'custom',
          message: 'an advance past unmet criteria needs a reason',
          path: ['reason'],
          input: body.reason,
        });
    });
}

export interface RolloutRouteDeps {
  control: TenancyControl;
  metrics: RolloutMetrics;
  defaultOrg: string;
  logger: Logger;
  now: () => number;
  /** Every change is recorded here, with the acting credential, before it is made. */
  audit: AuditLog;
}

export function rolloutAdminRoutes(deps: RolloutRouteDeps): ManagementRoute[] {
  const { control, logger } = deps;
  const schema = rolloutBody(deps.defaultOrg);
  return [
    {
      surface: 'management',
      method: 'GET',
      path: PATH,
      operation: 'rollout_status',
      auth: 'admin',
      role: 'auditor',
      handle(_req, res) {
        res.json(control.status());
      },
    },
    {
      surface: 'management',
      method: 'PUT',
      path: PATH,
      operation: 'rollout_set',
      auth: 'admin',
      role: 'operator',
      async handle(req, res) {
        const parsed = parseDocument(schema, await readJsonBody(req, MAX_BODY_BYTES));
        if (!parsed.ok) throw new ApiError('invalid_request', parsed.message);
        const { criteria, expected_rollout: expected, ...wanted } = parsed.value;
        const actor = adminActor(req).name;
        const before = control.state();
        const at = new Date(deps.now()).toISOString();
        const after = await auditedRequest(
          deps.audit,
          req,
          {
            action: 'rollout.set',
            before: before.rollout,
            after: { ...wanted, criteria: criteria ?? null },
          },
          () =>
            changeOrUnavailable(
              () =>
                control.update((current) => {
                  if (expected !== undefined && !sameRollout(current.rollout, expected))
                    throw rolloutConflict(current.rollout);
                  const rollout: Rollout = { ...wanted, since: at };
                  // holding or annotating a stage does not restart its soak time
                  if (sameCohort(rollout, current.rollout)) rollout.since = current.rollout.since;
                  return { ...current, rollout };
                }, actor),
              logger,
              { mode: wanted.mode, stage: wanted.stage, actor },
            ),
          (state) => ({ ok: true, after: state.rollout }),
        );
        const changed = !sameState(before, after);
        if (changed && criteria !== undefined) deps.metrics.advanced(criteria);
        logger.info('rollout set through the admin API', {
          component: 'tenancy',
          mode: wanted.mode,
          stage: wanted.stage,
          held: wanted.held,
          criteria: criteria ?? null,
          signed_off_by: wanted.signed_off_by,
          actor,
          changed,
        });
        res.json({ ...control.status(), changed });
      },
    },
  ];
}

/** The precondition failed: someone changed the rollout after the caller read it. */
function rolloutConflict(current: Rollout): ApiError {
  const stage = current.stage === null ? 'no stage' : `stage ${current.stage}`;
  return new ApiError(
    'conflict',
    `the rollout changed since it was read (now ${current.mode}, ${stage}, since ${current.since ?? 'start'}); nothing changed: read GET ${PATH} and decide again`,
  );
}

function sameCohort(a: Rollout, b: Rollout): boolean {
  return (
    a.mode === b.mode &&
    a.percent === b.percent &&
    a.stage === b.stage &&
    [...new Set(a.orgs)].sort().join(',') === b.orgs.join(',')
  );
}
