/** Helpers for the observability tests: reading Prometheus text output and building records. */
import type { Decision, DecisionRecord } from '../../src/contract/decision.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (what `GET /metrics` answers). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    )) {
      labels[key as string] = (value as string).replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name and exactly these labels; throws when there is none. */
export function valueOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const wanted = Object.entries(labels);
  const found = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === wanted.length &&
      wanted.every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1)
    throw new Error(`${name}${JSON.stringify(labels)}: ${found.length} samples`);
  return (found[0] as Sample).value;
}

/** Every sample of one metric. */
export function seriesOf(samples: Sample[], name: string): Sample[] {
  return samples.filter((s) => s.name === name);
}

export async function scrape(
  url: string,
): Promise<{ text: string; samples: Sample[]; contentType: string | null }> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status}`);
  const text = await res.text();
  return { text, samples: parseMetrics(text), contentType: res.headers.get('content-type') };
}

/** Polls until `check` returns a value other than undefined, or fails at the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

let sequence = 0;

/** A decision record as the core would hand it to observers. */
export function record(
  overrides: { decision?: Partial<Decision> } & Partial<Omit<DecisionRecord, 'decision'>> = {},
): DecisionRecord {
  sequence += 1;
  const decision: Decision = {
    decision_id: `01TESTDECISION${String(sequence).padStart(12, '0')}`,
    allow: true,
    reason: 'allowed',
    detail: null,
    status: 200,
    effective_org: 'acme',
    principal: { id: 'alice', kind: 'session' },
    role: 'owner',
    spoof: false,
    policy_revision: 'sha256:test',
    multi_tenant: true,
    ...overrides.decision,
  };
  const { decision: _ignored, ...rest } = overrides;
  return {
    kind: 'request',
    requested_org: { id: 'acme', source: 'field' },
    action: 'org.read',
    resource: null,
    spoof_source: null,
    time: new Date('2025-01-02T03:04:05.678Z'),
    latency_s: 0.000123,
    ...rest,
    decision,
  };
}

export const deny = (overrides: Partial<Decision> = {}): { decision: Partial<Decision> } => ({
  decision: {
    allow: false,
    reason: 'access_denied',
    detail: 'not_member',
    status: 403,
    effective_org: null,
    role: null,
    spoof: true,
    ...overrides,
  },
});
