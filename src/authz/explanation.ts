/**
 * When a decision gets its explanation: on every deny the policy decided (for the decision log
 * and the explorer), and on an allow only when the caller asked (`?explain=true`), so the allow
 * hot path never pays for the second entrypoint. A decision the policy did not make (engine
 * failure, malformed input refused before the policy) has no explanation to give.
 */
import type { Explanation } from '../contract/explain.js';
import type { PolicyDecision, PolicyInput } from '../contract/policy-io.js';
import type { PolicyEngine } from '../engine/wasm-engine.js';

export interface ExplainAsk {
  engine: PolicyEngine;
  input: PolicyInput;
  json: string | undefined;
  decision: PolicyDecision;
  asked: boolean;
  /** Told why an explanation was dropped; it never changes or fails the decision. */
  onError: ((error: string) => void) | undefined;
}

export function explanationFor(ask: ExplainAsk): Explanation | undefined {
  if (ask.decision.allow && !ask.asked) return undefined;
  const checked = ask.engine.explain(ask.input, ask.decision, ask.json);
  if (checked.ok) return checked.explain;
  try {
    ask.onError?.(checked.error);
  } catch {
    // reporting a dropped explanation must not fail the decision either
  }
  return undefined;
}
