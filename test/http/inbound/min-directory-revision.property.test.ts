/**
 * `min_directory_revision` is read the same on every decision surface: any JSON value is either an
 * integer from 0 to 2^53 - 1, carried to the decision request unchanged, or refused naming the
 * field — never rounded, never read from a string, never dropped silently (a dropped minimum would
 * answer from a cache the caller asked not to be answered from).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuthorizeBody } from '../../../src/http/inbound/authorize-body.js';
import { parseEventFilterBody } from '../../../src/http/inbound/event-filter-body.js';
import { parseJobBody } from '../../../src/http/inbound/job-body.js';
import { parseEvaluation } from '../../../src/surfaces/authzen/request.js';
import { fuzzParams } from '../../support/fuzz.js';

const NAMES = { org_header: 'X-Org-ID', org_cookie: 'org_id' };

const anyValue = fc.oneof(
  fc.nat(),
  fc.integer(),
  fc.maxSafeNat(),
  fc.constantFrom(2 ** 53, -0, 0.5, Number.MAX_VALUE, '3', '', null, true, [], {}),
  fc.double(),
  fc.string(),
);
const acceptable = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** What each surface made of the value: the minimum it carries, or the refusal's message. */
function readings(v: unknown): { ok: boolean; min?: number | undefined; message?: string }[] {
  const authorize = parseAuthorizeBody(
    { token: 't', org: 'acme', action: 'org.read', min_directory_revision: v },
    NAMES,
  );
  const authzen = parseEvaluation({
    subject: { type: 'user', id: 'bob' },
    action: { name: 'org.read' },
    resource: { type: 'org', id: 'acme' },
    context: { min_directory_revision: v },
  });
  const thrown = (run: () => number | undefined) => {
    try {
      return { ok: true, min: run() };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  };
  return [
    authorize.ok
      ? { ok: true, min: authorize.value.min_directory_revision }
      : { ok: false, message: authorize.message },
    authzen.ok
      ? { ok: true, min: authzen.value.min_directory_revision }
      : { ok: false, message: authzen.message },
    thrown(
      () =>
        parseJobBody({
          job: {
            id: 'j',
            type: 't',
            org: 'acme',
            enqueued_by: { user: 'bob' },
            action: 'org.read',
            min_directory_revision: v,
          },
        }).decision.min_directory_revision,
    ),
    thrown(
      () =>
        parseEventFilterBody({
          channel: 'websocket',
          event: { type: 'alert', org: 'acme' },
          recipients: [],
          min_directory_revision: v,
        }).min_directory_revision,
    ),
  ];
}

describe('min_directory_revision on every surface', () => {
  it('is carried exactly when it is an integer from 0, else refused naming the field', () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        for (const reading of readings(v)) {
          if (acceptable(v)) expect(reading).toEqual({ ok: true, min: v });
          else {
            expect(reading.ok).toBe(false);
            expect(reading.message).toContain('min_directory_revision');
          }
        }
      }),
      fuzzParams(300),
    );
  });
});
