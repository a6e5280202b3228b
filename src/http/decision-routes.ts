/**
 * The decision endpoints on the hot path, served straight from `node:http` (no generic body or
 * routing middleware): `POST /v1/authorize` and `POST /v1/authorize/batch`. Other decision
 * surfaces register here too, through `DecisionRoute`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAuthorizeBody, parseBatchBody, type TenancyNames } from './inbound/authorize-body.js';
import type { Authorizer } from '../authz/authorizer.js';
import { mapLimited } from '../authz/map-limited.js';
import { ApiError, sendError, sendJson } from './errors.js';
import { readJsonBody } from './json-body.js';

/** Batch items decided at once; `yieldEvery` of them per turn of the event loop. */
const BATCH_CONCURRENCY = 32;

export interface DecisionRoute {
  method: string;
  /** Exact path, or a prefix when it ends with `/*`. */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
}

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
      method: 'POST',
      path: '/v1/authorize',
      async handle(req, res) {
        const body = await readJsonBody(req, deps.maxBodyBytes);
        const parsed = parseAuthorizeBody(body, tenancy, 'request');
        if (!parsed.ok) throw new ApiError('invalid_request', parsed.message);
        sendJson(res, 200, await authorizer.decide(parsed.value));
      },
    },
    {
      method: 'POST',
      path: '/v1/authorize/batch',
      async handle(req, res) {
        const body = await readJsonBody(req, deps.maxBatchBodyBytes);
        const batch = parseBatchBody(body);
        if (!batch.ok) throw new ApiError('invalid_request', batch.message);
        const items = batch.value;
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

/** Dispatches to a decision route; returns false when the path is not a decision route. */
export function createDecisionDispatcher(routes: DecisionRoute[], onError: (err: unknown) => void) {
  return function dispatch(req: IncomingMessage, res: ServerResponse): boolean {
    const path = pathOf(req.url);
    const matching = routes.filter((r) => (r.path.endsWith('/*') ? path === r.path.slice(0, -2) || path.startsWith(r.path.slice(0, -1)) : path === r.path));
    if (matching.length === 0) return false;
    const route = matching.find((r) => r.method === 'ANY' || r.method === req.method);
    if (!route) {
      req.resume();
      sendError(res, new ApiError('method_not_allowed', `use ${[...new Set(matching.map((r) => r.method))].join(', ')}`), {
        allow: [...new Set(matching.map((r) => r.method))].join(', '),
      });
      return true;
    }
    route.handle(req, res, path).catch((err: unknown) => {
      if (err instanceof ApiError) {
        if (!res.headersSent) sendError(res, err, err.code === 'payload_too_large' ? { connection: 'close' } : {});
        return;
      }
      onError(err);
      if (!res.headersSent) sendError(res, new ApiError('internal', 'internal error'));
      else res.destroy();
    });
    return true;
  };
}

export function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}
