/**
 * The decision endpoints on the hot path, served straight from `node:http` (no generic body or
 * routing middleware): `POST /v1/authorize` and `POST /v1/authorize/batch`.
 */
import { parseAuthorizeBody, type TenancyNames } from '../../authz/authorize-body.js';
import type { Authorizer } from '../../authz/authorizer.js';
import { mapLimited } from '../../surfaces/map-limited.js';
import { ApiError, sendJson } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import type { DecisionRoute } from '../route-table.js';

export const MAX_BATCH_ITEMS = 1000;
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
        const parsed = parseAuthorizeBody(body, tenancy, 'request');
        if (!parsed.ok) throw new ApiError('invalid_request', parsed.message);
        sendJson(res, 200, await authorizer.decide(parsed.value));
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
        const items = batchItems(body);
        const results = await mapLimited(items, { concurrency: BATCH_CONCURRENCY, yieldEvery: deps.yieldEvery }, async (item, i) => {
          const parsed = parseAuthorizeBody(item, tenancy, 'batch_item');
          if (!parsed.ok) return { error: { code: 'invalid_request', message: `items[${i}]: ${parsed.message}` } };
          return authorizer.decide(parsed.value);
        });
        sendJson(res, 200, { results });
      },
    },
  ];
}

function batchItems(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('invalid_request', 'request body: must be a JSON object');
  const keys = Object.keys(body);
  const unknown = keys.find((k) => k !== 'items');
  if (unknown !== undefined) throw new ApiError('invalid_request', `${unknown}: unknown field`);
  const items = (body as { items?: unknown }).items;
  if (!Array.isArray(items)) throw new ApiError('invalid_request', 'items: must be a list');
  if (items.length > MAX_BATCH_ITEMS) throw new ApiError('invalid_request', `items: at most ${MAX_BATCH_ITEMS} items`);
  return items;
}
