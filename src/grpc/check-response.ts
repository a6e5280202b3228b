/**
 * The forward-auth surface's answer as Envoy's `CheckResponse`. Envoy lets a request through only
 * when `status.code` is OK; any other code denies it with `denied_response`'s HTTP status (403
 * when none is given). The codes follow Envoy's convention — UNAUTHENTICATED for a 401,
 * PERMISSION_DENIED for every other denial — but the status, headers and body the client gets are
 * the HTTP flavour's, unchanged:
 *
 * - allow: `ok_response.headers` sets the `x-orgwarden-*` identity headers on the upstream request
 *   (`append: false`, so a client-sent header of the same name is replaced), and
 *   `headers_to_remove` drops every other `x-orgwarden-*` header the client sent, so the upstream
 *   only ever reads identity headers orgwarden set.
 * - deny: `denied_response` with the HTTP status, the answer's headers, the JSON body with its
 *   content type, and `cache-control: no-store` as the HTTP flavour sends them.
 */
import type { Answer } from '../surfaces/forward-auth/answer.js';
import type { CheckRequest } from '../surfaces/forward-auth/original-request.js';

/** google.rpc.Code values Envoy reads in `CheckResponse.status`. */
const RPC_CODES = { OK: 0, PERMISSION_DENIED: 7, UNAUTHENTICATED: 16 } as const;

const IDENTITY_PREFIX = 'x-orgwarden-';
const JSON_TYPE = 'application/json; charset=utf-8';

interface HeaderOption {
  header: { key: string; value: string };
  append: { value: boolean };
}

export interface CheckResponseMessage {
  status: { code: number; message: string };
  ok_response?: { headers: HeaderOption[]; headers_to_remove: string[] };
  denied_response?: { status: { code: number }; headers: HeaderOption[]; body: string };
}

const option = (key: string, value: string): HeaderOption => ({
  header: { key, value },
  append: { value: false },
});

export function toCheckResponse(
  answer: Answer,
  request: CheckRequest | null,
): CheckResponseMessage {
  if (answer.status === 200) {
    const set = Object.keys(answer.headers);
    const sent = Object.keys(request?.headersDistinct ?? {});
    return {
      status: { code: RPC_CODES.OK, message: '' },
      ok_response: {
        headers: Object.entries(answer.headers).map(([k, v]) => option(k, v)),
        headers_to_remove: sent.filter((n) => n.startsWith(IDENTITY_PREFIX) && !set.includes(n)),
      },
    };
  }
  const body = answer.body ? JSON.stringify(answer.body) : '';
  const headers: Record<string, string> = { ...answer.headers, 'cache-control': 'no-store' };
  if (answer.body) headers['content-type'] = JSON_TYPE;
  return {
    status: {
      code: answer.status === 401 ? RPC_CODES.UNAUTHENTICATED : RPC_CODES.PERMISSION_DENIED,
      message: answer.body?.error ?? '',
    },
    denied_response: {
      // envoy.type.v3.StatusCode's values are the HTTP status codes themselves.
      status: { code: answer.status },
      headers: Object.entries(headers).map(([k, v]) => option(k, v)),
      body,
    },
  };
}
