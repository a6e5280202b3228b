/**
 * The one error model: every error orgwarden raises on purpose is an `OrgwardenError` whose `code`
 * comes from the catalogue below, and the catalogue fixes, per code, the HTTP status, the code a
 * client reads and the message a client reads when the error's own message is not for clients.
 * Callers switch on `code`, never on messages or classes.
 *
 * Invariants:
 * - A client reads only our own words: the error's message when its code is marked
 *   `clientMessage` (the message is written for the caller of that API), else the catalogue's
 *   message. Library messages and other detail stay in `message` / `cause`, for the log.
 * - A refined code (`as` set) is answered under the public code it refines, with `reason` naming
 *   the refinement, so a client that only knows the public codes still reads the right one.
 * - This module is a leaf: it imports nothing of ours.
 */

interface CatalogueEntry {
  readonly status: number;
  /** What a client reads when the error's own message is not for clients. */
  readonly message: string;
  /** The error's own message is written for clients of the API that raises it. */
  readonly clientMessage: boolean;
  /** The public code a refined code is answered under (its own code goes in `reason`). */
  readonly as?: PublicErrorCode;
}

/** The codes a client reads in `{"error": {"code": …}}`. */
const PUBLIC = {
  invalid_request: { status: 400, message: 'the request is not valid', clientMessage: true },
  unauthorized: { status: 401, message: 'authentication is required', clientMessage: true },
  forbidden: { status: 403, message: 'forbidden', clientMessage: true },
  not_found: { status: 404, message: 'not found', clientMessage: true },
  method_not_allowed: { status: 405, message: 'method not allowed', clientMessage: true },
  conflict: { status: 409, message: 'conflict', clientMessage: true },
  payload_too_large: { status: 413, message: 'request body too large', clientMessage: true },
  unsupported_media_type: {
    status: 415,
    message: 'content type must be application/json',
    clientMessage: true,
  },
  policy_rejected: { status: 422, message: 'the policy was rejected', clientMessage: true },
  internal: { status: 500, message: 'internal error', clientMessage: false },
  feature_disabled: { status: 501, message: 'this feature is disabled', clientMessage: true },
  unavailable: { status: 503, message: 'a backing service is unavailable', clientMessage: true },
} as const satisfies Record<string, CatalogueEntry>;

export type PublicErrorCode = keyof typeof PUBLIC;

/** Codes of the components, each the refinement of a public code. */
const REFINED = {
  // directory writes (contract §2): the `reason` values the main API switches on
  invalid_record: {
    status: 400,
    as: 'invalid_request',
    message: 'invalid record',
    clientMessage: true,
  },
  default_org_immutable: {
    status: 400,
    as: 'invalid_request',
    message: 'the default org is immutable',
    clientMessage: true,
  },
  org_not_found: {
    status: 404,
    as: 'not_found',
    message: 'org does not exist',
    clientMessage: true,
  },
  seed_not_needed: {
    status: 409,
    as: 'conflict',
    message: 'the directory is already seeded',
    clientMessage: true,
  },
  // the event filter: an event the active policy's event catalogue does not let through
  unknown_event_type: {
    status: 400,
    as: 'invalid_request',
    message: 'the event type is not in the event catalogue',
    clientMessage: true,
  },
  unlisted_event_channel: {
    status: 400,
    as: 'invalid_request',
    message: 'the event type is not delivered on this channel',
    clientMessage: true,
  },
  // stores and key sources that cannot answer: their messages name hosts, URLs and library errors
  directory_unavailable: {
    status: 503,
    as: 'unavailable',
    message: 'the directory store is unavailable',
    clientMessage: false,
  },
  tenancy_store_unavailable: {
    status: 503,
    as: 'unavailable',
    message: 'the tenancy switch store is unavailable',
    clientMessage: false,
  },
  keys_unavailable: {
    status: 503,
    as: 'unavailable',
    message: 'signing keys are unavailable',
    clientMessage: false,
  },
  jwks_fetch_failed: {
    status: 503,
    as: 'unavailable',
    message: 'signing keys are unavailable',
    clientMessage: false,
  },
  // policy loads: the messages quote the compiler and the smoke cases, for the operator's log
  policy_compile_failed: {
    status: 422,
    as: 'policy_rejected',
    message: 'the policy does not compile',
    clientMessage: false,
  },
  smoke_failed: {
    status: 422,
    as: 'policy_rejected',
    message: 'the policy failed its smoke cases',
    clientMessage: false,
  },
  // the bundle format (bundle/): archives, signatures and keys a policy load or a CLI command reads;
  // the messages name files of the server, for the operator
  bundle_invalid: {
    status: 422,
    as: 'policy_rejected',
    message: 'the policy bundle is not valid',
    clientMessage: false,
  },
  bundle_signature_invalid: {
    status: 422,
    as: 'policy_rejected',
    message: 'the policy bundle signature is not valid',
    clientMessage: false,
  },
  signing_key_invalid: {
    status: 422,
    as: 'policy_rejected',
    message: 'the signing key is not valid',
    clientMessage: false,
  },
  // config and the files validated like it (the route manifest, part of a policy pack): the
  // messages name files and keys of the server, for the operator; over HTTP only a reload meets it
  invalid_config: {
    status: 422,
    as: 'policy_rejected',
    message: 'the configuration is not valid',
    clientMessage: false,
  },
  // command line: never answered over HTTP; the status says what kind of mistake it is
  usage_error: {
    status: 400,
    as: 'invalid_request',
    message: 'invalid command line',
    clientMessage: true,
  },
} as const satisfies Record<string, CatalogueEntry & { as: PublicErrorCode }>;

export type ErrorCode = PublicErrorCode | keyof typeof REFINED;

/** Every code with its status, public code and client message. */
export const ERROR_CATALOGUE: Readonly<Record<ErrorCode, CatalogueEntry>> = {
  ...PUBLIC,
  ...REFINED,
};

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as readonly ErrorCode[];

export interface OrgwardenErrorOptions {
  cause?: unknown;
  /** Extra members of the answered `error` object (e.g. the failed `step` of a policy load). */
  fields?: Readonly<Record<string, string>>;
}

export class OrgwardenError extends Error {
  readonly code: ErrorCode;
  /** The HTTP status the catalogue fixes for `code`. */
  readonly status: number;
  readonly fields: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message?: string, options: OrgwardenErrorOptions = {}) {
    const entry = ERROR_CATALOGUE[code];
    super(
      message ?? entry.message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.status = entry.status;
    this.fields = options.fields ?? {};
  }

  /** The message a client may read (see the invariants above). */
  get clientMessage(): string {
    const entry = ERROR_CATALOGUE[this.code];
    return entry.clientMessage ? this.message : entry.message;
  }
}

/** The `{"error": …}` document of an error, as every HTTP route answers it. */
export interface ErrorBody {
  error: { code: PublicErrorCode; message: string; reason?: ErrorCode } & Record<string, string>;
}

export function errorBody(err: OrgwardenError): ErrorBody {
  const entry = ERROR_CATALOGUE[err.code];
  const error = {
    ...err.fields,
    code: entry.as ?? (err.code as PublicErrorCode),
    message: err.clientMessage,
  };
  return { error: entry.as ? { ...error, reason: err.code } : error };
}
