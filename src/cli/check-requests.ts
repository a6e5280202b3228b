/**
 * The requests of an `orgwarden check --input FILE`: one JSON document, a JSON array of them, or
 * JSON Lines (one document per non-empty line). A problem names the file and, for several
 * requests, the item or line, and nothing is evaluated.
 */
import { UsageError } from './args.js';

/** The most requests one file may ask (a review table, not a replay: see `orgwarden diff`). */
export const MAX_CHECK_REQUESTS = 10_000;

export interface CheckRequestDoc {
  /** Where it came from, for messages: `item 3`, `line 7`, or '' for a single document. */
  at: string;
  doc: unknown;
}

export function readCheckRequests(text: string, file: string): CheckRequestDoc[] {
  let whole: unknown;
  try {
    whole = JSON.parse(text) as unknown;
  } catch {
    return jsonLines(text, file);
  }
  if (!Array.isArray(whole)) return [{ at: '', doc: whole }];
  if (whole.length === 0) throw new UsageError(`${file}: the list of requests is empty`);
  bounded(whole.length, file);
  return (whole as unknown[]).map((doc, i) => ({ at: `item ${i}`, doc }));
}

function jsonLines(text: string, file: string): CheckRequestDoc[] {
  const docs: CheckRequestDoc[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      docs.push({ at: `line ${i + 1}`, doc: JSON.parse(line) as unknown });
    } catch {
      throw new UsageError(`${file}: line ${i + 1}: not valid JSON`);
    }
    bounded(docs.length, file);
  }
  if (docs.length === 0) throw new UsageError(`${file}: not valid JSON`);
  return docs;
}

function bounded(count: number, file: string): void {
  if (count > MAX_CHECK_REQUESTS)
    throw new UsageError(`${file}: more than ${MAX_CHECK_REQUESTS} requests`);
}
