/**
 * The one error renderer of the HTTP layer, used by the raw `node:http` decision routes and by the
 * express management app alike (an express `Response` is a `ServerResponse`). Codes, statuses and
 * client messages come from the catalogue in `contract/errors.ts`; the detail of an error goes to
 * the log, never to the client.
 */
import type { ServerResponse } from 'node:http';
import {
  errorBody,
  OrgwardenError,
  type OrgwardenErrorOptions,
  type PublicErrorCode,
} from '../contract/errors.js';

/** An error the HTTP layer raises itself: a public code and a message written for the client. */
export class ApiError extends OrgwardenError {
  constructor(code: PublicErrorCode, message: string, options?: OrgwardenErrorOptions) {
    super(code, message, options);
  }
}

/**
 * Writes `body` as the whole JSON answer: one `JSON.stringify`, the headers in one `writeHead`
 * (no `setHeader` chain), the body in one `end`. `headers` may add to or override the defaults.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** `sendJson` for a body already serialised. */
function sendJsonText(
  res: ServerResponse,
  status: number,
  payload: string,
  headers?: Record<string, string>,
): void {
  const head: Record<string, string | number> = {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  };
  if (headers !== undefined) Object.assign(head, headers);
  res.writeHead(status, head);
  res.end(payload);
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Answers `err` with its catalogue status and `{"error": {code, message[, reason]}}`. */
export function sendError(
  res: ServerResponse,
  err: OrgwardenError,
  headers: Record<string, string> = {},
): void {
  sendJson(res, err.status, errorBody(err), headers);
}

/**
 * The answer to whatever a route threw. An `OrgwardenError` is answered from the catalogue; any
 * other error is a bug, answered 500 `internal`. What the client does not read (a non-client
 * message, an unknown error) goes to `log`. Once the answer has started, the connection is cut.
 */
export function answerError(res: ServerResponse, err: unknown, log: (err: unknown) => void): void {
  const known = err instanceof OrgwardenError ? err : null;
  if (known === null || known.clientMessage !== known.message) log(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const answered = known ?? new ApiError('internal', 'internal error');
  // A body refused for its size was not read to its end: the connection cannot be reused.
  sendError(res, answered, answered.code === 'payload_too_large' ? { connection: 'close' } : {});
}
