/**
 * The contract validator's rules (test/support/contract/openapi-validator.ts), on exchanges built
 * by hand against the real document: it passes what the document describes and flags each kind of
 * drift, so the contract hook over the integration tests cannot pass by accident.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOpenApiDocument } from '../../src/http/openapi-document.js';
import {
  createContractValidator,
  type ContractValidator,
  type Exchange,
} from '../support/contract/openapi-validator.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const errorBody = (code: string) => json({ error: { code, message: 'm' } });

const DECISION = {
  decision_id: '01J',
  allow: true,
  reason: 'allowed',
  detail: null,
  status: 200,
  effective_org: 'acme',
  principal: { id: 'alice', kind: 'session' },
  role: 'owner',
  spoof: false,
  policy_revision: null,
  multi_tenant: true,
};

function exchange(overrides: Partial<Exchange>): Exchange {
  return {
    method: 'POST',
    target: '/v1/authorize',
    requestContentType: 'application/json',
    requestBody: json({ token: 't', org: 'acme', action: 'resource.read' }),
    status: 200,
    responseContentType: JSON_TYPE,
    responseBody: json(DECISION),
    ...overrides,
  };
}

let validator: ContractValidator;
beforeAll(async () => {
  validator = createContractValidator(await loadOpenApiDocument());
});

describe('what the document describes passes', () => {
  it.each([
    ['a decision', exchange({})],
    [
      'a malformed request answered with a documented 400',
      exchange({
        requestBody: json({ action: 1 }),
        status: 400,
        responseBody: errorBody('invalid_request'),
      }),
    ],
    [
      'a body not received in full, answered 413',
      exchange({ requestBody: null, status: 413, responseBody: errorBody('payload_too_large') }),
    ],
    [
      'HEAD on a GET route, without a body',
      exchange({
        method: 'HEAD',
        target: '/healthz',
        requestBody: Buffer.alloc(0),
        requestContentType: undefined,
        responseBody: Buffer.alloc(0),
      }),
    ],
    [
      'an unknown path answered 404',
      exchange({ target: '/nope', status: 404, responseBody: errorBody('not_found') }),
    ],
    [
      'another method on a declared path answered 405',
      exchange({
        method: 'GET',
        target: '/v1/authorize',
        status: 405,
        responseBody: errorBody('method_not_allowed'),
      }),
    ],
    [
      'forward-auth for a method OpenAPI cannot name',
      exchange({
        method: 'PROPFIND',
        target: '/v1/forward-auth/x/y?z=1',
        requestBody: Buffer.alloc(0),
        requestContentType: undefined,
        status: 200,
        responseContentType: undefined,
        responseBody: Buffer.alloc(0),
      }),
    ],
    [
      'forward-auth on the bare prefix, denied',
      exchange({
        method: 'GET',
        target: '/v1/forward-auth',
        requestBody: Buffer.alloc(0),
        requestContentType: undefined,
        status: 403,
        responseBody: json({ error: 'access_denied', message: 'no' }),
      }),
    ],
    [
      'metrics as text',
      exchange({
        method: 'GET',
        target: '/metrics',
        requestBody: Buffer.alloc(0),
        requestContentType: undefined,
        responseContentType: 'text/plain; version=0.0.4; charset=utf-8',
        responseBody: Buffer.from('# HELP x\n'),
      }),
    ],
  ])('%s', (_name, ex) => {
    expect(validator.check(ex)).toEqual([]);
  });
});

describe('drift is flagged', () => {
  it.each([
    [
      'a status the operation does not document',
      exchange({ status: 418 }),
      /status 418 is not documented/,
    ],
    [
      'a body that breaks the schema',
      exchange({ responseBody: json({ ...DECISION, allow: 'yes' }) }),
      /\/allow must be boolean/,
    ],
    [
      'a field the schema does not have',
      exchange({ responseBody: json({ ...DECISION, extra: 1 }) }),
      /must NOT have additional properties/,
    ],
    [
      'a reason outside the vocabulary',
      exchange({ responseBody: json({ ...DECISION, reason: 'maybe' }) }),
      /\/reason must be equal to one of the allowed values/,
    ],
    [
      'an answer that is not JSON',
      exchange({ responseBody: Buffer.from('<html>') }),
      /is not JSON/,
    ],
    [
      'another content type',
      exchange({ responseContentType: 'text/html' }),
      /content type text\/html is not one of application\/json/,
    ],
    [
      'a malformed request that was allowed through',
      exchange({ requestBody: json({ action: 'a' }) }),
      /does not match the document .* yet it was not answered 4xx/,
    ],
    [
      'an unknown path answered 200',
      exchange({ target: '/v2/authorize' }),
      /a path it does not describe, answered with status 200/,
    ],
    [
      'an error code outside the catalogue',
      exchange({ status: 400, requestBody: json({}), responseBody: errorBody('bad') }),
      /\/error\/code must be equal to one of the allowed values/,
    ],
    [
      'a body where none is declared',
      exchange({
        method: 'GET',
        target: '/v1/forward-auth/x',
        requestBody: Buffer.alloc(0),
        requestContentType: undefined,
        responseContentType: undefined,
        responseBody: Buffer.from('ok'),
      }),
      /has a body where the document declares none/,
    ],
    [
      'a field the tenancy status does not have (closed across allOf)',
      exchange({
        method: 'GET',
        target: '/v1/admin/tenancy',
        requestBody: Buffer.alloc(0),
        requestContentType: undefined,
        responseBody: json({
          multi_tenant: true,
          state: 'on',
          killed: false,
          rollout: {
            mode: 'on',
            orgs: [],
            percent: 0,
            stage: null,
            held: false,
            signed_off_by: null,
            reason: null,
            since: null,
          },
          changed_by: null,
          store: 'memory',
          synced: true,
          version: null,
          flips: 0,
          last_flip_at: null,
          changes: 0,
          last_change_at: null,
          changed: false,
        }),
      }),
      /must NOT have unevaluated properties/,
    ],
  ])('%s', (_name, ex, problem) => {
    const problems = validator.check(ex);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });
});
