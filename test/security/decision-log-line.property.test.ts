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
import type { RecordedRequest } from '../../src/contract/decision.js';
import { decisionLogEntry } from '../../src/observability/decision-log-entry.js';
import {
  decisionLogLine,
  decisionLogLiner,
  isoTimeFormatter,
} from '../../src/observability/decision-log-line.js';
import { anyRecord } from '../support/decision-records.js';
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
