/**
 * One certification run: the seven steps in order against the configured policy and a throw-away
 * instance the caller starts, each within `certify.timeout_s`, then the gates, the verdict and the
 * report. A step that cannot run (no OPA, the policy or the instance did not load) is BLOCKED and
 * says why; the steps after it that need what is missing are BLOCKED with the same reason.
 */
import type { Config } from '../../config/schema.js';
import { loadVerificationKey } from '../../bundle/signing-keys.js';
import type { PolicyEngine } from '../../engine/wasm-engine.js';
import { loadCandidate, PolicyRejectedError } from '../../policy-rollout/policy-loader.js';
import { loadForwardAuthManifest } from '../../surfaces/forward-auth/load-manifest.js';
import type { RouteSpec } from '../../surfaces/forward-auth/route-table.js';
import { alertInventory } from './alert-inventory.js';
import type { BoundaryStep } from './boundary-step.js';
import type { ChecklistWorld } from './checklist-world.js';
import type { FileChange } from './files-changed.js';
import { assess, stepLabel } from './gates.js';
import { field, instanceClient } from './instance-client.js';
import { killSwitchDrill } from './kill-switch.js';
import { multiTenantChecklist } from './multi-tenant.js';
import { policyChecks } from './policy-checks.js';
import type { CertificationReport } from './report.js';
import { readRiskRegister } from './risk-register.js';
import { rollbackSteps } from './rollback.js';
import { singleTenantChecklist } from './single-tenant.js';
import { smokeStep } from './smoke-step.js';
import {
  STEP_IDS,
  STEP_TITLES,
  stepResult,
  type CertifyInstance,
  type StepId,
  type StepResult,
} from './types.js';

export interface CertificationDeps {
  readonly config: Config;
  readonly filesChanged: readonly FileChange[] | null;
  /** The steps to run (all by default; `--only`). */
  readonly steps: readonly StepId[];
  /** The command that re-runs one step. */
  readonly commandFor: (step: StepId) => string;
  /** How a path is shown in the report. */
  readonly shown: (file: string) => string;
  readonly env: Record<string, string | undefined>;
  readonly fetch: typeof fetch;
  /** Milliseconds since epoch. */
  readonly now: () => number;
  readonly progress: (line: string) => void;
  readonly findOpa: () => Promise<string>;
  readonly findPromtool: () => Promise<string | null>;
  /** Starts the throw-away instance (only the command may build an app). */
  readonly startInstance: () => Promise<CertifyInstance>;
  readonly boundary: BoundaryStep;
}

interface Loaded {
  engine: PolicyEngine;
  routes: readonly RouteSpec[];
}

