/**
 * Defence in depth for the policy's input: a string that is not well-formed Unicode (a lone
 * surrogate) makes the WASM policy's JSON reader abort, which would surface as `policy_error`
 * (500) on demand. The HTTP layer refuses such bodies with 400; this catches whatever reaches the
 * core another way (an in-process caller, a claim, a directory record) and turns it into a deny
 * with the reason of the part at fault, before the policy is asked.
 *
 * Invariant: `malformedInputDeny` returns null only when every string in the input, keys included,
 * is well-formed; otherwise a deny (never `policy_error`, never an allow). Given the input's JSON
 * (`JSON.stringify(input)`), text without the escape `\ud` proves that at once: JSON.stringify
 * writes every lone surrogate, in a key or a value, as `\udXXX` (lower case), so only an input
 * whose JSON holds that escape is walked.
 */
import { isWellFormedDeep } from '../contract/ids.js';
import type { PolicyDecision, PolicyInput } from '../contract/policy-io.js';
import { REASON_STATUS, type DenyReason } from '../contract/reasons.js';

/** The detail of every deny decided here (`unauthenticated` keeps its auth code instead). */
const MALFORMED_INPUT_DETAIL = 'malformed_input';

interface InputPart {
  reason: DenyReason;
  detail: string;
  of: (input: PolicyInput) => unknown;
}

/** The whole input: malformed whenever any part is, so it answers when no earlier part did. */
const WHOLE_INPUT: InputPart = {
  reason: 'access_denied',
  detail: MALFORMED_INPUT_DETAIL,
  of: (i) => i,
};

/** In the contract's check order: the first malformed part decides the reason. */
const PARTS: readonly InputPart[] = [
  { reason: 'unauthenticated', detail: 'claim_invalid', of: (i) => i.principal },
  { reason: 'unknown_action', detail: MALFORMED_INPUT_DETAIL, of: (i) => i.action },
  {
    reason: 'invalid_org',
    detail: MALFORMED_INPUT_DETAIL,
    of: (i) => [i.requested_org, i.resource?.org ?? null],
  },
  { reason: 'directory_unavailable', detail: MALFORMED_INPUT_DETAIL, of: (i) => i.directory },
  // resource type and id, context, and anything else a caller sends
  WHOLE_INPUT,
];

export function malformedInputDeny(input: PolicyInput, json?: string): PolicyDecision | null {
  if (json !== undefined && !json.includes('\\ud')) return null; // the common case: no walk
  if (isWellFormedDeep(input)) return null;
  const part = PARTS.find(({ of }) => !isWellFormedDeep(of(input))) ?? WHOLE_INPUT;
  return {
    allow: false,
    reason: part.reason,
    detail: part.detail,
    status: REASON_STATUS[part.reason],
    effective_org: null,
    role: null,
    spoof: false,
  };
}
