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
 * - An answer is stored from its input's second evaluation on: a one-off input (a request about a
 *   resource nobody asks about again) never evicts answers that are asked for. First sightings
 *   are remembered in their own LRU (keys only), so the memo's whole footprint, answers and
 *   sightings, stays within its byte bound: a quarter of the bytes goes to the sightings, the rest
 *   to the answers, and each holds at most the entry bound. (Keys already looked up carry the JavaScript engine's cached string hash, so remembering a
 *   sighting costs a map insertion, not a pass over the key.)
 * Only the evaluation is skipped: the caller still makes a decision id, times it and tells every
 * observer, hit or miss.
 */
import type { CheckedDecision } from '../engine/decision-schema.js';
import type { PolicyEngine } from '../engine/wasm-engine.js';
import type { PolicyDecision, PolicyInput } from '../contract/policy-io.js';
import { createBoundedLru, type BoundedLru } from './bounded-lru.js';

/** What an entry costs besides its key: the map entry, its holder and the decision object. */
const ENTRY_OVERHEAD_BYTES = 320;

/** What a first sighting costs besides its key: the map entry and its list node. */
const SIGHTING_OVERHEAD_BYTES = 96;

type MemoOutcome = 'hit' | 'miss';

export interface DecisionMemoOptions {
  /** Most answers held; 0 turns the memo off. */
  entries: number;
  /** Most bytes held (keys and a fixed overhead per entry); 0 turns the memo off. */
  bytes: number;
  /** Told the outcome of every lookup (the hits/misses counter). Must not throw. */
  onLookup?: (outcome: MemoOutcome) => void;
}

/**
 * Evaluates `input` with `engine`, or answers from the memo of that engine. `json`, when the
 * caller has it, must be `JSON.stringify(input)` (it is the key, and what the engine is handed).
 */
type EvaluatePolicy = (engine: PolicyEngine, input: PolicyInput, json?: string) => CheckedDecision;

/** The memo of one engine instance: its answers and the first sightings of inputs. */
interface Slot {
  engine: PolicyEngine;
  answers: BoundedLru<PolicyDecision>;
  sightings: BoundedLru<true>;
}

const evaluateDirectly: EvaluatePolicy = (engine, input, json) => engine.evaluate(input, json);

/** The memo as the decision core uses it, and what it holds now (for tests and diagnostics). */
export type DecisionMemo = EvaluatePolicy & {
  /** Answers and first sightings held, and their summed weight in bytes. */
  footprint(): { answers: number; sightings: number; bytes: number };
};

export function createDecisionMemo(options: DecisionMemoOptions | undefined): DecisionMemo {
  if (!options || options.entries <= 0 || options.bytes <= 0)
    return Object.assign(evaluateDirectly, { footprint: () => EMPTY_FOOTPRINT });
  // As many sightings as answers, a quarter of the bytes for them and the rest for the answers.
  const sightingLimits = { maxEntries: options.entries, maxBytes: Math.ceil(options.bytes / 4) };
  const answerLimits = {
    maxEntries: options.entries,
    maxBytes: options.bytes - sightingLimits.maxBytes,
  };
  const onLookup = options.onLookup ?? (() => undefined);
  let slot: Slot | null = null;
  const slotOf = (engine: PolicyEngine): Slot => {
    if (slot?.engine !== engine)
      slot = {
        engine,
        answers: createBoundedLru(answerLimits),
        sightings: createBoundedLru(sightingLimits),
      };
    return slot;
  };
  const evaluate: EvaluatePolicy = (engine, input, json) => {
    let key: string;
    try {
      key = json ?? JSON.stringify(input);
    } catch {
      return engine.evaluate(input); // not JSON (a cycle, a BigInt): the engine fails it closed
    }
    const { answers, sightings } = slotOf(engine);
    const held = answers.get(key);
    if (held) {
      onLookup('hit');
      return { ok: true, decision: held };
    }
    onLookup('miss');
    const result = engine.evaluate(input, key); // the key is the input's JSON: not built twice
    if (result.ok) {
      if (sightings.delete(key))
        answers.set(key, Object.freeze(result.decision), key.length * 2 + ENTRY_OVERHEAD_BYTES);
      else sightings.set(key, true, key.length * 2 + SIGHTING_OVERHEAD_BYTES);
    }
    return result;
  };
  const footprint = () => {
    if (slot === null) return EMPTY_FOOTPRINT;
    const { answers, sightings } = slot;
    return {
      answers: answers.size,
      sightings: sightings.size,
      bytes: answers.bytes + sightings.bytes,
    };
  };
  return Object.assign(evaluate, { footprint });
}

const EMPTY_FOOTPRINT = Object.freeze({ answers: 0, sightings: 0, bytes: 0 });
