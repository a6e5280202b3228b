/**
 * Turns a policy source into a candidate ready to serve, in a fixed order of steps:
 *
 *   compile (policy.dir, with the pinned OPA) | read (policy.bundle)
 *   → signature (when policy.public_key_file is set)
 *   → load (instantiate the WASM, check its entrypoints)
 *   → vocabulary (the catalogue keeps every action the code names and every reason, with its status)
 *   → routes (the route manifest in service still finds every action it maps to, unchanged)
 *   → smoke (the policy's own smoke cases and the built-in ones)
 *
 * The first step that fails rejects the candidate with PolicyRejectedError naming the step. Nothing
 * here touches the active policy: the caller swaps only a candidate that passed every step.
 */
import { loadPolicyBundle, type PolicyBundle } from '../bundle/policy-bundle.js';
import { OrgwardenError } from '../contract/errors.js';
import { catalogueFromPolicyData, vocabularyGaps } from '../contract/policy-catalogue.js';
import { createPolicyEngine, type PolicyEngine } from '../engine/wasm-engine.js';
import { verifyBundleSignature } from '../bundle/signature.js';
import type { VerificationKey } from '../bundle/signing-keys.js';
import { runSmokeCases, type SmokeReport } from './smoke-cases.js';

export type LoadStep =
  'compile' | 'read' | 'signature' | 'load' | 'vocabulary' | 'routes' | 'smoke';

export class PolicyRejectedError extends OrgwardenError {
  constructor(
    readonly step: LoadStep,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('policy_rejected', message, { ...options, fields: { step } });
  }
}

export interface PolicySource {
  dir?: string;
  bundle?: string;
}

export interface Candidate {
  engine: PolicyEngine;
  bundle: PolicyBundle;
  smoke: SmokeReport;
  signed: boolean;
}

export interface CandidateOptions {
  env?: Record<string, string | undefined>;
  /** When set, only a bundle signed by this key is accepted. */
  verificationKey: VerificationKey | null;
  now: () => Date;
  /**
   * The actions the forward-auth route manifest in service maps to, with their org-management
   * flag as the manifest was checked against: a candidate must keep each, unchanged, or the
   * manifest would silently deny (or stop hiding) routes. Empty before the manifest is loaded.
   */
  routeActions?: ReadonlyMap<string, boolean>;
}

export function describeSource(source: PolicySource): string {
  return source.dir !== undefined
    ? `policy.dir ${source.dir}`
    : `policy.bundle ${source.bundle ?? '?'}`;
}

export async function loadCandidate(
  source: PolicySource,
  options: CandidateOptions,
): Promise<Candidate> {
  const key = options.verificationKey;
  let bundle: PolicyBundle;
  if (source.dir !== undefined) {
    const dir = source.dir;
    if (key)
      throw new PolicyRejectedError(
        'signature',
        `${describeSource(source)}: policy.public_key_file is set, so only signed bundles load; build and sign a bundle (orgwarden policy build --key)`,
      );
    bundle = await step('compile', () => loadPolicyBundle({ dir }, options.env));
  } else if (source.bundle !== undefined) {
    const file = source.bundle;
    bundle = await step('read', () => loadPolicyBundle({ bundle: file }, options.env));
  } else {
    throw new TypeError('a policy source needs dir or bundle');
  }
  if (key) await step('signature', () => verifyBundleSignature(bundle.files, key));
  const engine = await step('load', () => createPolicyEngine(bundle, options.now));
  await step('vocabulary', () => checkVocabulary(bundle.data));
  if (options.routeActions && options.routeActions.size > 0) {
    const routeActions = options.routeActions;
    await step('routes', () => checkRouteActions(bundle.data, routeActions));
  }
  const smoke = await step('smoke', () => runSmokeCases(engine, bundle.data));
  return { engine, bundle, smoke, signed: key !== null };
}

/**
 * A catalogue that drops an action the code names would deny that surface for everyone; one that
 * drops a reason (or changes its status) would turn every decision with it into policy_error.
 */
function checkVocabulary(data: Record<string, unknown>): void {
  const gaps = vocabularyGaps(data);
  const problems = [
    ...(gaps.actions.length > 0
      ? [`lacks action(s) the code relies on: ${gaps.actions.join(', ')}`]
      : []),
    ...(gaps.reasons.length > 0
      ? [`lacks reason(s), or gives them another status than the code: ${gaps.reasons.join(', ')}`]
      : []),
  ];
  if (problems.length > 0) throw new Error(`this policy's catalogue ${problems.join('; ')}`);
}

function checkRouteActions(
  data: Record<string, unknown>,
  required: ReadonlyMap<string, boolean>,
): void {
  const catalogue = catalogueFromPolicyData(data);
  const missing = [...required.keys()].filter((action) => !catalogue?.has(action));
  if (missing.length > 0)
    throw new Error(
      `the route manifest maps routes to actions this policy's catalogue lacks: ${missing.join(', ')}`,
    );
  const changed = [...required]
    .filter(([action, orgManagement]) => catalogue?.get(action)?.org_management !== orgManagement)
    .map(([a]) => a);
  if (changed.length > 0)
    throw new Error(
      `this policy changes org_management of action(s) the route manifest uses (${changed.join(', ')}); restart to reload the manifest with it`,
    );
}

async function step<T>(name: LoadStep, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new PolicyRejectedError(name, err instanceof Error ? err.message : String(err), {
      cause: err,
    });
  }
}
