/**
 * The steady decision load: keep-alive clients, each in a loop of `POST /v1/authorize`, cycling
 * through the probes and the targets (replicas or a gateway). Every answer is kept as a sample
 * with the outcome the probe expected *when it was sent*, so a fault's table row is computed from
 * the samples afterwards (analyse.ts), never from what the load driver believed at the time.
 */
import http from 'node:http';

type Outcome = 'allow' | 'deny' | 'failed';
/** What a probe must get: allow, deny, or either (a decision in flux, e.g. a revocation not yet acknowledged). */
export type Expectation = 'allow' | 'deny' | 'any';

export interface Probe {
  /** The probe's group in the mix: members, spoofs, non-members, the positive control. */
  group: string;
  /** The authorize body (token, org, action, …). */
  body: Record<string, unknown>;
  /** The expected outcome for a request sent at `sentAt` (performance.now()). */
  expect(sentAt: number): Expectation;
}

export interface Sample {
  group: string;
  target: string;
  sentAt: number;
  latencyMs: number;
  expected: Expectation;
  outcome: Outcome;
  /** The decision's reason, or why the request failed (status, error code). */
  reason: string;
  /** The decision's `policy_revision`, when the answer carried one. */
  revision?: string;
}

export interface LoadOptions {
  targets: readonly string[];
  probes: readonly Probe[];
  /** Concurrent keep-alive clients (default 8). */
  clients?: number;
  /** Path of the decision endpoint (default /v1/authorize). */
  path?: string;
  /** A client whose target refuses connections waits this long before its next request (default 20 ms). */
  backoffMs?: number;
  /**
   * Route as a load balancer with active health checks does: poll each target's `path` every
   * `intervalMs` and send only to targets whose last answer was 200 (all of them while none is).
   */
  readiness?: { path: string; intervalMs: number };
}

export interface Load {
  readonly samples: readonly Sample[];
  /** Stops the clients after their request in flight and returns every sample. */
  stop(): Promise<Sample[]>;
}

/** Requests whose connection was refused: never sent, so not a lost request (a failed one is). */
export const NOT_SENT = 'not_sent';

export function startLoad(options: LoadOptions): Load {
  const samples: Sample[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients ?? 8 });
  let running = true;
  let counter = 0;
  const path = options.path ?? '/v1/authorize';

  const down = new Set<string>();
  const healthy = (targets: readonly string[]) => {
    const up = targets.filter((t) => !down.has(t));
    return up.length > 0 ? up : targets;
  };
  const { readiness } = options;
  const poller = readiness
    ? setInterval(() => {
        for (const t of options.targets)
          void fetch(`${t}${readiness.path}`).then(
            (res) => {
              void res.body?.cancel();
              if (res.status === 200) down.delete(t);
              else down.add(t);
            },
            () => down.add(t),
          );
      }, readiness.intervalMs)
    : null;
  const client = async (index: number) => {
    while (running) {
      const n = counter++;
      const probe = options.probes[n % options.probes.length];
      const pool = healthy(options.targets);
      const target = pool[(n + index) % pool.length];
      if (!probe || !target) return;
      const sentAt = performance.now();
      const expected = probe.expect(sentAt);
      const answer = await post(agent, `${target}${path}`, probe.body);
      samples.push({
        group: probe.group,
        target,
        sentAt,
        latencyMs: performance.now() - sentAt,
        expected,
        outcome: answer.outcome,
        reason: answer.reason,
        ...(answer.revision === undefined ? {} : { revision: answer.revision }),
      });
      if (answer.reason === NOT_SENT)
        await new Promise((r) => setTimeout(r, options.backoffMs ?? 20));
    }
  };
  const clients = Array.from({ length: options.clients ?? 8 }, (_, i) => client(i));
  return {
    samples,
    async stop() {
      running = false;
      if (poller) clearInterval(poller);
      await Promise.all(clients);
      agent.destroy();
      return samples;
    },
  };
}

/** One decision request on `agent`: its outcome and reason (the load's own request, for one-off probes). */
export function post(
  agent: http.Agent,
  url: string,
  body: Record<string, unknown>,
): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('error', (err) =>
          resolve({ outcome: 'failed', reason: `response: ${err.message}` }),
        );
        res.on('end', () => resolve(readDecision(res.statusCode ?? 0, text)));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve(
        err.code === 'ECONNREFUSED'
          ? { outcome: 'failed', reason: NOT_SENT }
          : { outcome: 'failed', reason: err.code ?? err.message },
      ),
    );
    req.end(payload);
  });
}

export interface Answer {
  outcome: Outcome;
  reason: string;
  revision?: string;
}

/** A decision answer is 200 (allow or deny) or 403 (deny); anything else is a failed request. */
function readDecision(status: number, text: string): Answer {
  let json:
    | { allow?: unknown; reason?: unknown; policy_revision?: unknown; error?: { code?: unknown } }
    | undefined;
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    json = undefined;
  }
  if (json && typeof json.allow === 'boolean')
    return {
      outcome: json.allow ? 'allow' : 'deny',
      reason: typeof json.reason === 'string' ? json.reason : '',
      ...(typeof json.policy_revision === 'string' ? { revision: json.policy_revision } : {}),
    };
  // An error answer from orgwarden (4xx/5xx with an error code) is a deny with its reason: the
  // request was answered, and the caller fails closed on it.
  if (json?.error && typeof json.error.code === 'string' && status >= 400)
    return { outcome: 'deny', reason: json.error.code };
  return { outcome: 'failed', reason: `HTTP ${status}` };
}
