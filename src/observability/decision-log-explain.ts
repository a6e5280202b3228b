/**
 * The decision log's `explain`: the policy's explanation (contract/explain.ts), bounded like the
 * entry's other free text. Every string (detail, a fact, an element of a list fact) is cut to
 * MAX_FIELD_CHARS and a list fact to MAX_LIST_FACT elements; what was cut is named in the entry's
 * `truncated` (`explain.<step>.facts.<fact>`). The list itself is twelve steps (the engine refuses
 * any other explanation) of at most sixteen facts each, so the field stays a few KiB. Facts hold
 * roles, org ids, scopes and flags, never a token.
 *
 * Shared by decision-log-entry.ts and decision-log-line.ts, so the two spell the same value.
 */
import type { ExplainFact, ExplainStep, Explanation } from '../contract/explain.js';

/** The most elements of a list fact (a token's bound orgs, its scopes) the log keeps. */
const MAX_LIST_FACT = 32;

/** `text(value, field)` bounds one string and records the field when it cut it. */
export type BoundText = (value: string, field: string) => string;

export function boundedExplanation(
  explain: Explanation,
  text: BoundText,
  truncated: string[],
): Explanation {
  return explain.map((step, i) => {
    const at = `explain.${i}`;
    // Bounded in the order the step is written, so `truncated` lists its fields in that order.
    const detail =
      step.detail === undefined || step.detail === null
        ? step.detail
        : text(step.detail, `${at}.detail`);
    const facts: Record<string, ExplainFact> = {};
    for (const [key, value] of Object.entries(step.facts)) {
      facts[key] = boundedFact(value, `${at}.facts.${key}`, text, truncated);
    }
    // In the order of contract/explain.ts; reason and detail only on the deciding step.
    const bounded: Omit<ExplainStep, 'facts'> & Partial<Pick<ExplainStep, 'facts'>> = {
      check: step.check,
      passed: step.passed,
    };
    if (step.reason !== undefined) bounded.reason = step.reason;
    if (detail !== undefined) bounded.detail = detail;
    bounded.facts = facts;
    return bounded as ExplainStep;
  });
}

function boundedFact(
  value: ExplainFact,
  field: string,
  text: BoundText,
  truncated: string[],
): ExplainFact {
  if (typeof value === 'string') return text(value, field);
  if (!Array.isArray(value)) return value;
  const kept = value.slice(0, MAX_LIST_FACT);
  const before = truncated.length;
  const list = kept.map((element) => text(element, field));
  // one name per cut list, however many of its elements were cut
  truncated.length = before;
  if (kept.length < value.length || list.some((s, j) => s.length !== kept[j]?.length))
    truncated.push(field);
  return list;
}
