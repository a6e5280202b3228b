/**
 * Policy rollout over HTTP, an admin credential required (`operator` for changes, `auditor` for
 * the shadow's status):
 *
 *   POST   /v1/admin/policy/reload   reload the configured policy through every step; 200 with the
 *                                    outcome, or 422 naming the step that failed (the active
 *                                    policy keeps serving)
 *   GET    /v1/admin/policy/shadow   the shadow candidate and its counts (null when none)
 *   POST   /v1/admin/policy/shadow   load a candidate as the shadow: no body or `{}` (the
 *                                    configured policy.shadow), `{"bundle": PATH}` or
 *                                    `{"dir": PATH}`; 422 when it fails a step
 *   DELETE /v1/admin/policy/shadow   stop shadowing
 *
 * Paths are read on the sidecar's host, with the sidecar's permissions; the admin credential is
 * what stands between a caller and that. A failure's message is for the operator: it may quote the
 * compiler's error for the candidate.
 *
 * Every reload (accepted or refused) and every shadow change goes through the audit log
 * (`auditedRequest`): its record is kept before the change, and a record the log cannot keep
 * answers 503 with nothing changed.
 */
import type { AuditLog } from '../../audit/index.js';
import { ERROR_CATALOGUE } from '../../contract/errors.js';
import type { LoadStep, PolicyRollout } from '../../policy-rollout/index.js';
import { auditedRequest } from '../audited-request.js';
import { sendJson } from '../errors.js';
import { parseShadowBody } from '../inbound/admin-bodies.js';
import { readJsonBody } from '../json-body.js';
import type { ManagementRoute } from '../route-table.js';

const MAX_BODY_BYTES = 4096;

/** A refusal's reason as the audit log keeps it: the step and the start of the message. */
const MAX_AUDIT_ERROR_CHARS = 500;

export function policyAdminRoutes(rollout: PolicyRollout, audit: AuditLog): ManagementRoute[] {
  const revision = () => rollout.active.current()?.revision ?? null;
  const shadowRevision = () => rollout.shadow.status()?.revision ?? null;
  return [
    {
      surface: 'management',
      method: 'POST',
      path: '/v1/admin/policy/reload',
      operation: 'policy_reload',
      auth: 'admin',
      role: 'operator',
      async handle(req, res) {
        req.resume(); // no body is needed; whatever was sent is drained
        const outcome = await auditedRequest(
          audit,
          req,
          { action: 'policy.reload', before: { revision: revision() }, after: null },
          () => rollout.reload('api'),
          (o) =>
            o.ok
              ? { ok: true, after: { revision: o.active_revision } }
              : { ok: false, error: refusal(o) },
        );
        if (outcome.ok) return void res.json(outcome);
        sendJson(res, REJECTED, { ...rejected(outcome), last_reload: outcome });
      },
    },
    {
      surface: 'management',
      method: 'GET',
      path: '/v1/admin/policy/shadow',
      operation: 'policy_shadow_status',
      auth: 'admin',
      role: 'auditor',
      handle(_req, res) {
        res.json({ shadow: rollout.shadow.status(), last_load: rollout.lastShadowLoad() });
      },
    },
    {
      surface: 'management',
      method: 'POST',
      path: '/v1/admin/policy/shadow',
      operation: 'policy_shadow_load',
      auth: 'admin',
      role: 'operator',
      async handle(req, res) {
        const hasBody =
          (req.headers['content-length'] ?? '0') !== '0' ||
          req.headers['transfer-encoding'] !== undefined;
        const source = parseShadowBody(hasBody ? await readJsonBody(req, MAX_BODY_BYTES) : {});
        const outcome = await auditedRequest(
          audit,
          req,
          {
            action: 'shadow.set',
            before: { revision: shadowRevision() },
            after: { source: source ?? 'policy.shadow' },
          },
          () => rollout.loadShadow(source),
          (o) =>
            o.ok
              ? { ok: true, after: { revision: o.status.revision, source: o.status.source } }
              : { ok: false, error: refusal(o) },
        );
        if (outcome.ok) return void res.json({ shadow: outcome.status });
        sendJson(res, REJECTED, rejected(outcome));
      },
    },
    {
      surface: 'management',
      method: 'DELETE',
      path: '/v1/admin/policy/shadow',
      operation: 'policy_shadow_clear',
      auth: 'admin',
      role: 'operator',
      async handle(req, res) {
        const cleared = await auditedRequest(
          audit,
          req,
          { action: 'shadow.clear', before: { revision: shadowRevision() }, after: null },
          () => Promise.resolve(rollout.shadow.clear()),
        );
        res.json({ shadow: null, cleared });
      },
    },
  ];
}

const REJECTED = ERROR_CATALOGUE.policy_rejected.status;

/** A rejected load, with the step that failed (null when none ran) and the operator's message. */
function rejected(outcome: { step: LoadStep | null; error: string | null }) {
  return { error: { code: 'policy_rejected', step: outcome.step, message: outcome.error } };
}

function refusal(outcome: { step: LoadStep | null; error: string | null }): string {
  const text = `refused at ${outcome.step ?? 'no step'}: ${outcome.error ?? 'no reason given'}`;
  return text.slice(0, MAX_AUDIT_ERROR_CHARS);
}
