/**
 * Turns a policy source into a candidate ready to serve, in a fixed order of steps:
 *
 *   compile (policy.dir, with the pinned OPA) | read (policy.bundle)
 *   → signature (when policy.public_key_file is set)
 *   → load (instantiate the WASM, check its entrypoints)
 *   → smoke (the policy's own smoke cases and the built-in ones)
 *
 * The first step that fails rejects the candidate with PolicyRejectedError naming the step. Nothing
 * here touches the active policy: the caller swaps only a candidate that passed every step.
 */
import { loadPolicyBundle, type PolicyBundle } from '../engine/policy-bundle.js';
import { createPolicyEngine, type PolicyEngine } from '../engine/wasm-engine.js';
import { verifyBundleSignature } from './bundle-signature.js';
import type { VerificationKey } from './signing-keys.js';
import { runSmokeCases, type SmokeReport } from './smoke-cases.js';

export type LoadStep = 'compile' | 'read' | 'signature' | 'load' | 'smoke';

export class PolicyRejectedError extends Error {
  readonly code = 'policy_rejected';
  constructor(
    readonly step: LoadStep,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
}

export function describeSource(source: PolicySource): string {
  return source.dir !== undefined ? `policy.dir ${source.dir}` : `policy.bundle ${source.bundle ?? '?'}`;
}

export async function loadCandidate(source: PolicySource, options: CandidateOptions): Promise<Candidate> {
  const key = options.verificationKey;
  let bundle: PolicyBundle;
  if (source.dir !== undefined) {
    const dir = source.dir;
    if (key) throw new PolicyRejectedError('signature', `${describeSource(source)}: policy.public_key_file is set, so only signed bundles load; build and sign a bundle (orgwarden policy build --key)`);
    bundle = await step('compile', () => loadPolicyBundle({ dir }, options.env));
  } else if (source.bundle !== undefined) {
    const file = source.bundle;
    bundle = await step('read', () => loadPolicyBundle({ bundle: file }, options.env));
  } else {
    throw new TypeError('a policy source needs dir or bundle');
  }
  if (key) await step('signature', () => verifyBundleSignature(bundle.files, key));
  const engine = await step('load', () => createPolicyEngine(bundle, options.now));
  const smoke = await step('smoke', async () => runSmokeCases(engine, bundle.data));
  return { engine, bundle, smoke, signed: key !== null };
}

async function step<T>(name: LoadStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new PolicyRejectedError(name, err instanceof Error ? err.message : String(err), { cause: err });
  }
}
