/**
 * The rollout plan file (`deploy/rollout.yaml`, docs/rollout.md): the stages of the multi-tenant
 * rollout, each with its cohort and the exit criteria an advance past it must meet — a minimum
 * soak time, alerts that must be quiet, bounds on the spoof, org-switch failure and cross-org
 * denial rates — and the role that signs the advance off. Every problem of the file is reported
 * at once, each naming its key (`stages[1].soak: ...`).
 */
import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { parseDocumentAll } from '../contract/parse-document.js';
import { checkCohort, cohortFields } from '../tenancy/rollout-state.js';

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `30m`, `24h`, `7d` → seconds. */
export function durationSeconds(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match) return null;
  const [, amount = '', unit = 's'] = match;
  return Number(amount) * (UNIT_SECONDS[unit] ?? 1);
}

const duration = z
  .string()
  .refine((t) => durationSeconds(t) !== null, 'must be a duration like 90s, 30m, 24h or 7d');
const name = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 . _ -');
const rate = z.number().min(0);

const stageSchema = z
  .strictObject({
    name,
    cohort: z.strictObject(cohortFields),
    /** Minimum time at this stage before an advance past it. */
    soak: duration.default('0s'),
    /** Alert names (Prometheus `alertname`) that must not be firing to advance past this stage. */
    quiet_alerts: z.array(name).default([]),
    /** Who signs off the advance past this stage: a role, and optionally the names that hold it. */
    sign_off: z.strictObject({ role: name, names: z.array(z.string().min(1).max(200)).optional() }),
    /** Per-second rates over `prometheus.window` that must not be exceeded to advance. */
    bounds: z
      .strictObject({
        spoof_per_s: rate.optional(),
        org_switch_failures_per_s: rate.optional(),
        cross_org_denials_per_s: rate.optional(),
      })
      .default({}),
  })
  .check((payload) => {
    const issues: typeof payload.issues = [];
    checkCohort(payload.value.cohort, null, issues);
    for (const issue of issues)
      payload.issues.push({ ...issue, path: ['cohort', ...(issue.path ?? [])] });
  });

const planSchema = z
  .strictObject({
    /** The sidecar's default org (never in a cohort). */
    default_org: name.default('default'),
    prometheus: z
      .strictObject({
        /** Label matchers every query is narrowed to, e.g. `job="orgwarden"`. */
        selector: z.string().max(500).default(''),
        /** The window of the rate bounds. */
        window: duration.default('5m'),
      })
      .prefault({}),
    stages: z.array(stageSchema).min(2, 'needs at least two stages'),
  })
  // Rules across stages run whenever the names and the default org are readable, so their
  // problems are reported together with any problem elsewhere (the stages may be half valid).
  .superRefine(
    (plan, ctx) => {
      const stages = plan.stages as unknown[];
      const seen = new Set<string>();
      stages.forEach((raw, index) => {
        const stage = raw as { name?: unknown; cohort?: { orgs?: unknown } };
        if (typeof stage.name === 'string' && seen.has(stage.name))
          ctx.addIssue({
            code: 'custom',
            message: `stage name "${stage.name}" is used twice`,
            path: ['stages', index, 'name'],
          });
        if (typeof stage.name === 'string') seen.add(stage.name);
        const orgs = stage.cohort?.orgs;
        if (Array.isArray(orgs) && orgs.includes(plan.default_org))
          ctx.addIssue({
            code: 'custom',
            message: `the default org (${plan.default_org}) is never in a cohort`,
            path: ['stages', index, 'cohort', 'orgs'],
          });
      });
    },
    {
      when: (payload) =>
        Array.isArray((payload.value as { stages?: unknown }).stages) &&
        payload.issues.every((issue) =>
          issue.path?.[0] === 'stages'
            ? issue.path.length > 2 && issue.path[2] !== 'name'
            : issue.path?.[0] !== 'default_org',
        ),
    },
  );

export type RolloutPlan = z.output<typeof planSchema>;
export type PlanStage = RolloutPlan['stages'][number];

export class PlanError extends Error {}

/** The plan from YAML text; a PlanError lists every problem, one per line, each naming its key. */
export function parsePlan(text: string, file = 'rollout plan'): RolloutPlan {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    if (err instanceof YAMLParseError) throw new PlanError(`${file}: not YAML: ${err.message}`);
    throw err;
  }
  const parsed = parseDocumentAll(planSchema, raw);
  if (parsed.ok) return parsed.value;
  throw new PlanError(
    parsed.issues
      .map((issue) => {
        const key = [...issue.path, ...(issue.key === undefined ? [] : [issue.key])]
          .map((part, i) =>
            typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`,
          )
          .join('');
        return `${file}: ${key || '(document)'}: ${issue.message}`;
      })
      .join('\n'),
  );
}

export function loadPlan(file: string): RolloutPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlanError(
      `${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parsePlan(text, file);
}
