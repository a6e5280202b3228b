/**
 * Decision requests a fault sends itself, next to the steady load (e.g. asking one replica back to
 * back until a revoked member is denied there). Each is kept as a sample with the expectation it
 * had when it was sent, so the fault's row is computed from them together with the load's.
 */
import http from 'node:http';
import { post, type Expectation, type Sample } from './load.js';

export interface DirectProbes {
  readonly samples: Sample[];
  /** One decision request to `target`, kept as a sample. */
  send(
    target: string,
    group: string,
    body: Record<string, unknown>,
    expect: (sentAt: number) => Expectation,
  ): Promise<Sample>;
  close(): void;
}

export function directProbes(): DirectProbes {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const samples: Sample[] = [];
  return {
    samples,
    async send(target, group, body, expect) {
      const sentAt = performance.now();
      const expected = expect(sentAt);
      const answer = await post(agent, `${target}/v1/authorize`, body);
      const sample: Sample = {
        group,
        target,
        sentAt,
        latencyMs: performance.now() - sentAt,
        expected,
        ...answer,
      };
      samples.push(sample);
      return sample;
    },
    close: () => agent.destroy(),
  };
}

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
