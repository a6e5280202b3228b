/**
 * `orgwarden rollout status|advance|hold|rollback`: the owner checkpoints of the staged
 * multi-tenant rollout (docs/rollout.md). It reads the plan file, talks to the sidecar's rollout
 * admin API (any replica: they share the state through Redis) and, to check a stage's exit
 * criteria, to Prometheus's HTTP API.
 *
 * Invariants:
 * - An advance is refused, with every reason, while a criterion is unmet or cannot be checked;
 *   `--force --reason TEXT` overrides the criteria (counted as `criteria="overridden"`), never the
 *   kill switch or a hold.
 * - Every advance names who signed it off (`--signed-off-by`), checked against the stage's
 *   sign-off role in the plan, and stores it in the rollout state.
 */
import { OFF_ROLLOUT } from '../tenancy/rollout-state.js';
import { parseFlags, UsageError } from './args.js';
import {
  createRolloutAdmin,
  type RolloutAdmin,
  type RolloutStatus,
  type RolloutWrite,
} from './rollout-admin.js';
import { checkExitCriteria } from './rollout-criteria.js';
import { loadPlan, PlanError, type PlanStage, type RolloutPlan } from './rollout-plan.js';
import { createPrometheusClient, type PrometheusClient } from './rollout-prometheus.js';

export const ROLLOUT_HELP = `Usage: orgwarden rollout status|advance|hold|rollback [options]

Moves the multi-tenant rollout through the stages of a rollout plan (docs/rollout.md), talking to
the sidecar's admin API (GET|PUT /v1/admin/rollout) and to Prometheus for the exit criteria.

  status     the state served, the current stage and, with --prometheus, its exit criteria
  advance    checks the current stage's exit criteria (soak time, quiet alerts, rate bounds) and
             moves to the next stage; refuses with the reasons when one is unmet
  hold       pins the current stage (advance refuses until "hold --release")
  rollback   goes back one stage (from the first stage, or with --to-off: to off)

Options:
  --plan FILE              the rollout plan (default: deploy/rollout.yaml)
  --url URL                the sidecar (default: http://127.0.0.1:8282)
  --token-env NAME         env var holding the admin token (default: ORGWARDEN_ADMIN_TOKEN)
  --caller-token-env NAME  env var holding the caller token, when the sidecar requires one
  --prometheus URL         Prometheus to check the exit criteria against (alerts, rates)
  --signed-off-by NAME     advance: who signs the advance off (required; checked against the
                           stage's sign_off in the plan)
  --force                  advance: past unmet criteria (needs --reason; counted as overridden)
  --reason TEXT            why (required with --force; recorded with advance and rollback)
  --release                hold: release the hold
  --to-off                 rollback: straight to off
Exit codes: 0 done; 1 refused or failed; 2 bad usage or plan.`;

const FLAGS = {
  plan: 'string',
  url: 'string',
  'token-env': 'string',
  'caller-token-env': 'string',
  prometheus: 'string',
  'signed-off-by': 'string',
  force: 'boolean',
  reason: 'string',
  release: 'boolean',
  'to-off': 'boolean',
  help: 'boolean',
} as const;

export interface RolloutIo {
  out: (line: string) => void;
  env: Record<string, string | undefined>;
  now: () => number;
  fetch?: typeof fetch;
}

const defaultIo = (): RolloutIo => ({
  out: (line) => console.log(line),
  env: process.env,
  now: Date.now,
});

