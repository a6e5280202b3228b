/**
 * The checked decision of each result text the compiled module answered, so a text seen before is
 * neither parsed nor checked again. Sound because the check is a pure function of the text: the
 * same bytes parse to the same document and pass or fail the same checks. Only texts that passed
 * are kept, their decisions frozen (shared between evaluations, never changed). Bounded: when
 * `limit` texts are held the table is emptied and fills again (texts differ by effective org, so
 * a deployment with many orgs would otherwise grow it without end).
 */
import { checkResultSet, type CheckedDecision } from './decision-schema.js';

export interface ResultTexts {
  check(text: string): CheckedDecision;
}

export function createResultTexts(limit = 1024): ResultTexts {
  const seen = new Map<string, CheckedDecision>();
  return {
    check(text) {
      const known = seen.get(text);
      if (known) return known;
      const checked = checkResultSet(JSON.parse(text) as unknown);
      if (!checked.ok) return checked;
      const kept = Object.freeze({ ok: true as const, decision: Object.freeze(checked.decision) });
      if (seen.size >= limit) seen.clear();
      seen.set(text, kept);
      return kept;
    },
  };
}
