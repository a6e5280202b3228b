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
 *   resource nobody asks about again) never evicts answers that are asked for, nor makes garbage.
 *   The doorkeeper that remembers first sightings holds 32-bit hashes only; a collision merely
 *   stores an answer one evaluation early (the key itself is always compared in full).
 * Only the evaluation is skipped: the caller still makes a decision id, times it and tells every
 * observer, hit or miss.
 */
import type { CheckedDecision } from '../engine/decision-schema.js';
import type { PolicyEngine } from '../engine/wasm-engine.js';
import type { PolicyDecision, PolicyInput } from '../contract/policy-io.js';
import { createBoundedLru, type BoundedLru } from './bounded-lru.js';

/** What an entry costs besides its key: the map entry, its holder and the decision object. */
const ENTRY_OVERHEAD_BYTES = 320;

/** First sightings remembered (hashes, direct-mapped: a newer sighting overwrites an older). */
const DOORKEEPER_SLOTS = 1 << 16;

/** FNV-1a over the UTF-16 code units. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

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

/** The memo of one engine instance: its answers and the first sightings of inputs. */
interface Slot {
  engine: PolicyEngine;
  answers: BoundedLru<PolicyDecision>;
  seen: Uint32Array;
}

const evaluateDirectly: EvaluatePolicy = (engine, input) => engine.evaluate(input);

export function createDecisionMemo(options: DecisionMemoOptions | undefined): EvaluatePolicy {
  if (!options || options.entries <= 0 || options.bytes <= 0) return evaluateDirectly;
  const limits = { maxEntries: options.entries, maxBytes: options.bytes };
  const onLookup = options.onLookup ?? (() => undefined);
  let slot: Slot | null = null;
  const slotOf = (engine: PolicyEngine): Slot => {
    if (slot?.engine !== engine)
      slot = {
        engine,
        answers: createBoundedLru(limits),
        seen: new Uint32Array(DOORKEEPER_SLOTS),
      };
    return slot;
  };
  return (engine, input) => {
    let key: string;
    try {
      key = JSON.stringify(input);
    } catch {
      return engine.evaluate(input); // not JSON (a cycle, a BigInt): the engine fails it closed
    }
    const { answers, seen } = slotOf(engine);
    const held = answers.get(key);
    if (held) {
      onLookup('hit');
      return { ok: true, decision: held };
    }
    onLookup('miss');
    const result = engine.evaluate(input, key); // the key is the input's JSON: not built twice
    if (result.ok) {
      const hash = hashOf(key);
      const at = hash & (DOORKEEPER_SLOTS - 1);
      if (seen[at] === hash)
        answers.set(key, Object.freeze(result.decision), key.length * 2 + ENTRY_OVERHEAD_BYTES);
      else seen[at] = hash;
    }
    return result;
  };
}