export async function rollout(argv: string[], io: RolloutIo = defaultIo()): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || rest.includes('--help')) {
    io.out(ROLLOUT_HELP);
    return verb === undefined ? 2 : 0;
  }
  if (!['status', 'advance', 'hold', 'rollback'].includes(verb))
    throw new UsageError(`rollout: unknown subcommand "${verb}" (status, advance, hold, rollback)`);
  const flags = parseFlags(rest, FLAGS);
  const text = (name: keyof typeof FLAGS): string | undefined => {
    const v = flags[name];
    return typeof v === 'string' ? v : undefined;
  };
  let plan: RolloutPlan;
  try {
    plan = loadPlan(text('plan') ?? 'deploy/rollout.yaml');
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    for (const line of err.message.split('\n')) io.out(`orgwarden: plan error: ${line}`);
    return 2;
  }
  const tokenEnv = text('token-env') ?? 'ORGWARDEN_ADMIN_TOKEN';
  const adminToken = io.env[tokenEnv];
  if (!adminToken) throw new UsageError(`rollout: the admin token env var ${tokenEnv} is not set`);
  const callerEnv = text('caller-token-env');
  const admin = createRolloutAdmin({
    url: text('url') ?? 'http://127.0.0.1:8282',
    adminToken,
    callerToken: callerEnv === undefined ? undefined : io.env[callerEnv],
    ...(io.fetch ? { fetch: io.fetch } : {}),
  });
  const promUrl = text('prometheus');
  const prometheus = promUrl ? createPrometheusClient(promUrl, io.fetch) : null;
  const ctx: Context = { plan, admin, prometheus, io, flags: { ...flags } };
  try {
    switch (verb) {
      case 'status':
        return await status(ctx);
      case 'advance':
        return await advance(ctx, text('signed-off-by'), flags.force === true, text('reason'));
      case 'hold':
        return await hold(ctx, flags.release === true);
      default:
        return await rollback(ctx, flags['to-off'] === true, text('reason'));
    }
  } catch (err) {
    io.out(`orgwarden rollout: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

interface Context {
  plan: RolloutPlan;
  admin: RolloutAdmin;
  prometheus: PrometheusClient | null;
  io: RolloutIo;
  flags: Record<string, string | boolean>;
}

function describe(ctx: Context, s: RolloutStatus): void {
  const { plan, io } = ctx;
  const r = s.rollout;
  const stage = r.stage === null ? null : plan.stages[r.stage];
  io.out(`serving: ${s.state}${s.killed ? ' (KILL SWITCH ENGAGED: every org off)' : ''}`);
  io.out(
    `rollout: ${r.mode}${r.mode === 'cohort' ? ` (${r.orgs.length} listed org(s), ${r.percent}% by hash)` : ''}${r.held ? ', HELD' : ''}`,
  );
  io.out(
    `stage: ${r.stage === null ? 'none (not set from the plan)' : `${r.stage} ${stage?.name ?? '(not in this plan)'}`}` +
      `${r.since ? ` since ${r.since}` : ''}${r.signed_off_by ? `, signed off by ${r.signed_off_by}` : ''}`,
  );
  if (stage && !sameCohort(stage, r))
    io.out(`warning: the rollout differs from the plan's cohort for stage ${stage.name}`);
}

async function status(ctx: Context): Promise<number> {
  const s = await ctx.admin.status();
  describe(ctx, s);
  const index = s.rollout.stage;
  const next = index === null ? 0 : index + 1;
  const stage = index === null ? undefined : ctx.plan.stages[index];
  if (next < ctx.plan.stages.length)
    ctx.io.out(`next: stage ${next} ${ctx.plan.stages[next]?.name ?? ''}`);
  else ctx.io.out('next: none (the last stage)');
  if (stage) {
    ctx.io.out(`exit criteria of stage ${String(index)} ${stage.name}:`);
    await checkExitCriteria({
      plan: ctx.plan,
      stage,
      since: s.rollout.since,
      now: ctx.io.now(),
      prometheus: ctx.prometheus,
      progress: ctx.io.out,
    });
  }
  return 0;
}

async function advance(
  ctx: Context,
  signedOffBy: string | undefined,
  force: boolean,
  reason: string | undefined,
): Promise<number> {
  const { plan, io } = ctx;
  if (signedOffBy === undefined)
    throw new UsageError('rollout advance: --signed-off-by NAME is required');
  if (force && reason === undefined)
    throw new UsageError('rollout advance: --force needs --reason TEXT');
  const s = await ctx.admin.status();
  describe(ctx, s);
  const index = s.rollout.stage;
  const nextIndex = index === null ? 0 : index + 1;
  const next = plan.stages[nextIndex];
  const current = index === null ? undefined : plan.stages[index];
  const refuse = (why: string) => {
    io.out(`refused: ${why}`);
    return 1;
  };
  if (s.killed)
    return refuse(
      'the kill switch is engaged; resume first (PUT /v1/admin/tenancy {"multi_tenant": true}), or roll back',
    );
  if (s.rollout.held)
    return refuse('the stage is held; release it with "orgwarden rollout hold --release"');
  if (!next) return refuse(`stage ${String(index)} is the last stage of the plan`);
  // the sign-off belongs to the stage being left (from no stage: the first one)
  const signing = current ?? next;
  const names = signing.sign_off.names;
  if (names !== undefined && !names.includes(signedOffBy))
    return refuse(
      `${signedOffBy} does not hold the role ${signing.sign_off.role} that signs off stage "${signing.name}" (${names.join(', ')})`,
    );
  let criteria: 'met' | 'overridden' = 'met';
  if (current) {
    io.out(`checking the exit criteria of stage ${String(index)} ${current.name}:`);
    const checked = await checkExitCriteria({
      plan,
      stage: current,
      since: s.rollout.since,
      now: io.now(),
      prometheus: ctx.prometheus,
      progress: io.out,
    });
    const unmet = checked.filter((c) => !c.met);
    if (unmet.length > 0) {
      if (!force) return refuse(unmet.map((c) => `${c.name}: ${c.detail}`).join('; '));
      criteria = 'overridden';
      io.out(`overriding ${unmet.length} unmet criterion/criteria (--force): ${reason ?? ''}`);
    }
  }
  io.out(`advancing to stage ${nextIndex} ${next.name} ...`);
  const after = await ctx.admin.set({
    ...stageWrite(next, nextIndex),
    signed_off_by: `${signedOffBy} (${signing.sign_off.role})`,
    reason: reason ?? null,
    criteria,
    // the criteria were checked against this rollout: an advance never overwrites a change
    // (a rollback, a hold) made while they were being checked
    expected_rollout: s.rollout,
  });
  io.out(
    `done: stage ${nextIndex} ${next.name}, serving ${after.state}; every replica follows within 1 s`,
  );
  return 0;
}

async function hold(ctx: Context, release: boolean): Promise<number> {
  const s = await ctx.admin.status();
  const r = s.rollout;
  const after = await ctx.admin.set({
    mode: r.mode,
    orgs: r.orgs,
    percent: r.percent,
    stage: r.stage,
    held: !release,
    signed_off_by: r.signed_off_by,
    reason: r.reason,
    expected_rollout: r,
  });
  describe(ctx, after);
  ctx.io.out(
    release ? 'released: advance may move on' : 'held: advance refuses until "hold --release"',
  );
  return 0;
}

async function rollback(ctx: Context, toOff: boolean, reason: string | undefined): Promise<number> {
  const s = await ctx.admin.status();
  describe(ctx, s);
  const index = s.rollout.stage;
  const back = toOff || index === null || index === 0 ? null : index - 1;
  const target = back === null ? undefined : ctx.plan.stages[back];
  const { since: _since, ...off } = OFF_ROLLOUT;
  const write: RolloutWrite =
    back === null || !target
      ? { ...off, reason: reason ?? null }
      : { ...stageWrite(target, back), reason: reason ?? null };
  ctx.io.out(
    back === null
      ? 'rolling back to off ...'
      : `rolling back to stage ${back} ${target?.name ?? ''} ...`,
  );
  const after = await ctx.admin.set(write);
  describe(ctx, after);
  ctx.io.out('done; every replica follows within 1 s');
  return 0;
}

function stageWrite(stage: PlanStage, index: number): RolloutWrite {
  return {
    mode: stage.cohort.mode,
    orgs: stage.cohort.orgs,
    percent: stage.cohort.percent,
    stage: index,
    held: false,
    signed_off_by: null,
    reason: null,
  };
}

function sameCohort(stage: PlanStage, r: RolloutStatus['rollout']): boolean {
  return (
    stage.cohort.mode === r.mode &&
    stage.cohort.percent === r.percent &&
    [...new Set(stage.cohort.orgs)].sort().join(',') === r.orgs.join(',')
  );
}
