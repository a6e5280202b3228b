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
import { anyRecord, anyRequest } from '../support/decision-records.js';
import { logFieldText } from '../support/arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';

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

  it('a liner that reuses the repeating parts of lines writes exactly the entry, for repeats and one-value changes, of a clone or of the record itself', () => {
    let reusedInAll = 0;
    fc.assert(
      fc.property(
        fc.array(repeatable, { minLength: 1, maxLength: 3 }),
        fc.array(step, { minLength: 1, maxLength: 40 }),
        (bases, steps) => {
          const liner = decisionLogLiner();
          const records = bases.map((r) => structuredClone(r));
          for (const { pick, change, value, n, inPlace } of steps) {
            const source = records[pick % records.length] as DecisionRecord;
            const record = inPlace ? source : structuredClone(source);
            (CHANGES[change % CHANGES.length] as Change)(record, value, n);
            if (!inPlace) records.push(record);
            expect(liner.line(record)).toBe(JSON.stringify(decisionLogEntry(record)));
          }
          reusedInAll += liner.reusedParts;
        },
      ),
      fuzzParams(300),
    );
    // The reuse path ran: the property above checked reused lines, not only spelled ones.
    expect(reusedInAll).toBeGreaterThan(0);
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

/** Short text: plain, with characters to escape, or not ASCII; never long enough to be cut. */
const shortText = fc.oneof(
  fc.constantFrom('acme', 'n1', 'org.read', ''),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);
const orNull = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null });
const shortResource = orNull(
  fc.record({ type: orNull(shortText), id: orNull(shortText), org: orNull(shortText) }),
);

/** A record with nothing to cut (its parts are kept), a principal of two ids and a recorded request. */
const plainRecord: fc.Arbitrary<DecisionRecord> = fc.record({
  kind: fc.constantFrom(...DECISION_KINDS),
  decision: fc.record({
    decision_id: fc.string({ maxLength: 26 }),
    allow: fc.boolean(),
    reason: fc.constantFrom(...(Object.keys(REASON_STATUS) as Reason[])),
    detail: orNull(shortText),
    status: fc.constantFrom(200, 403, 503),
    effective_org: orNull(shortText),
    principal: fc.record({
      id: fc.constantFrom('carol', 'dave'),
      kind: fc.constantFrom('session' as const, 'api_token' as const),
    }),
    role: orNull(shortText),
    spoof: fc.boolean(),
    policy_revision: orNull(shortText),
    multi_tenant: fc.boolean(),
  }),
  requested_org: fc.record({ id: shortText, source: fc.constantFrom(...NAMED_ORG_SOURCES) }),
  action: shortText,
  resource: shortResource,
  spoof_source: orNull(fc.constantFrom(...SPOOF_SOURCES)),
  time: fc.date({ min: new Date(0), max: new Date(8.64e15), noInvalidDate: true }),
  latency_s: fc.double({ min: 0, max: 10, noNaN: true }),
  request: fc.record({
    kind: fc.constantFrom(...DECISION_KINDS),
    principal: orNull(
      fc.record({
        id: fc.constantFrom('carol', 'dave'),
        kind: fc.constantFrom('session' as const, 'api_token' as const),
        scopes: fc.array(shortText, { maxLength: 3 }),
        bound_orgs: orNull(fc.array(shortText, { maxLength: 3 })),
        auth_time: orNull(fc.integer()),
      }),
    ),
    authn_failure: orNull(fc.constantFrom('token_expired' as const, 'claim_invalid' as const)),
    named_org: orNull(fc.record({ id: shortText, source: fc.constantFrom(...NAMED_ORG_SOURCES) })),
    action: shortText,
    resource: shortResource,
    context: fc.dictionary(shortText, shortText, { maxKeys: 3 }),
  }),
});

/** Records whose parts a liner keeps, mostly, and generated records with hostile text. */
const repeatable: fc.Arbitrary<DecisionRecord> = fc.oneof(
  { arbitrary: plainRecord, weight: 4 },
  {
    arbitrary: fc.tuple(anyRecord, anyRequest).map(([record, request]) => ({
      ...record,
      decision: { ...record.decision, principal: { id: 'carol', kind: 'session' as const } },
      request: record.request ?? request,
    })),
    weight: 1,
  },
);

type Change = (record: DecisionRecord, value: string, n: number) => void;

