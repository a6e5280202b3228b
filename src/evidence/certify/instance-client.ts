/**
 * The HTTP calls the checklists and the drill make to the throw-away instance, exactly as a client,
 * a gateway or an operator makes them (docs/http.md, docs/gateways.md), and the fixture's tokens.
 */
import { mintFixtureToken } from '../boundary/fixture.js';
import type { CertifyInstance } from './types.js';

export interface Answer {
  readonly status: number;
  readonly text: string;
  /** The body parsed as JSON, null when it is not JSON. */
  readonly json: unknown;
}

export interface InstanceClient {
  authorize(doc: Readonly<Record<string, unknown>>): Promise<Answer>;
  /** A gateway's check request (Traefik/Caddy style) for `method uri`, with extra headers. */
  forwardAuth(
    method: string,
    uri: string,
    headers: Readonly<Record<string, string>>,
  ): Promise<Answer>;
  features(token: string): Promise<Answer>;
  policy(): Promise<Answer>;
  setMultiTenant(on: boolean): Promise<Answer>;
  metricsText(): Promise<string>;
}

export function instanceClient(
  instance: Pick<CertifyInstance, 'baseUrl' | 'adminToken' | 'callerToken'>,
  fetchFn: typeof fetch,
): InstanceClient {
  const caller: Record<string, string> = instance.callerToken
    ? { 'x-orgwarden-caller-token': instance.callerToken }
    : {};
  const call = async (path: string, init: RequestInit): Promise<Answer> => {
    const res = await fetchFn(instance.baseUrl + path, {
      ...init,
      headers: { ...caller, ...(init.headers as Record<string, string> | undefined) },
    });
    const text = await res.text();
    return { status: res.status, text, json: parseJson(text) };
  };
  return {
    authorize: (doc) =>
      call('/v1/authorize', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(doc),
      }),
    forwardAuth: (method, uri, headers) =>
      call('/v1/forward-auth', {
        method: 'GET',
        headers: { 'x-forwarded-method': method, 'x-forwarded-uri': uri, ...headers },
      }),
    features: (token) =>
      call('/v1/features', { method: 'GET', headers: { authorization: `Bearer ${token}` } }),
    policy: () => call('/v1/policy', { method: 'GET' }),
    setMultiTenant: (on) =>
      call('/v1/admin/tenancy', {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${instance.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ multi_tenant: on }),
      }),
    metricsText: async () => (await call('/metrics', { method: 'GET' })).text,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** A field of a JSON object answer, undefined when the answer is not an object. */
export function field(answer: Answer, key: string): unknown {
  const body = answer.json;
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)[key]
    : undefined;
}

/** A session token of a fixture user, signed in just now (fresh for every action). */
export function sessionToken(secret: string, user: string, nowS: number): Promise<string> {
  return mintFixtureToken(secret, { sub: user, kind: 'session', auth_time: nowS }, nowS);
}

/** An API token of the fixture issuer bound to `org`, with `scope`. */
export function apiToken(
  secret: string,
  id: string,
  org: string,
  scope: string,
  nowS: number,
): Promise<string> {
  return mintFixtureToken(secret, { sub: id, kind: 'api_token', org_ids: [org], scope }, nowS);
}

/**
 * The sum of a metric's samples in a Prometheus text exposition whose labels include `labels`;
 * 0 when it has none. Only plain `name{…} value` sample lines are read.
 */
export function metricSum(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (match?.[1] !== name) continue;
    const found = new Map(
      [...(match[3] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v)) sum += Number(match[4]);
  }
  return sum;
}
