/**
 * Runs the suite against a running instance: decision cases through `POST /v1/authorize`, gateway
 * cases through `/v1/forward-auth`, and the kill switch flipped through `PUT /v1/admin/tenancy`
 * between the groups that need it (multi-tenant cases, then each kill-switch sequence, then the
 * single-tenant cases). The instance is left multi-tenant.
 */
import { judge, mapConcurrent } from './compare.js';
import type { BoundarySuite } from './generate.js';
import { authorizeDocument, createTokenMinter, gatewayHeaders } from './requests.js';
import type { BoundaryCase, BoundaryRun, CaseResult } from './types.js';

export interface BoundaryInstance {
  /** e.g. `http://127.0.0.1:41234` */
  readonly baseUrl: string;
  readonly adminToken: string;
  /** The shared caller token, when the instance's `server.caller_token_env` is set. */
  readonly callerToken?: string;
}

const CONCURRENCY = 8;
const CALLER_TOKEN_HEADER = 'x-orgwarden-caller-token';

export async function runBoundaryOverHttp(
  suite: BoundarySuite,
  instance: BoundaryInstance,
  secret: string,
): Promise<BoundaryRun[]> {
  const minter = createTokenMinter(secret, () => Math.floor(Date.now() / 1000));
  const caller: Record<string, string> = instance.callerToken
    ? { [CALLER_TOKEN_HEADER]: instance.callerToken }
    : {};

  async function setMultiTenant(on: boolean): Promise<void> {
    const res = await fetch(`${instance.baseUrl}/v1/admin/tenancy`, {
      method: 'PUT',
      headers: {
        ...caller,
        authorization: `Bearer ${instance.adminToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ multi_tenant: on }),
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`PUT /v1/admin/tenancy answered ${String(res.status)}`);
  }

  async function decide(c: BoundaryCase): Promise<CaseResult> {
    const token = await minter.tokenFor(c.scenario.principal);
    const res = await fetch(`${instance.baseUrl}/v1/authorize`, {
      method: 'POST',
      headers: { ...caller, 'content-type': 'application/json' },
      body: JSON.stringify(authorizeDocument(c.scenario, token, suite.tenancy)),
    });
    const body = (await res.json()) as Record<string, unknown>;
    return res.status === 200
      ? judge(c, body)
      : judge(
          c,
          null,
          `POST /v1/authorize answered ${String(res.status)}: ${JSON.stringify(body)}`,
        );
  }

  async function forwardAuth(c: BoundaryCase): Promise<CaseResult> {
    const route = c.route;
    if (!route) return judge(c, null, 'a forward-auth case without a route');
    const token = await minter.tokenFor(c.scenario.principal);
    const res = await fetch(`${instance.baseUrl}/v1/forward-auth`, {
      method: 'GET',
      headers: {
        ...caller,
        ...gatewayHeaders(c.scenario, token, suite.tenancy),
        'x-forwarded-method': route.method,
        'x-forwarded-uri': route.uri,
      },
    });
    const text = await res.text();
    const error = res.status === 200 ? 'allowed' : errorOf(text);
    return judge(c, { allow: res.status === 200, reason: error, status: res.status });
  }

  const run = (c: BoundaryCase) => (c.surface === 'decide' ? decide(c) : forwardAuth(c));
  const plain = suite.cases.filter((c) => !c.sequence);
  const sequences = new Map<string, BoundaryCase[]>();
  for (const c of suite.cases)
    if (c.sequence) sequences.set(c.sequence.id, [...(sequences.get(c.sequence.id) ?? []), c]);

  const results = new Map<BoundaryCase, CaseResult>();
  try {
    await setMultiTenant(true);
    const multi = plain.filter((c) => c.scenario.mode === 'multi');
    (await mapConcurrent(multi, CONCURRENCY, run)).forEach((r, i) =>
      results.set(multi[i] as BoundaryCase, r),
    );
    for (const steps of sequences.values())
      for (const c of [...steps].sort(
        (a, b) => (a.sequence?.step ?? 0) - (b.sequence?.step ?? 0),
      )) {
        await setMultiTenant(c.scenario.mode === 'multi');
        results.set(c, await run(c));
      }
    await setMultiTenant(false);
    const single = plain.filter((c) => c.scenario.mode === 'single');
    (await mapConcurrent(single, CONCURRENCY, run)).forEach((r, i) =>
      results.set(single[i] as BoundaryCase, r),
    );
  } finally {
    await setMultiTenant(true);
  }
  const of = (surface: BoundaryCase['surface']) =>
    suite.cases.filter((c) => c.surface === surface).flatMap((c) => results.get(c) ?? []);
  return [
    { target: 'http', results: of('decide') },
    { target: 'forward_auth', results: of('forward_auth') },
  ];
}

/** The `error` of a forward-auth answer's body (`{"error": …, "message": …}`). */
function errorOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    return typeof body.error === 'string' ? body.error : text.slice(0, 80);
  } catch {
    return text.slice(0, 80);
  }
}
