/**
 * The decision log writes each line straight from the record (decision-log-line.ts) instead of
 * serializing the allow-listed entry (decision-log-entry.ts). The two must never differ: for every
 * generated record — hostile field text (huge, astral, lone surrogates, quotes, NULs), every kind,
 * source and reason, absent principal or resource, an explanation with hostile facts, a failure's
 * error, any latency including
 * non-finite ones — the line is exactly `JSON.stringify(decisionLogEntry(record))`, so the line is
 * well-formed JSON with the entry's fields, order, bounds and `truncated` list.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecisionRecord, RecordedRequest } from '../../src/contract/decision.js';
import { NAMED_ORG_SOURCES, SPOOF_SOURCES } from '../../src/contract/org-sources.js';
import { REASON_STATUS, type Reason } from '../../src/contract/reasons.js';
import { DECISION_KINDS } from '../../src/contract/vocabulary.generated.js';
import { decisionLogEntry } from '../../src/observability/decision-log-entry.js';
import {
  decisionLogLine,
  decisionLogLiner,
  isoTimeFormatter,
} from '../../src/observability/decision-log-line.js';
import { logFieldText } from '../support/arbitraries.js';
import { anyExplanation } from '../support/explanations.js';
import { fuzzParams } from '../support/fuzz.js';

const nullable = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null, freq: 3 });
const REASONS = Object.keys(REASON_STATUS) as Reason[];

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
  resource: nullable(
    fc.record({
      type: nullable(logFieldText),
      id: nullable(logFieldText),
      org: nullable(logFieldText),
    }),
  ),
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

const anyRecord: fc.Arbitrary<DecisionRecord> = fc
  .record({
    kind: fc.constantFrom(...DECISION_KINDS),
    decision_id: fc.string({ maxLength: 40 }),
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
    resource: nullable(
      fc.record({
        type: nullable(logFieldText),
        id: nullable(logFieldText),
        org: nullable(logFieldText),
      }),
    ),
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

describe('decision log line', () => {
  it('is exactly the serialized entry, for every record', () => {
    fc.assert(
      fc.property(anyRecord, (record) => {
        const line = decisionLogLine(record);
        expect(line).toBe(JSON.stringify(decisionLogEntry(record)));
        expect(line.isWellFormed()).toBe(true);
      }),
      fuzzParams(400),
    );
  });

  it('never writes the value of a context key that names a secret', () => {
    const secretKey = fc.constantFrom('session_token', 'Password', 'api_key', 'X-Cookie', 'secret');
    fc.assert(
      fc.property(anyRecord, secretKey, fc.nat(), (record, key, n) => {
        const marker = `SECRET-VALUE-${n}`;
        const request: RecordedRequest = {
          kind: 'request',
          principal: null,
          authn_failure: 'token_missing',
          named_org: null,
          action: 'org.read',
          resource: null,
          context: { [key]: marker },
        };
        const line = decisionLogLine({ ...record, request });
        expect(line).not.toContain(marker);
        expect(line).toContain(`${JSON.stringify(key)}:"[redacted]"`);
      }),
      fuzzParams(200),
    );
  });

  it('a log liner (which remembers the text of the last second) writes the same lines, in any order of times, and counts their UTF-8 bytes exactly', () => {
    fc.assert(
      fc.property(fc.array(anyRecord, { minLength: 1, maxLength: 20 }), (records) => {
        const liner = decisionLogLiner();
        for (const record of records) {
          const line = liner.line(record);
          expect(line).toBe(JSON.stringify(decisionLogEntry(record)));
          expect(liner.bytesOf(line)).toBe(Buffer.byteLength(line));
        }
      }),
      fuzzParams(200),
    );
  });

  it('the time formatter is toISOString for any sequence of times: within a second, across, before 1970, past 9999', () => {
    const around = fc.integer({ min: -2_000, max: 2_000 });
    const base = fc.oneof(
      fc.constantFrom(0, 1_700_000_000_000, 253_402_300_799_000, 253_402_300_800_000, -1),
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
    );
    fc.assert(
      fc.property(base, fc.array(around, { minLength: 1, maxLength: 30 }), (start, steps) => {
        const format = isoTimeFormatter();
        for (const step of steps) {
          const date = new Date(Math.max(-8.64e15, Math.min(8.64e15, start + step)));
          expect(format(date)).toBe(date.toISOString());
        }
      }),
      fuzzParams(400),
    );
    expect(() => isoTimeFormatter()(new Date(Number.NaN))).toThrow(RangeError);
  });
});