export async function runCertification(deps: CertificationDeps): Promise<CertificationReport> {
  const { config } = deps;
  const timeoutMs = config.certify.timeout_s * 1000;
  const selected = new Set(deps.steps);
  const results: StepResult[] = [];
  const total = STEP_IDS.length;
  const step = async (id: StepId, run: () => Promise<StepResult>) => {
    if (!selected.has(id)) return;
    deps.progress(`[${STEP_IDS.indexOf(id) + 1}/${total}] ${STEP_TITLES[id]}…`);
    const result = await withTimeout(id, timeoutMs, deps.commandFor(id), run);
    deps.progress(
      `[${STEP_IDS.indexOf(id) + 1}/${total}] ${STEP_TITLES[id]}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`,
    );
    results.push(result);
  };

  await step('policy', () =>
    policyChecks({
      dir: config.policy.dir,
      coverageThreshold: config.certify.coverage_threshold,
      timeoutMs,
      findOpa: deps.findOpa,
      cwd: process.cwd(),
    }),
  );

  let loaded: Loaded | string;
  try {
    loaded = await loadPolicy(config, deps);
  } catch (err) {
    if (err instanceof PolicyRejectedError && err.step === 'smoke') {
      loaded = SMOKE_FAILED;
      await step('smoke', () =>
        Promise.resolve(
          stepResult('smoke', 'fail', {
            reason: err.message,
            commands: [
              { command: deps.commandFor('smoke'), exit: 1, status: 'fail', reason: err.message },
            ],
            failures: [err.message],
          }),
        ),
      );
    } else {
      loaded = `the policy did not load: ${err instanceof Error ? err.message : String(err)}`;
      const why = loaded;
      await step('smoke', () =>
        Promise.resolve(blockedStep('smoke', why, deps.commandFor('smoke'))),
      );
    }
  }
  if (typeof loaded !== 'string') {
    const { engine } = loaded;
    await step('smoke', () =>
      Promise.resolve(smokeStep(engine, engine.data, deps.commandFor('smoke'))),
    );
  }

  const needsInstance: StepId[] = [
    'boundary',
    'single-tenant',
    'multi-tenant',
    'kill-switch',
    'alerts',
  ];
  let instance: CertifyInstance | string = typeof loaded === 'string' ? loaded : 'not started';
  if (typeof loaded !== 'string' && needsInstance.some((id) => selected.has(id))) {
    deps.progress('starting a throw-away instance on a free loopback port…');
    try {
      instance = await deps.startInstance();
    } catch (err) {
      instance = `the instance did not start: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  let revision: string | null = null;
  try {
    if (typeof instance === 'string' || typeof loaded === 'string') {
      const why = typeof instance === 'string' ? instance : 'the policy did not load';
      const afterFailure = loaded === SMOKE_FAILED;
      for (const id of needsInstance)
        await step(id, () =>
          Promise.resolve({ ...blockedStep(id, why, deps.commandFor(id)), afterFailure }),
        );
    } else {
      const client = instanceClient(instance, deps.fetch);
      const status = await client.policy();
      const current = field(status, 'revision');
      revision = typeof current === 'string' ? current : null;
      const world: ChecklistWorld = {
        client,
        secret: instance.secret,
        routes: loaded.routes,
        data: loaded.engine.data,
        tenancy: config.tenancy,
        nowS: () => Math.floor(deps.now() / 1000),
        clockMs: () => performance.now(),
      };
      const live = instance;
      const { engine, routes } = loaded;
      await step('boundary', () =>
        deps.boundary(
          {
            data: engine.data,
            routes,
            tenancy: config.tenancy,
            engine,
            instance: live,
            progress: deps.progress,
          },
          deps.commandFor('boundary'),
        ),
      );
      await step('single-tenant', () =>
        singleTenantChecklist(world, deps.commandFor('single-tenant')),
      );
      await step('multi-tenant', () =>
        multiTenantChecklist(world, deps.commandFor('multi-tenant')),
      );
      await step('kill-switch', () => killSwitchDrill(world, deps.commandFor('kill-switch')));
      await step('alerts', async () =>
        alertInventory({
          rules: config.certify.alert_rules,
          ruleTests: config.certify.alert_rule_tests,
          exposition: await client.metricsText(),
          findPromtool: deps.findPromtool,
          timeoutMs,
          shown: deps.shown,
          command: deps.commandFor('alerts'),
        }),
      );
    }
  } finally {
    if (typeof instance !== 'string') await instance.stop();
  }

  const risks = await readRiskRegister(config.certify.risk_register);
  return {
    filesChanged: deps.filesChanged,
    steps: results,
    assessment: assess(results, risks, deps.steps),
    policyRevision: revision ?? (typeof loaded === 'string' ? null : loaded.engine.revision),
    rollback: rollbackSteps(config, revision, deps.shown),
  };
}

async function loadPolicy(config: Config, deps: CertificationDeps): Promise<Loaded> {
  const verificationKey = config.policy.public_key_file
    ? await loadVerificationKey(config.policy.public_key_file)
    : null;
  const source =
    config.policy.dir !== undefined ? { dir: config.policy.dir } : { bundle: config.policy.bundle };
  const candidate = await loadCandidate(source, {
    env: deps.env,
    verificationKey,
    now: () => new Date(deps.now()),
  });
  const manifest = await loadForwardAuthManifest(config.policy, { ...candidate.engine.data });
  return { engine: candidate.engine, routes: manifest.table?.routes ?? [] };
}

/** Why the instance steps did not run when the policy failed its own smoke cases. */
const SMOKE_FAILED = 'the policy failed its smoke cases, so no instance can serve it';

function blockedStep(id: StepId, reason: string, command: string): StepResult {
  return stepResult(id, 'blocked', {
    reason,
    commands: [{ command, exit: null, status: 'blocked', reason }],
  });
}

/** The step's result, or BLOCKED (timed out) when it takes longer than `ms`. */
async function withTimeout(
  id: StepId,
  ms: number,
  command: string,
  run: () => Promise<StepResult>,
): Promise<StepResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StepResult>((resolve) => {
    timer = setTimeout(() => {
      const reason = `timed out after ${ms / 1000} s (certify.timeout_s)`;
      resolve(
        stepResult(id, 'blocked', {
          reason,
          timedOut: true,
          commands: [{ command, exit: null, status: 'blocked', reason }],
        }),
      );
    }, ms);
  });
  try {
    return await Promise.race([
      run().catch((err: unknown) =>
        blockedStep(
          id,
          `${stepLabel(id)} stopped: ${err instanceof Error ? err.message : String(err)}`,
          command,
        ),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
