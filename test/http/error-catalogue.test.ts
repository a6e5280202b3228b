/**
 * The error catalogue, code by code: the status it fixes and the body a client reads, rendered by
 * the one renderer through both HTTP stacks — a raw `node:http` decision route and an express
 * management route of a real management app. Detail that is not for clients never reaches the
 * body; it goes to the log.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_CATALOGUE,
  ERROR_CODES,
  OrgwardenError,
  type ErrorCode,
} from '../../src/contract/errors.js';
import { DirectoryUnavailableError } from '../../src/directory/types.js';
import { createAdminGuard } from '../../src/http/admin-auth.js';
import { createDecisionDispatcher } from '../../src/http/decision-dispatcher.js';
import { ApiError } from '../../src/http/errors.js';
import { createManagementApp } from '../../src/http/management-app.js';
import { declareRoutes } from '../../src/http/route-table.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';

/** code → [status, public code, reason] — the contract, written out. */
const EXPECTED: Record<ErrorCode, [number, string, string | undefined]> = {
  invalid_request: [400, 'invalid_request', undefined],
  invalid_config: [422, 'policy_rejected', 'invalid_config'],
  bundle_invalid: [422, 'policy_rejected', 'bundle_invalid'],
  bundle_signature_invalid: [422, 'policy_rejected', 'bundle_signature_invalid'],
  signing_key_invalid: [422, 'policy_rejected', 'signing_key_invalid'],
  unauthorized: [401, 'unauthorized', undefined],
  forbidden: [403, 'forbidden', undefined],
  not_found: [404, 'not_found', undefined],
  method_not_allowed: [405, 'method_not_allowed', undefined],
  conflict: [409, 'conflict', undefined],
  payload_too_large: [413, 'payload_too_large', undefined],
  unsupported_media_type: [415, 'unsupported_media_type', undefined],
  policy_rejected: [422, 'policy_rejected', undefined],
  internal: [500, 'internal', undefined],
  feature_disabled: [501, 'feature_disabled', undefined],
  unavailable: [503, 'unavailable', undefined],
  invalid_record: [400, 'invalid_request', 'invalid_record'],
  default_org_immutable: [400, 'invalid_request', 'default_org_immutable'],
  org_not_found: [404, 'not_found', 'org_not_found'],
  seed_not_needed: [409, 'conflict', 'seed_not_needed'],
  directory_unavailable: [503, 'unavailable', 'directory_unavailable'],
  tenancy_store_unavailable: [503, 'unavailable', 'tenancy_store_unavailable'],
  keys_unavailable: [503, 'unavailable', 'keys_unavailable'],
  jwks_fetch_failed: [503, 'unavailable', 'jwks_fetch_failed'],
  policy_compile_failed: [422, 'policy_rejected', 'policy_compile_failed'],
  smoke_failed: [422, 'policy_rejected', 'smoke_failed'],
  usage_error: [400, 'invalid_request', 'usage_error'],
  unknown_event_type: [400, 'invalid_request', 'unknown_event_type'],
  unlisted_event_channel: [400, 'invalid_request', 'unlisted_event_channel'],
};

const DETAIL = 'detail for the log: redis://10.0.0.7:6379 ECONNREFUSED';

/** The body a client must read for an error of `code` whose own message is DETAIL. */
function expectedBody(code: ErrorCode): unknown {
  const [, publicCode, reason] = EXPECTED[code];
  const message = ERROR_CATALOGUE[code].clientMessage ? DETAIL : ERROR_CATALOGUE[code].message;
  return { error: { code: publicCode, message, ...(reason ? { reason } : {}) } };
}

let server: HttpServer;
let base: string;
const logged: unknown[] = [];

beforeAll(async () => {
  const errorFor = (req: http.IncomingMessage): Error => {
    const code = new URL(req.url ?? '/', 'http://x').searchParams.get('code') as ErrorCode;
    return code === 'directory_unavailable'
      ? new DirectoryUnavailableError(DETAIL)
      : new OrgwardenError(code, DETAIL);
  };
  const table = declareRoutes([
    {
      surface: 'decision',
      method: 'POST',
      path: '/raw',
      operation: 'raw',
      auth: 'caller',
      handle: (req) => Promise.reject(errorFor(req)),
    },
    {
      surface: 'decision',
      method: 'POST',
      path: '/raw-bug',
      operation: 'raw_bug',
      auth: 'caller',
      handle: () => Promise.reject(new Error(DETAIL)),
    },
    {
      surface: 'management',
      method: 'POST',
      path: '/express',
      operation: 'express',
      auth: 'caller',
      handle: (req) => {
        throw errorFor(req);
      },
    },
    {
      surface: 'management',
      method: 'POST',
      path: '/express-bug',
      operation: 'express_bug',
      auth: 'caller',
      handle: () => {
        throw new Error(DETAIL);
      },
    },
  ]);
  const onError = (err: unknown) => logged.push(err);
  const adminGuard = createAdminGuard([]);
  server = createHttpServer({
    dispatchDecision: createDecisionDispatcher(table.decision, { adminGuard, onError }),
    management: createManagementApp({ routes: table.management, adminGuard, onError }),
  });
  const address: AddressInfo = await server.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(() => server.close(1000));

async function call(
  path: string,
): Promise<{ status: number; body: unknown; contentType: string | null }> {
  const res = await fetch(`${base}${path}`, { method: 'POST' });
  return {
    status: res.status,
    body: await res.json(),
    contentType: res.headers.get('content-type'),
  };
}

describe('the catalogue', () => {
  it('lists exactly the codes of this table (a new code needs a row here)', () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(ERROR_CODES)('%s: status and public code', (code) => {
    const err = new OrgwardenError(code);
    expect([err.status, err.code]).toEqual([EXPECTED[code][0], code]);
    expect(err.message).toBe(ERROR_CATALOGUE[code].message);
  });

  it('an ApiError is an OrgwardenError with the same catalogue', () => {
    const err = new ApiError('conflict', 'x');
    expect(err).toBeInstanceOf(OrgwardenError);
    expect([err.code, err.status, err.clientMessage]).toEqual(['conflict', 409, 'x']);
  });
});

describe.each([
  ['raw node:http decision route', '/raw', '/raw-bug'],
  ['express management route', '/express', '/express-bug'],
])('rendered by %s', (_name, path, bugPath) => {
  it.each(ERROR_CODES)('%s', async (code) => {
    logged.length = 0;
    const answer = await call(`${path}?code=${code}`);
    expect(answer.status).toBe(EXPECTED[code][0]);
    expect(answer.contentType).toBe('application/json; charset=utf-8');
    expect(answer.body).toEqual(expectedBody(code));
    // What the client did not read went to the log; what it read is not logged again.
    expect(logged.length).toBe(ERROR_CATALOGUE[code].clientMessage ? 0 : 1);
  });

  it('anything else is a bug: 500 internal with our message, the error logged', async () => {
    logged.length = 0;
    const answer = await call(bugPath);
    expect([answer.status, answer.body]).toEqual([
      500,
      { error: { code: 'internal', message: 'internal error' } },
    ]);
    expect(logged).toHaveLength(1);
  });
});