/** One value changed (or none), in the head, the recorded request, or the parts that always vary. */
const CHANGES: Change[] = [
  () => undefined,
  () => undefined,
  (r) => {
    r.decision.decision_id = `${r.decision.decision_id}X`;
  },
  (r, _v, n) => {
    r.time = new Date(Math.abs(n) % 8.64e15);
  },
  (r, _v, n) => {
    r.latency_s = n / 1000;
  },
  (r, _v, n) => {
    r.directory_revision = Math.abs(n);
  },
  (r, v) => {
    r.error = v;
  },
  (r) => {
    r.kind = r.kind === 'request' ? 'event' : 'request';
  },
  (r, v) => {
    if (r.decision.principal) r.decision.principal.id = v;
  },
  (r) => {
    if (r.decision.principal)
      r.decision.principal.kind = r.decision.principal.kind === 'session' ? 'api_token' : 'session';
  },
  (r, v) => {
    r.requested_org.id = v;
  },
  (r, _v, n) => {
    r.requested_org.source = [...NAMED_ORG_SOURCES, 'token' as const][
      Math.abs(n) % (NAMED_ORG_SOURCES.length + 1)
    ] as DecisionRecord['requested_org']['source'];
  },
  (r, v) => {
    r.decision.effective_org = r.decision.effective_org === null ? v : null;
  },
  (r, v) => {
    r.action = v;
  },
  (r, v) => {
    r.resource = r.resource === null ? { type: v, id: null, org: null } : null;
  },
  (r, v) => {
    if (r.resource) r.resource.id = v;
  },
  (r) => {
    r.decision.allow = !r.decision.allow;
  },
  (r) => {
    r.decision.reason = r.decision.reason === 'member_role' ? 'not_a_member' : 'member_role';
  },
  (r, v) => {
    r.decision.detail = v;
  },
  (r, _v, n) => {
    r.decision.status = n % 3 === 0 ? Number.NaN : n;
  },
  (r, v) => {
    r.decision.role = v;
  },
  (r) => {
    r.decision.spoof = !r.decision.spoof;
  },
  (r, _v, n) => {
    r.spoof_source =
      n % 2 === 0 ? null : (SPOOF_SOURCES[Math.abs(n) % SPOOF_SOURCES.length] ?? null);
  },
  (r, v) => {
    r.decision.policy_revision = v;
  },
  (r) => {
    r.decision.multi_tenant = !r.decision.multi_tenant;
  },
  (r) => {
    if (r.request) r.request.kind = r.request.kind === 'request' ? 'job' : 'request';
  },
  (r, v) => {
    if (r.request?.principal) r.request.principal.id = v;
  },
  (r, v) => {
    r.request?.principal?.scopes.push(v);
  },
  (r, v) => {
    if (r.request?.principal)
      r.request.principal.bound_orgs = r.request.principal.bound_orgs ? null : [v];
  },
  (r, _v, n) => {
    if (r.request?.principal) r.request.principal.auth_time = n % 3 === 0 ? Number.NaN : n;
  },
  (r) => {
    if (r.request) r.request.principal = null;
  },
  (r) => {
    if (r.request) r.request.authn_failure = r.request.authn_failure ? null : 'token_expired';
  },
  (r, v) => {
    if (r.request) r.request.named_org = r.request.named_org ? null : { id: v, source: 'header' };
  },
  (r, v) => {
    if (r.request) r.request.action = v;
  },
  (r, v) => {
    if (r.request) r.request.resource = r.request.resource ? null : { type: v, id: v, org: null };
  },
  (r, v) => {
    if (r.request) r.request.context[v] = v;
  },
  (r, v) => {
    const context = r.request?.context;
    const key = context && Object.keys(context)[0];
    if (context && key !== undefined) context[key] = v;
  },
  (r) => {
    const context = r.request?.context;
    const key = context && Object.keys(context)[0];
    if (context && key !== undefined) Reflect.deleteProperty(context, key);
  },
];

/** A short plain value (the parts are then kept) or any field text. */
const changedValue = fc.oneof(fc.constantFrom('acme', 'n2', 'org.read', 'carol'), logFieldText);

const step = fc.record({
  pick: fc.nat(),
  change: fc.nat(),
  value: changedValue,
  n: fc.integer(),
  inPlace: fc.boolean(),
});
