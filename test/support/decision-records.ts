/**
 * Generated decision records, for the properties that hold the log line, the log entry and the
 * explorer's ring to each other: hostile field text (huge, astral, lone surrogates, quotes, NULs),
 * every kind, source and reason, absent principal or resource, an explanation with hostile facts,
 * a failure's error, any latency including non-finite ones, and a recorded request with lists and
 * contexts past the logged bound, secret-looking and prototype keys.
 */
import fc from 'fast-check';
import type { DecisionRecord, RecordedRequest } from '../../src/contract/decision.js';
import { NAMED_ORG_SOURCES, SPOOF_SOURCES } from '../../src/contract/org-sources.js';
import { REASON_STATUS, type Reason } from '../../src/contract/reasons.js';
import { DECISION_KINDS } from '../../src/contract/vocabulary.generated.js';
import { logFieldText } from './arbitraries.js';
import { anyExplanation } from './explanations.js';

const nullable = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null, freq: 3 });
const REASONS = Object.keys(REASON_STATUS) as Reason[];

/** A resource or none; any field may be null (as the contract allows). */
const anyResource: fc.Arbitrary<DecisionRecord['resource']> = nullable(
  fc.record({
    type: nullable(logFieldText),
    id: nullable(logFieldText),
    org: nullable(logFieldText),
  }),
);

/** A recorded request: hostile text everywhere, lists and contexts past the logged bound, secret-looking and prototype keys. */
const anyRequest: fc.Arbitrary<RecordedRequest> = fc.record({
  kind: fc.constantFrom(...DECISION_KINDS),
  principal: nullable(
    fc.record({
      id: logFieldText,
      kind: fc.constantFrom('session' as const, 'api_token' as const),
      scopes: fc.array(logFieldText, { maxLength: 20 }),
      bound_orgs: nullable(fc.array(logFieldText, { maxLength: 20 })),
      auth_time: nullable(fc.oneof(fc.integer(), fc.double())),
    }),
  ),
  authn_failure: nullable(fc.constantFrom('token_expired' as const, 'claim_invalid' as const)),
  named_org: nullable(
    fc.record({ id: logFieldText, source: fc.constantFrom(...NAMED_ORG_SOURCES) }),
  ),
  action: logFieldText,
  resource: anyResource,
  context: fc
    .array(
      fc.tuple(
        fc.oneof(
          logFieldText,
          fc.constantFrom('__proto__', 'target_user', 'api_token', 'Password', 'constructor'),
        ),
        logFieldText,
      ),
      { maxLength: 20 },
    )
    .map((pairs) => Object.fromEntries(pairs)),
});

/** Crockford's base32 digits, and characters an id's reader must not take for them. */
const charsOf = (text: string) => Array.from({ length: text.length }, (_, i) => text.charAt(i));
const ID_CHARS = charsOf('0123456789ABCDEFGHJKMNPQRSTVWXYZ');
const NOT_ID_CHARS = charsOf('ILOUabz-_ \u00e9\u0130');

/** Ids of the decision core's shape (26 base32 digits), and near misses: a wrong character, a wrong length. */
const decisionIdLike: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 26, maxLength: 26 }),
  fc
    .tuple(
      fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 26, maxLength: 26 }),
      fc.nat(25),
      fc.constantFrom(...NOT_ID_CHARS),
    )
    .map(([id, at, c]) => id.slice(0, at) + c + id.slice(at + 1)),
  fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 25, maxLength: 27 }),
);

export const anyRecord: fc.Arbitrary<DecisionRecord> = fc
  .record({
    kind: fc.constantFrom(...DECISION_KINDS),
    decision_id: fc.oneof(fc.string({ maxLength: 40 }), decisionIdLike),
    allow: fc.boolean(),
    reason: fc.constantFrom(...REASONS),
    detail: nullable(logFieldText),
    status: fc.oneof(fc.constantFrom(200, 401, 403, 404, 500, 503), fc.integer()),
    effective_org: nullable(logFieldText),
    principal: nullable(
      fc.record({
        id: logFieldText,
        kind: fc.constantFrom('session' as const, 'api_token' as const),
      }),
    ),
    role: nullable(logFieldText),
    spoof: fc.boolean(),
    policy_revision: nullable(fc.string({ maxLength: 80 })),
    multi_tenant: fc.boolean(),
    requested_org: fc.record({
      id: logFieldText,
      source: fc.constantFrom(...NAMED_ORG_SOURCES, 'token' as const, 'default' as const),
    }),
    action: logFieldText,
    resource: anyResource,
    spoof_source: nullable(fc.constantFrom(...SPOOF_SOURCES)),
    time: fc.date({ min: new Date(0), max: new Date(8.64e15), noInvalidDate: true }),
    latency_s: fc.oneof(fc.double(), fc.double({ min: 0, max: 10, noNaN: true })),
    explain: fc.option(anyExplanation, { nil: undefined }),
    error: fc.option(logFieldText, { nil: undefined }),
    directory_revision: fc.option(
      fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(null)),
      { nil: undefined },
    ),
    request: fc.option(anyRequest, { nil: undefined }),
  })
  .map(
    ({
      kind,
      requested_org,
      action,
      resource,
      spoof_source,
      time,
      latency_s,
      error,
      directory_revision,
      request,
      explain,
      ...d
    }) => ({
      kind,
      decision: d,
      requested_org,
      action,
      resource,
      spoof_source,
      time,
      latency_s,
      ...(error === undefined ? {} : { error }),
      ...(directory_revision === undefined ? {} : { directory_revision }),
      ...(request === undefined ? {} : { request }),
      ...(explain === undefined ? {} : { explain }),
    }),
  );
