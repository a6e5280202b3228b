/**
 * The client's types against the document's, at compile time: test/client/openapi-types.generated.ts
 * is generated from openapi/orgwarden.yaml (`npm run openapi:types`), and the assertions below are
 * checked by `tsc` (`npm run typecheck`): what the client can send, the document takes; what the
 * document says an answer holds, the client's type can hold. The first test keeps the generated
 * file in step with the document.
 */
import { readFileSync } from 'node:fs';
import { expect, expectTypeOf, it } from 'vitest';
import type * as Client from '../../src/client/index.js';
import { GENERATED_TYPES, generateOpenApiTypes } from '../support/contract/openapi-types.js';
import type { Schemas } from './openapi-types.generated.js';

it('the committed types are what the document generates (npm run openapi:types)', async () => {
  const generated = await generateOpenApiTypes(readFileSync('openapi/orgwarden.yaml', 'utf8'));
  expect(readFileSync(GENERATED_TYPES, 'utf8')).toBe(generated);
});

it('every request type of the client is one the document takes (checked by tsc)', () => {
  expectTypeOf<Client.AuthorizeRequest>().toExtend<Schemas['AuthorizeRequest']>();
  expectTypeOf<{ items: Client.AuthorizeRequest[] }>().toExtend<{ items: unknown[] }>();
  expectTypeOf<Client.EventFilterRequest>().toExtend<Schemas['EventFilterRequest']>();
  expectTypeOf<{ job: Client.JobRequest }>().toExtend<Schemas['JobRequest']>();
  expectTypeOf<Client.RolloutRequest>().toExtend<Schemas['RolloutRequest']>();
  expectTypeOf<Client.AuthzenEvaluation>().toExtend<Schemas['AuthzenEvaluationRequest']>();
  expectTypeOf<Client.AuthzenEvaluations>().toExtend<Schemas['AuthzenEvaluationsRequest']>();
});

it('every answer the document describes fits the client type that reads it (checked by tsc)', () => {
  expectTypeOf<Schemas['Decision']>().toExtend<Client.Decision>();
  expectTypeOf<Schemas['Decision'] | Schemas['BatchItemError']>().toExtend<Client.BatchResult>();
  expectTypeOf<Schemas['EventFilterResult']>().toExtend<Client.EventFilterResult>();
  expectTypeOf<Schemas['Features']>().toExtend<Client.Features>();
  expectTypeOf<Schemas['TenancyStatus']>().toExtend<Client.TenancyStatus>();
  expectTypeOf<Schemas['TenancyChanged']>().toExtend<Client.TenancyStatus & { changed: boolean }>();
  expectTypeOf<Schemas['ReloadOutcome']>().toExtend<Client.ReloadOutcome>();
  expectTypeOf<Schemas['PolicyStatus']>().toExtend<Client.PolicyStatus>();
  expectTypeOf<Schemas['AuditRecord']>().toExtend<Client.AuditRecord>();
  expectTypeOf<Schemas['AuthzenDecision']>().toExtend<Client.AuthzenDecision>();
  expectTypeOf<Schemas['ErrorBody']['error']['code']>().toExtend<Client.ClientErrorCode>();
});
