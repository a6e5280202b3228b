/**
 * Checks of replicas a fault makes outside the load: `/readyz` while a dependency is broken and
 * after, and a warm-up that asks every probe once of every replica before the load starts (a
 * replica just started answers its first decisions slowly while it compiles and connects).
 */
import type { Probe } from './load.js';
import type { Replica } from './replica.js';

/** Failure lines for the replicas whose `/readyz` status is not `want`. */
export async function readinessFailures(
  replicas: readonly Replica[],
  want: number,
  when: string,
): Promise<string[]> {
  const failures: string[] = [];
  for (const r of replicas) {
    const status = await fetch(`${r.url}/readyz`, { signal: AbortSignal.timeout(5000) }).then(
      (res) => res.status,
      (err: unknown) => `no answer (${err instanceof Error ? err.message : String(err)})`,
    );
    if (status !== want)
      failures.push(`replica ${r.name} /readyz ${status} ${when} (want ${want})`);
  }
  return failures;
}

/** Sends every probe's body once to every replica, answers ignored. */
export async function warmUp(
  replicas: readonly Replica[],
  probes: readonly Probe[],
): Promise<void> {
  for (const r of replicas)
    for (const p of probes)
      await fetch(`${r.url}/v1/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(p.body),
      }).then((res) => res.arrayBuffer());
}
