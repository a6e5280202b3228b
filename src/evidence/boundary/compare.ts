/** Judging one answer against the oracle: the first field that disagrees names the failure. */
import type { BoundaryCase, CaseResult } from './types.js';

const FIELDS = ['allow', 'reason', 'status', 'detail', 'spoof', 'effective_org'] as const;

export function judge(
  c: BoundaryCase,
  actual: Readonly<Record<string, unknown>> | null,
  error?: string,
): CaseResult {
  const base = {
    name: c.name,
    action: c.action,
    boundary: c.boundary,
    expected: c.expected,
    actual,
  };
  if (actual === null) return { ...base, passed: false, message: error ?? 'no answer' };
  const wrong = FIELDS.find(
    (field) => field in c.expected && !Object.is(actual[field], c.expected[field]),
  );
  if (wrong === undefined) return { ...base, passed: true };
  return {
    ...base,
    passed: false,
    message: `${wrong}: expected ${JSON.stringify(c.expected[wrong])}, got ${JSON.stringify(actual[wrong])}`,
  };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
