/**
 * Envoy's `CheckRequest` read as the check request of the HTTP flavour's Envoy style: its
 * `attributes.request.http` method, and `FORWARD_AUTH_PATH` + its path as the URL, with its
 * headers. The forward-auth surface then reads it exactly as it reads an HTTP check request, so
 * the route manifest, path normalisation, credentials, org precedence and the decision are the
 * surface's, never repeated here.
 *
 * Headers: Envoy sends them either in `header_map` (one entry per header line, when the filter has
 * `encode_raw_headers: true`; values in `raw_value`) or in the `headers` map (lines of one name
 * joined by commas). Names are lower-cased as node:http lower-cases them, so `Authorization` and
 * `authorization` are one header and two of them are refused as given twice. HTTP/2 pseudo-headers
 * (`:path`, `:method`, …) are not headers of the request; the path and method come from their own
 * fields.
 *
 * Nothing here throws: a CheckRequest that describes no HTTP request is a message, and the caller
 * denies it as `invalid_request`.
 */
import type { CheckRequest } from '../surfaces/forward-auth/original-request.js';
import { FORWARD_AUTH_PATH } from '../surfaces/forward-auth/check.js';

/** The parts of a decoded `envoy.service.auth.v3.CheckRequest` read here (proto-loader, keepCase). */
export interface CheckRequestMessage {
  attributes?: {
    request?: {
      http?: {
        method?: string;
        path?: string;
        headers?: Record<string, string>;
        header_map?: {
          headers?: { key?: string; value?: string; raw_value?: Uint8Array }[];
        } | null;
      } | null;
    } | null;
  } | null;
}

export type ReadCheckRequest = { ok: true; value: CheckRequest } | { ok: false; message: string };

export function readCheckRequest(message: CheckRequestMessage): ReadCheckRequest {
  const http = message.attributes?.request?.http;
  if (!http) return { ok: false, message: 'the CheckRequest has no attributes.request.http' };
  const path = http.path ?? '';
  // Origin form only: anything else would not read as "a path after the prefix" (Envoy style).
  if (!path.startsWith('/'))
    return { ok: false, message: 'attributes.request.http.path must start with /' };
  return {
    ok: true,
    value: {
      method: http.method ?? '',
      url: `${FORWARD_AUTH_PATH}${path}`,
      headersDistinct: headerLists(http),
    },
  };
}

function headerLists(http: {
  headers?: Record<string, string>;
  header_map?: { headers?: { key?: string; value?: string; raw_value?: Uint8Array }[] } | null;
}): NodeJS.Dict<string[]> {
  // No prototype: a header named `__proto__` or `constructor` is just a header.
  const lists: NodeJS.Dict<string[]> = Object.create(null) as NodeJS.Dict<string[]>;
  const add = (key: string, value: string) => {
    const name = key.toLowerCase();
    if (name.startsWith(':')) return;
    (lists[name] ??= []).push(value);
  };
  const raw = http.header_map?.headers ?? [];
  if (raw.length > 0) {
    for (const h of raw) {
      // raw_value bytes are read as node:http reads header bytes (latin1).
      const value =
        h.raw_value && h.raw_value.length > 0
          ? Buffer.from(h.raw_value).toString('latin1')
          : (h.value ?? '');
      add(h.key ?? '', value);
    }
  } else {
    for (const [key, value] of Object.entries(http.headers ?? {})) add(key, value);
  }
  return lists;
}
