/**
 * What a failed call throws: `OrgwardenApiError` with the HTTP status and the error `code` the
 * server answered (`{"error": {"code", "message", "reason"?}}`), so callers switch on `code`
 * (and `reason` for the refined codes), never on messages. An answer that is not an orgwarden
 * error body (a proxy's page, a cut connection) has the code `unexpected_response`.
 */
import type { ErrorCode, PublicErrorCode } from '../contract/errors.js';

export type ClientErrorCode = PublicErrorCode | 'unexpected_response';

export class OrgwardenApiError extends Error {
  readonly status: number;
  readonly code: ClientErrorCode;
  /** The refined code (`org_not_found`, `invalid_record`, …), when the server named one. */
  readonly reason: ErrorCode | undefined;
  /** The body as answered (parsed JSON, or the text when it was not JSON). */
  readonly body: unknown;

  constructor(
    status: number,
    code: ClientErrorCode,
    message: string,
    body: unknown,
    reason?: ErrorCode,
  ) {
    super(message);
    this.name = 'OrgwardenApiError';
    this.status = status;
    this.code = code;
    this.reason = reason;
    this.body = body;
  }
}

/** The error an answer with status `status` and body `body` stands for. */
export function errorFromAnswer(status: number, body: unknown): OrgwardenApiError {
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'object' && error !== null) {
    const { code, message, reason } = error as Record<string, unknown>;
    if (typeof code === 'string')
      return new OrgwardenApiError(
        status,
        code as PublicErrorCode,
        typeof message === 'string' ? message : code,
        body,
        typeof reason === 'string' ? (reason as ErrorCode) : undefined,
      );
  }
  return new OrgwardenApiError(
    status,
    'unexpected_response',
    `unexpected answer: HTTP ${status}`,
    body,
  );
}
