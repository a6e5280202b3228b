/**
 * Facts a fault reads from its samples and measurements besides the table's figures: a
 * distribution of durations, the wrong denies anywhere in a run, the last allow of a group, and a
 * failure line with an example.
 */
import type { FaultWindow } from './analyse.js';
import type { Sample } from './load.js';

/** "p50 X ms, p99 Y ms, max Z ms (N)" of a list of durations, or "none" when it is empty. */
export function distribution(values: readonly number[]): string {
  if (values.length === 0) return 'none';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    (sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)] ?? 0).toFixed(1);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms (${sorted.length})`;
}

/** The p99 of a list of durations (null when empty). */
export function p99Of(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? null;
}

/** Samples that expected an allow and got anything else, wherever they were sent. */
export const wrongDenies = (samples: readonly Sample[]) =>
  samples.filter((s) => s.expected === 'allow' && s.outcome !== 'allow');

/** "N <what> (e.g. group via target: reason)" of the samples a check found, for a failure line. */
export function countWithExample(what: string, found: readonly Sample[]): string {
  const [first] = found;
  const example = first ? ` (e.g. ${first.group} via ${first.target}: ${first.reason})` : '';
  return `${found.length} ${what}${example}`;
}

/** The last allow a group got on `target` (any target when omitted) at or after `from`, as the time it was answered. */
export function lastAllow(
  samples: readonly Sample[],
  group: string,
  from: number,
  target?: string,
): number | null {
  return samples
    .filter(
      (s) =>
        s.group === group &&
        s.outcome === 'allow' &&
        s.sentAt >= from &&
        (target === undefined || s.target === target),
    )
    .reduce<number | null>((last, s) => Math.max(last ?? -Infinity, s.sentAt), null);
}

/** "reason ×N, …" of the samples' answers, most frequent first. */
export function reasonCounts(samples: readonly Sample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const key = `${s.outcome}:${s.reason || '-'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
}

/**
 * The run with its window opened at the first request still in flight when the fault was
 * injected: such a request was sent before the fault but answered under it (its Redis reply
 * crossed the slowed proxy), so its deny is the fault's cost, not a defect.
 */
export function withInFlightAtStart<T extends { samples: Sample[]; window: FaultWindow }>(
  run: T,
): T {
  const { start } = run.window;
  const inFlight = run.samples.filter((s) => s.sentAt < start && s.sentAt + s.latencyMs > start);
  const first = inFlight.reduce((min, s) => Math.min(min, s.sentAt), start);
  return { ...run, window: { ...run.window, start: first } };
}
