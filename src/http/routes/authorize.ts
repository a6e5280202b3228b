/**
 * The decision endpoints on the hot path, served straight from `node:http` (no generic body or
 * routing middleware): `POST /v1/authorize` and `POST /v1/authorize/batch`.
 */
import {
  parseAuthorizeBody,
  parseBatchBody,
  type TenancyNames,
} from '../inbound/authorize-body.js';
import type { Authorizer } from '../../authz/authorizer.js';
import type { DecisionRequest } from '../../contract/decision-request.js';
import { mapLimited } from '../../authz/map-limited.js';
import { ApiError, sendJson } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import type { DecisionRoute } from '../route-table.js';

/** Batch items decided at once; `yieldEvery` of them per turn of the event loop. */
const BATCH_CONCURRENCY = 32;

export interface DecisionRouteDeps {
  authorizer: Authorizer;
  tenancy: TenancyNames;
  maxBodyBytes: number;
  maxBatchBodyBytes: number;
  /** Decisions per turn of the event loop for a batch (`server.fanout_yield_every`). */
  yieldEvery: number;
}

/**
 * `?explain=true` asks for the policy's explanation with the decision; `false` or no parameter
 * does not. Any other value, a repeated parameter or any other parameter is a 400 that decides
 * nothing (a typo never silently answers without the explanation asked for).
 */
function explainParam(url: string | undefined): boolean {
  const query = url?.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  if (query === '') return false;
  const params = new URLSearchParams(query);
  const keys = [...params.keys()];
  if (keys.some((k) => k !== 'explain') || keys.length > 1)
    throw new ApiError('invalid_request', 'the only query parameter is explain (true or false)');
  const value = params.get('explain');
  if (value !== 'true' && value !== 'false')
    throw new ApiError('invalid_request', 'explain must be true or false');
  return value === 'true';
}

export function authorizeRoutes(deps: DecisionRouteDeps): DecisionRoute[] {
  const { authorizer, tenancy } = deps;
  return [
    {
      surface: 'decision',
      method: 'POST',
      path: '/v1/authorize',
      operation: 'authorize',
      auth: 'caller',
      async handle(req, res) {
        const body = await readJsonBody(req, deps.maxBodyBytes);
        const explain = explainParam(req.url);
        const parsed = parseAuthorizeBody(body, tenancy, 'request');
        if (!parsed.ok) throw new ApiError('invalid_request', parsed.message);
        // The request is the parser's fresh object: completed in place, not spread.
        const request: DecisionRequest = parsed.value;
        if (explain) request.explain = true;
        sendJson(res, 200, await authorizer.decide(request));
      },
    },
    {
      surface: 'decision',
      method: 'POST',
      path: '/v1/authorize/batch',
      operation: 'authorize_batch',
      auth: 'caller',
      async handle(req, res) {
        const body = await readJsonBody(req, deps.maxBatchBodyBytes);
        const batch = parseBatchBody(body);
        if (!batch.ok) throw new ApiError('invalid_request', batch.message);
        const items = batch.value;
        const results = await mapLimited(
          items,
          { concurrency: BATCH_CONCURRENCY, yieldEvery: deps.yieldEvery },
          async (item, i) => {
            const parsed = parseAuthorizeBody(item, tenancy, 'batch_item');
            if (!parsed.ok)
              return {
                error: { code: 'invalid_request', message: `items[${i}]: ${parsed.message}` },
              };
            return authorizer.decide(parsed.value);
          },
        );
        sendJson(res, 200, { results });
      },
    },
  ];
}
