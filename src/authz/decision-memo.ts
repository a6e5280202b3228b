/**
 * The decision memo: the policy's answer is a pure function of the policy (one engine instance:
 * its WASM and its data) and of the input it is handed, so an input seen before need not be
 * evaluated again. Invariants:
 * - The key is the input exactly as the policy reads it: opa-wasm hands the policy
 *   `JSON.stringify(input)`, so two inputs with the same key are the same input to the policy.
 *   The input holds everything a decision depends on besides the policy: the principal, the
 *   request, `now` (in seconds, the policy's granularity), the multi-tenant switch and the
 *   directory slice. A revocation (member removed, role changed, org suspended) changes the slice,
 *   a flip changes `tenancy.multi_tenant`: either is a different key, never a stale hit.
 * - A memo belongs to one engine instance: a decision evaluated by another engine (a reload, a
 *   rollback) starts a new, empty memo, so no answer outlives the policy that gave it. Lookup,
 *   evaluation and storing run without a turn of the event loop in between, so an answer is only
 *   ever stored in its own engine's memo.
 * - Only well-formed answers are held (`ok: true`); a failure is evaluated again each time.
 * - Bounded by entries and by bytes (the key's UTF-16 size plus a fixed overhead per entry).
 * Only the evaluation is skipped: the caller still makes a decision id, times it and tells every
 * observer, hit or miss.
 */
import type { CheckedDecision } from '../engine/decision-schema.js';
import type { PolicyEngine } from '../engine/wasm-engine.js';
import type { PolicyDecision, PolicyInput } from '../contract/policy-io.js';
import { createBoundedLru, type BoundedLru } from './bounded-lru.js';

/** What an entry costs besides its key: the map entry, its holder and the decision object. */
const ENTRY_OVERHEAD_BYTES = 320;

type MemoOutcome = 'hit' | 'miss';

export interface DecisionMemoOptions {
  /** Most answers held; 0 turns the memo off. */
  entries: number;
  /** Most bytes held (keys and a fixed overhead per entry); 0 turns the memo off. */
  bytes: number;
  /** Told the outcome of every lookup (the hits/misses counter). Must not throw. */
  onLookup?: (outcome: MemoOutcome) => void;
}

/** Evaluates `input` with `engine`, or answers from the memo of that engine. */
export type EvaluatePolicy = (engine: PolicyEngine, input: PolicyInput) => CheckedDecision;

const evaluateDirectly: EvaluatePolicy = (engine, input) => engine.evaluate(input);

export function createDecisionMemo(options: DecisionMemoOptions | undefined): EvaluatePolicy {
  if (!options || options.entries <= 0 || options.bytes <= 0) return evaluateDirectly;
  const limits = { maxEntries: options.entries, maxBytes: options.bytes };
  const onLookup = options.onLookup ?? (() => undefined);
  let slot: { engine: PolicyEngine; answers: BoundedLru<PolicyDecision> } | null = null;
  const answersOf = (engine: PolicyEngine) => {
    if (slot?.engine !== engine) slot = { engine, answers: createBoundedLru(limits) };
    return slot.answers;
  };
  return (engine, input) => {
    let key: string;
    try {
      key = JSON.stringify(input);
    } catch {
      return engine.evaluate(input); // not JSON (a cycle, a BigInt): the engine fails it closed
    }
    const answers = answersOf(engine);
    const held = answers.get(key);
    if (held) {
      onLookup('hit');
      return { ok: true, decision: held };
    }
    onLookup('miss');
    const result = engine.evaluate(input);
    if (result.ok)
      answers.set(key, Object.freeze(result.decision), key.length * 2 + ENTRY_OVERHEAD_BYTES);
    return result;
  };
}
