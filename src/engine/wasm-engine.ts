/**
 * Evaluates the compiled policy. Invariant: `evaluate` never throws and never returns an allow
 * unless the policy produced exactly one well-formed allow decision. Every other outcome (a
 * `null` or empty result, a thrown string from `opa_abort`, a RangeError from memory growth past
 * the cap, a malformed document) comes back as `{ok:false}` and the caller denies `policy_error`.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import type { PolicyInput } from '../contract/policy-io.js';
import { isWellFormedDeep } from '../contract/ids.js';
import { checkResultSet, type CheckedDecision } from './decision-schema.js';
import { directEvaluator, type JsonEvaluator } from './direct-evaluator.js';
import { createResultTexts } from './result-texts.js';
import {
  DECISION_ENTRYPOINT,
  EXPLAIN_ENTRYPOINT,
  POLICY_ENTRYPOINTS,
  REQUIRED_ENTRYPOINTS,
} from '../bundle/entrypoints.js';
import type { PolicyDecision } from '../contract/policy-io.js';
import { checkExplainResultSet, type CheckedExplanation } from './explain-schema.js';
import type { PolicyBundle } from '../bundle/policy-bundle.js';

/** 64 KiB pages: start small, never grow past 64 MiB however hostile an input is. */
const MEMORY = { initial: 5, maximum: 1024 } as const;

export interface PolicyEngine {
  readonly revision: string;
  readonly entrypoints: readonly string[];
  readonly loadedAt: Date;
  readonly data: Readonly<Record<string, unknown>>;
  /**
   * `json`, when the caller already has it, must be `JSON.stringify(input)` (the decision memo's
   * key): the input is then not serialised a second time. Every check runs as without it.
   */
  evaluate(input: PolicyInput, json?: string): CheckedDecision;
  /**
   * The explanation of `decision`, which `evaluate` gave for this same input (`json` as there).
   * Never throws; anything but a well-formed explanation that agrees with the decision, or a
   * bundle without the explain entrypoint, is `{ok:false}`: the caller drops it and logs why.
   */
  explain(input: PolicyInput, decision: PolicyDecision, json?: string): CheckedExplanation;
}

/**
 * What `evaluate` needs of the WASM module; lets tests feed it every failure shape. An evaluator
 * that takes the input already serialised (the compiled module's direct path) is handed the JSON
 * text the engine produced anyway, so the input is serialised once per evaluation.
 */
export type Evaluator = { evaluate(input: unknown, entrypoint: string): unknown } | JsonEvaluator;

export async function createPolicyEngine(
  bundle: PolicyBundle,
  now: () => Date = () => new Date(),
): Promise<PolicyEngine> {
  const policy = await loadPolicy(bundle.wasm, { ...MEMORY });
  const available = Object.keys((policy.entrypoints as Record<string, number> | undefined) ?? {});
  const missing = REQUIRED_ENTRYPOINTS.filter((e) => !available.includes(e));
  if (missing.length > 0)
    throw new Error(
      `${bundle.source}: policy does not export entrypoint(s) ${missing.join(', ')} (has ${available.join(', ') || 'none'})`,
    );
  policy.setData(bundle.data);
  const entrypoints = POLICY_ENTRYPOINTS.filter((e) => available.includes(e));
  return engineOver(directEvaluator(policy) ?? policy, bundle, now(), entrypoints);
}

export function engineOver(
  evaluator: Evaluator,
  bundle: Pick<PolicyBundle, 'revision' | 'data'>,
  loadedAt: Date,
  entrypoints: readonly string[] = POLICY_ENTRYPOINTS,
): PolicyEngine {
  const resultTexts = createResultTexts();
  const explains = entrypoints.includes(EXPLAIN_ENTRYPOINT);
  return {
    revision: bundle.revision,
    entrypoints,
    loadedAt,
    data: bundle.data,
    evaluate(input: PolicyInput, serialised?: string): CheckedDecision {
      try {
        const json = serialised ?? JSON.stringify(input);
        // The policy's JSON reader aborts on a lone surrogate: such an input is never handed
        // over. JSON.stringify writes every lone surrogate as the escape \udXXX (lower case), so
        // text without "\ud" holds none and the walk over the input is needed only when it is
        // there (a lone surrogate, or a string with a backslash before "ud": the walk decides).
        if (json.includes('\\ud') && !isWellFormedDeep(input))
          return {
            ok: false,
            error: 'policy input holds a string that is not well-formed Unicode',
          };
        if ('evaluateJson' in evaluator)
          return resultTexts.check(evaluator.evaluateJson(json, DECISION_ENTRYPOINT));
        return checkResultSet(evaluator.evaluate(input, DECISION_ENTRYPOINT));
      } catch (err) {
        return { ok: false, error: `policy evaluation failed: ${describeThrown(err)}` };
      }
    },
    explain(input, decision, serialised) {
      if (!explains) return { ok: false, error: 'policy has no explain entrypoint' };
      try {
        // Only ever asked after `evaluate` accepted this input, Unicode check included.
        const resultSet: unknown =
          'evaluateJson' in evaluator
            ? JSON.parse(
                evaluator.evaluateJson(serialised ?? JSON.stringify(input), EXPLAIN_ENTRYPOINT),
              )
            : evaluator.evaluate(input, EXPLAIN_ENTRYPOINT);
        return checkExplainResultSet(resultSet, decision);
      } catch (err) {
        return { ok: false, error: `policy explanation failed: ${describeThrown(err)}` };
      }
    },
  };
}

/** opa-wasm throws plain strings (opa_abort) as well as Errors (RangeError on memory growth). */
function describeThrown(err: unknown): string {
  if (typeof err === 'string') return `abort: ${err.slice(0, 200)}`;
  if (err instanceof Error) return `${err.name}: ${err.message.slice(0, 200)}`;
  return 'unknown error';
}
