/**
 * A real gRPC client of `envoy.service.auth.v3.Authorization`, built with @grpc/grpc-js from the
 * same vendored protos the server loads (`proto/`), and the two ways Envoy describes a request's
 * headers: the `headers` map (the default; lines of one name joined) or `header_map` (one entry
 * per line, `encode_raw_headers: true`; used here whenever a case sends a header twice).
 */
import { credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { load } from '@grpc/proto-loader';
import { EXTERNAL_AUTH_PROTO, PROTO_OPTIONS } from '../../src/grpc/protos.js';
import type { NormalisedAnswer } from '../forward-auth/cases.js';

interface HeaderOption {
  header: { key: string; value: string };
  append: { value: boolean } | null;
}

export interface CheckResponse {
  status: { code: number; message: string };
  /** Which member of the `http_response` oneof is set (the other is absent). */
  http_response?: 'ok_response' | 'denied_response';
  ok_response: { headers: HeaderOption[]; headers_to_remove: string[] } | null;
  denied_response: { status: { code: number }; headers: HeaderOption[]; body: string } | null;
}

type CheckOutcome = { ok: true; response: CheckResponse } | { ok: false; error: ServiceError };

type Unary = (
  request: unknown,
  metadata: Metadata,
  callback: (err: ServiceError | null, response?: CheckResponse) => void,
) => void;

export interface CheckClient {
  check(request: unknown, metadata?: Record<string, string>): Promise<CheckOutcome>;
  close(): void;
}

export async function checkClient(port: number): Promise<CheckClient> {
  // Numbers for enums: the HTTP status of a denial is envoy.type.v3.StatusCode's value.
  const definition = await load(EXTERNAL_AUTH_PROTO, { ...PROTO_OPTIONS, enums: Number });
  const root = loadPackageDefinition(definition) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: new (...args: unknown[]) => unknown } } } };
  };
  const client = new root.envoy.service.auth.v3.Authorization(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  ) as { Check: Unary; close(): void };
  return {
    check(request, metadata = {}) {
      const md = new Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      return new Promise((resolve) => {
        client.Check(request, md, (err, response) =>
          resolve(err ? { ok: false, error: err } : { ok: true, response: response! }),
        );
      });
    },
    close: () => client.close(),
  };
}

/** A CheckRequest as Envoy sends it for the original `method` and `uri`. */
export function checkRequestFor(
  method: string,
  uri: string,
  headers: Record<string, string | string[]> = {},
  mode: 'map' | 'header_map' = Object.values(headers).some(Array.isArray) ? 'header_map' : 'map',
): unknown {
  const lines = Object.entries(headers).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).map((value) => [k, value] as const),
  );
  const http =
    mode === 'map'
      ? { headers: Object.fromEntries(lines) }
      : {
          header_map: {
            headers: lines.map(([key, value]) => ({
              key,
              raw_value: Buffer.from(value, 'latin1'),
            })),
          },
        };
  return { attributes: { request: { http: { method, path: uri, ...http } } } };
}

/** The client's view of a CheckResponse: the status, headers and body Envoy would act on. */
export function normalise(response: CheckResponse): NormalisedAnswer {
  const headers: Record<string, string | undefined> = {};
  if (response.ok_response) {
    for (const h of response.ok_response.headers) headers[h.header.key] = h.header.value;
    return { status: 200, headers, body: '' };
  }
  const denied = response.denied_response;
  if (!denied) throw new Error('a non-OK CheckResponse without denied_response');
  for (const h of denied.headers) headers[h.header.key] = h.header.value;
  return { status: denied.status.code, headers, body: denied.body };
}
